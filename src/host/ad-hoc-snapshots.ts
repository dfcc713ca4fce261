import { randomUUID } from 'node:crypto';
import { OnrampError, type SnapshotProgress } from '../plugin/index.ts';
import type { RunningTask } from './task-runner.ts';
import type { Managed } from './worker.ts';

// POST and GET /connectors/{name}/snapshots: an execute-snapshot signal handed to the connector's
// running source task (Debezium's in-process signal channel), and the progress the task reports.
// Debezium's source connectors run one task; that task (0) takes the signal.

export interface SnapshotAccepted {
  /** The signal's id: the snapshot's correlation id in the progress and the offsets. */
  id: string;
  progress: SnapshotProgress | undefined;
}

function runningSourceTask(managed: Managed): RunningTask {
  const name = managed.stored.name;
  if (managed.plugin?.kind !== 'source')
    throw new OnrampError(
      'SNAPSHOTS_NOT_SUPPORTED',
      `Connector ${name} is not a source connector: only source connectors take snapshots`,
    );
  const task = managed.tasks.get(0);
  if (!task?.running?.signal || task.status.state !== 'RUNNING')
    throw new OnrampError(
      'TASK_NOT_RUNNING',
      `Connector ${name}'s task is ${task ? task.status.state : 'not running on this worker'}: snapshots are taken by a RUNNING task (resume or restart it first)`,
    );
  return task.running;
}

export async function requestSnapshot(
  managed: Managed,
  data: Record<string, unknown>,
): Promise<SnapshotAccepted> {
  const task = runningSourceTask(managed);
  const id = randomUUID();
  await task.signal?.({ id, type: 'execute-snapshot', data });
  return { id, progress: task.snapshots?.() };
}

export function snapshotProgress(managed: Managed): SnapshotProgress {
  const progress = runningSourceTask(managed).snapshots?.();
  if (!progress)
    throw new OnrampError(
      'TASK_NOT_RUNNING',
      `Connector ${managed.stored.name}'s task reports no snapshots yet`,
    );
  return progress;
}
