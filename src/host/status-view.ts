import type { StatusStore } from '../stores/stores.ts';
import type { WorkAssignment } from './assignment.ts';
import type { ConnectorState, ConnectorStateInfo, TaskState } from './connect-entities.ts';
import type { RestartPlan } from './restarts.ts';
import type { Managed, Worker } from './worker.ts';

// GET /connectors/{n}/status and /tasks/{t}/status: what runs on this worker as it is now, what runs
// on other workers as they reported it to the status store (Kafka Connect's AbstractHerder reads
// them all from its StatusBackingStore).

export class StatusView {
  private readonly worker: Worker;
  private readonly statuses: StatusStore;
  private readonly assignment: WorkAssignment;

  constructor(worker: Worker, statuses: StatusStore, assignment: WorkAssignment) {
    this.worker = worker;
    this.statuses = statuses;
    this.assignment = assignment;
  }

  /** The connector's status; `restarting` shows what a restart plan restarts on other workers. */
  connectorStatus(managed: Managed, restarting?: RestartPlan): ConnectorStateInfo {
    const name = managed.stored.name;
    const assignment = this.assignment.current();
    const local = [...managed.tasks].map(([id, task]) => this.worker.taskState(id, task));
    const remote = managed.stored.tasks.flatMap((_, id) => {
      if (assignment.ownsTask(name, id)) return [];
      const state = this.storedTaskState(name, id);
      if (!state) return [];
      return [restarting?.tasks.includes(id) ? { ...state, state: 'RESTARTING' } : state];
    });
    return {
      name,
      connector: managed.ownsInstance
        ? this.worker.connectorState(managed)
        : this.storedConnectorState(name, restarting?.connector ?? false),
      tasks: [...local, ...remote].sort((a, b) => a.id - b.id),
      type: managed.plugin?.kind ?? 'unknown',
      // Not in Kafka Connect's ConnectorStateInfo (clients ignore unknown fields).
      ...(managed.offsetWarnings.length > 0 && { warnings: managed.offsetWarnings }),
    };
  }

  taskStatus(managed: Managed, id: number): TaskState | undefined {
    const name = managed.stored.name;
    if (!this.assignment.current().ownsTask(name, id)) return this.storedTaskState(name, id);
    const task = managed.tasks.get(id);
    return task && this.worker.taskState(id, task);
  }

  private storedConnectorState(name: string, restarting: boolean): ConnectorState {
    const stored = this.statuses.getConnector(name);
    if (restarting) return { state: 'RESTARTING', worker_id: stored?.workerId ?? '' };
    return {
      state: stored?.state ?? 'UNASSIGNED',
      worker_id: stored?.workerId ?? '',
      ...(stored?.trace !== undefined && { trace: stored.trace }),
    };
  }

  /** A task another worker runs, as the status store has it. */
  private storedTaskState(name: string, id: number): TaskState | undefined {
    const stored = this.statuses.getTask(name, id);
    if (!stored) return undefined;
    return {
      id,
      state: stored.state,
      worker_id: stored.workerId,
      ...(stored.trace !== undefined && stored.trace !== '' && { trace: stored.trace }),
    };
  }
}
