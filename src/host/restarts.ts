import type { RestartRequest, RunState } from '../stores/stores.ts';

// KIP-745 restarts: what a request restarts, from the states it finds. The worker that answers the
// request plans from every state it knows (its own, and the status store's for other workers); each
// worker then restarts its own part.

export interface RestartPlan {
  /** Restart the connector instance. */
  connector: boolean;
  /** Task ids to restart. */
  tasks: number[];
}

export function restartPlan(
  request: RestartRequest,
  connectorState: RunState | undefined,
  taskStates: ReadonlyArray<readonly [id: number, state: RunState]>,
): RestartPlan {
  return {
    connector: !request.onlyFailed || connectorState === 'FAILED',
    tasks: request.includeTasks
      ? taskStates.filter(([, state]) => !request.onlyFailed || state === 'FAILED').map(([id]) => id)
      : [],
  };
}
