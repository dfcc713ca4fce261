import { OnrampError } from '../plugin/index.ts';
import type { ConfigStore, RestartRequest, RunState, StatusStore } from '../stores/stores.ts';
import type { WorkAssignment } from './assignment.ts';
import type { ConnectorStateInfo } from './connect-entities.ts';
import type { ConnectorLifecycle } from './lifecycle.ts';
import type { RootLogger } from './logger.ts';
import type { StatusView } from './status-view.ts';
import type { Managed, Worker } from './worker.ts';

// Restarts (POST /connectors/{n}/restart, KIP-745, and /tasks/{t}/restart). The worker that answers
// plans from every state it knows (its own, the status store's for other workers), restarts its own
// part at once, and stores the request (Kafka Connect's `restart-connector-<name>` record) when part
// of it runs elsewhere; each worker that hears of the request restarts its own part.

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

export interface RestartsOptions {
  lifecycle: ConnectorLifecycle;
  worker: Worker;
  configs: ConfigStore;
  statuses: StatusStore;
  assignment: WorkAssignment;
  view: StatusView;
  log: RootLogger;
}

export class Restarts {
  private readonly options: RestartsOptions;
  /** Requests this worker stored and carried out its part of: their notification is skipped. */
  private readonly own = new Map<string, number>();

  constructor(options: RestartsOptions) {
    this.options = options;
  }

  /** POST /connectors/{n}/restart without flags: restarts the connector instance only. */
  async restartConnector(name: string): Promise<void> {
    const { lifecycle } = this.options;
    await lifecycle.exclusive(name, async () => {
      const managed = lifecycle.require(name);
      const request = { connector: name, includeTasks: false, onlyFailed: false };
      await this.store(managed, request, { connector: true, tasks: [] });
      if (managed.ownsInstance) await lifecycle.restartInstance(managed);
    });
  }

  /**
   * KIP-745: marks what will restart as RESTARTING and returns that state at once (202); the restart
   * itself completes in the background, serialized with other changes to the connector.
   */
  restartConnectorAndTasks(
    name: string,
    flags: { includeTasks: boolean; onlyFailed: boolean },
  ): Promise<ConnectorStateInfo> {
    const { lifecycle } = this.options;
    return new Promise((resolve, reject) => {
      let answered = false;
      lifecycle
        .exclusive(name, async () => {
          const managed = lifecycle.require(name);
          const request: RestartRequest = { connector: name, ...flags };
          const plan = this.plan(managed, request);
          const local = this.markRestarting(managed, plan);
          answered = true;
          resolve(this.options.view.connectorStatus(managed, plan));
          await this.store(managed, request, plan);
          await this.carryOut(managed, local);
        })
        .catch((error: unknown) => {
          if (answered) this.options.log.error({ connector: name, err: error }, 'restart failed');
          else reject(error);
        });
    });
  }

  async restartTask(name: string, taskId: number): Promise<void> {
    const { lifecycle, worker } = this.options;
    await lifecycle.exclusive(name, async () => {
      const managed = lifecycle.require(name);
      if (taskId < 0 || taskId >= managed.stored.tasks.length || managed.stored.targetState === 'STOPPED') {
        throw new OnrampError('TASK_NOT_FOUND', `Task ${name}-${taskId} not found`);
      }
      // Kafka Connect forwards this to the task's worker; cluster mode's REST layer does the same.
      if (!this.options.assignment.current().ownsTask(name, taskId)) {
        throw new OnrampError('CONFLICT', `Task ${name}-${taskId} runs on another worker`);
      }
      await worker.stopTask(managed, taskId);
      worker.startTask(managed, taskId);
    });
  }

  /** A restart request from the config store: restarts this worker's part of it. */
  onRestartRequest(request: RestartRequest): void {
    if (this.skipOwn(request.connector)) return;
    const { lifecycle } = this.options;
    lifecycle
      .exclusive(request.connector, async () => {
        const managed = lifecycle.get(request.connector);
        if (!managed || !lifecycle.isActive()) return;
        await this.carryOut(managed, this.markRestarting(managed, this.plan(managed, request)));
      })
      .catch((error: unknown) =>
        this.options.log.error({ connector: request.connector, err: error }, 'restart failed'),
      );
  }

  private plan(managed: Managed, request: RestartRequest): RestartPlan {
    const name = managed.stored.name;
    const assignment = this.options.assignment.current();
    const connectorState = managed.ownsInstance
      ? managed.state
      : this.options.statuses.getConnector(name)?.state;
    const local = [...managed.tasks].map(([id, task]) => [id, task.status.state] as const);
    const remote = managed.stored.tasks.flatMap((_, id) => {
      if (assignment.ownsTask(name, id)) return [];
      const state = this.options.statuses.getTask(name, id)?.state;
      return state === undefined ? [] : [[id, state] as const];
    });
    return restartPlan(request, connectorState, [...local, ...remote]);
  }

  /** Marks this worker's part of a plan RESTARTING; returns that part. */
  private markRestarting(managed: Managed, plan: RestartPlan): RestartPlan {
    const local: RestartPlan = {
      connector: plan.connector && managed.ownsInstance,
      tasks: plan.tasks.filter((id) => managed.tasks.has(id)),
    };
    if (local.connector) this.options.worker.setConnectorState(managed, 'RESTARTING');
    for (const id of local.tasks) this.options.worker.markTaskRestarting(managed, id);
    return local;
  }

  /** Stores the request when part of the plan runs on other workers. */
  private async store(managed: Managed, request: RestartRequest, plan: RestartPlan): Promise<void> {
    const name = managed.stored.name;
    const assignment = this.options.assignment.current();
    const elsewhere =
      (plan.connector && !assignment.ownsConnector(name)) ||
      plan.tasks.some((id) => !assignment.ownsTask(name, id));
    if (!elsewhere) return;
    this.own.set(name, (this.own.get(name) ?? 0) + 1);
    try {
      await this.options.configs.putRestartRequest(request);
    } catch (error) {
      this.skipOwn(name);
      throw error;
    }
  }

  /** True (and counted off) when a notified request is one this worker stored itself. */
  private skipOwn(name: string): boolean {
    const pending = this.own.get(name) ?? 0;
    if (pending === 0) return false;
    if (pending === 1) this.own.delete(name);
    else this.own.set(name, pending - 1);
    return true;
  }

  private async carryOut(managed: Managed, local: RestartPlan): Promise<void> {
    const { lifecycle, worker } = this.options;
    for (const id of local.tasks) await worker.stopTask(managed, id);
    if (local.connector) await lifecycle.restartInstance(managed);
    else if (managed.ownsInstance) worker.setConnectorState(managed, worker.runningStateFor(managed));
    if (!lifecycle.isCurrent(managed)) return;
    for (const id of local.tasks) {
      if (id < managed.stored.tasks.length && managed.tasks.get(id)?.running === undefined)
        worker.startTask(managed, id);
    }
  }
}
