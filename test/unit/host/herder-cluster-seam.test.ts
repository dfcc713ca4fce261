import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Assignment, AssignmentListener, WorkAssignment } from '../../../src/host/assignment.ts';
import { ConnectorHost } from '../../../src/host/host.ts';
import { Metrics } from '../../../src/host/metrics.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import type { RunningTask, TaskRunner, TaskSpec, TaskStatus } from '../../../src/host/task-runner.ts';
import type { Cluster } from '../../../src/kafka/types.ts';
import type { ConnectorPlugin, SourceOffsetEntry } from '../../../src/plugin/index.ts';
import { defineConfig, field, OnrampError } from '../../../src/plugin/index.ts';
import type {
  ConfigListener,
  ConfigStore,
  OffsetStore,
  RestartRequest,
  StatusStore,
  StoredConnector,
  StoredStatus,
} from '../../../src/stores/stores.ts';
import { waitFor } from '../../support/wait-for.ts';

// The seam cluster mode builds on: two herders share one config store and one status store (as
// workers share Kafka Connect's internal topics) and an assignment decided outside them. A write on
// either worker reaches the other through the store's notifications; each runs only what it is
// assigned; statuses show which worker runs what; a moved task stops on one worker and starts on the
// other; a restart request reaches the worker that owns the task.

const plugin = {
  name: 'split-source',
  aliases: ['org.onramp.test.SplitSourceConnector'],
  kind: 'source',
  version: '1.0.0',
  config: defineConfig({ 'split.count': field.int({ doc: 'Tasks to plan', default: 2 }) }),
  planTasks: (config: { 'split.count': number }, maxTasks: number) =>
    Array.from({ length: Math.min(maxTasks, config['split.count']) }, (_, index) => ({
      'split.index': String(index),
    })),
  createTask: () => {
    throw new Error('the runner double never creates plugin tasks');
  },
} as unknown as ConnectorPlugin;

/** The same, with an onDeleted hook (a PostgreSQL source drops its slot there): what runs when it does. */
const hookCalls: Array<{ tasksRunning: string[]; stored: boolean }> = [];
let observeHook: () => { tasksRunning: string[]; stored: boolean } = () => ({
  tasksRunning: [],
  stored: false,
});
const hookPlugin = {
  ...plugin,
  name: 'hook-source',
  aliases: ['org.onramp.test.HookSourceConnector'],
  onDeleted: async () => {
    hookCalls.push(observeHook());
  },
} as unknown as ConnectorPlugin;

/** A config store shared by workers: notifications arrive later, for every listener, as a Kafka store's would. */
class SharedConfigStore implements ConfigStore {
  private readonly connectors = new Map<string, StoredConnector>();
  private readonly listeners = new Set<ConfigListener>();

  list(): StoredConnector[] {
    return [...this.connectors.values()].map((connector) => structuredClone(connector));
  }

  get(name: string): StoredConnector | undefined {
    const connector = this.connectors.get(name);
    return connector && structuredClone(connector);
  }

  /** Task-config writes to refuse, as a leader-only store refuses one during a rebalance. */
  refuseTaskWrites = 0;

  async put(connector: StoredConnector): Promise<void> {
    const before = this.connectors.get(connector.name);
    if (connector.tasks.length > 0 && this.refuseTaskWrites > 0) {
      this.refuseTaskWrites--;
      throw new OnrampError('REBALANCE_NEEDED', 'Cannot complete request momentarily');
    }
    const name = connector.name;
    if (
      before &&
      before.targetState !== connector.targetState &&
      JSON.stringify(before.tasks) !== JSON.stringify(connector.tasks)
    ) {
      // Kafka Connect's order for a stop: the (empty) task configs, then the target state, each read
      // back and told on its own, so listeners see the record half-applied in between.
      this.connectors.set(name, structuredClone({ ...connector, targetState: before.targetState }));
      this.deliver((listener) => listener.onTaskConfigUpdate(name));
      await new Promise((resolve) => setImmediate(resolve));
      this.connectors.set(name, structuredClone(connector));
      this.deliver((listener) => listener.onTargetStateChange(name));
      return;
    }
    this.connectors.set(connector.name, structuredClone(connector));
    if (JSON.stringify(before?.config) !== JSON.stringify(connector.config))
      this.deliver((listener) => listener.onConnectorConfigUpdate(name));
    if (before && before.targetState !== connector.targetState)
      this.deliver((listener) => listener.onTargetStateChange(name));
    if (JSON.stringify(before?.tasks) !== JSON.stringify(connector.tasks))
      this.deliver((listener) => listener.onTaskConfigUpdate(name));
  }

  async delete(name: string): Promise<void> {
    if (this.connectors.delete(name)) this.deliver((listener) => listener.onConnectorConfigRemove(name));
  }

  async putRestartRequest(request: RestartRequest): Promise<void> {
    this.deliver((listener) => listener.onRestartRequest({ ...request }));
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private deliver(call: (listener: ConfigListener) => void): void {
    setImmediate(() => {
      for (const listener of this.listeners) call(listener);
    });
  }
}

class SharedStatusStore implements StatusStore {
  private readonly connectors = new Map<string, StoredStatus>();
  private readonly tasks = new Map<string, StoredStatus>();

  getConnector(name: string): StoredStatus | undefined {
    return this.connectors.get(name);
  }
  getTask(name: string, taskId: number): StoredStatus | undefined {
    return this.tasks.get(`${name}-${taskId}`);
  }
  async putConnector(name: string, status: StoredStatus): Promise<void> {
    this.connectors.set(name, { ...status });
  }
  async putTask(name: string, taskId: number, status: StoredStatus): Promise<void> {
    this.tasks.set(`${name}-${taskId}`, { ...status });
  }
  async delete(name: string): Promise<void> {
    this.connectors.delete(name);
    for (const key of [...this.tasks.keys()]) if (key.startsWith(`${name}-`)) this.tasks.delete(key);
  }
}

const noOffsets: OffsetStore = {
  get: (): SourceOffsetEntry[] => [],
  put: async () => {},
  reset: async () => {},
};

const cluster: Cluster = {
  clusterId: async () => 'test-cluster',
  groupOffsets: async () => [],
  alterGroupOffsets: async () => {},
  resetGroupOffsets: async () => {},
  close: async () => {},
};

/** What a group leader would decide: the connector instance on one worker, task n on `tasks[n]`. */
class Leader {
  generation = 1;
  instance = 'A';
  tasks = ['A', 'B'];
  /** The worker that leads the group: only it knows where the others' tasks run. */
  leads = 'B';
  private readonly listeners = new Map<string, AssignmentListener>();

  forWorker(worker: string): WorkAssignment {
    return {
      current: (): Assignment => ({
        generation: this.generation,
        ownsConnector: () => this.instance === worker,
        ownsTask: (_connector, task) => this.tasks[task] === worker,
        taskElsewhere: (_connector, task) =>
          worker === this.leads && this.tasks[task] !== undefined && this.tasks[task] !== worker,
      }),
      subscribe: (listener) => {
        this.listeners.set(worker, listener);
        return () => this.listeners.delete(worker);
      },
    };
  }

  /** A rebalance: every worker hears of it and finishes stopping and starting before this resolves. */
  async rebalance(change: () => void, connectors: readonly string[]): Promise<void> {
    change();
    this.generation++;
    await Promise.all([...this.listeners.values()].map((listener) => listener(connectors)));
  }
}

class RunnerDouble implements TaskRunner {
  readonly running = new Map<string, { status: TaskStatus }>();
  readonly starts: string[] = [];

  start(spec: TaskSpec): RunningTask {
    const key = `${spec.connector}-${spec.taskId}`;
    this.starts.push(key);
    const task = { status: { state: 'UNASSIGNED' } as TaskStatus };
    this.running.set(key, task);
    const set = (status: TaskStatus) => {
      task.status = status;
      spec.onStatus(status);
    };
    queueMicrotask(() => {
      if (task.status.state === 'UNASSIGNED') set({ state: 'RUNNING' });
    });
    return {
      get status() {
        return task.status;
      },
      pause: () => set({ state: 'PAUSED' }),
      resume: () => set({ state: 'RUNNING' }),
      stop: async () => {
        this.running.delete(key);
      },
    };
  }
}

function worker(id: string, leader: Leader, configs: ConfigStore, statuses: StatusStore) {
  const runner = new RunnerDouble();
  const host = new ConnectorHost({
    plugins: new PluginRegistry([plugin, hookPlugin]),
    configs,
    offsets: noOffsets,
    statuses,
    runner,
    cluster,
    log: pino({ level: 'silent' }),
    metrics: new Metrics(),
    workerId: id,
    assignment: leader.forWorker(id),
  });
  return { host, runner };
}

describe('one herder for standalone and cluster mode', () => {
  it('shares connectors between workers through the stores and an assignment made outside the herder', async () => {
    const leader = new Leader();
    const configs = new SharedConfigStore();
    const statuses = new SharedStatusStore();
    const a = worker('A', leader, configs, statuses);
    const b = worker('B', leader, configs, statuses);
    await Promise.all([a.host.start(), b.host.start()]);

    // Created through B, which runs neither the instance nor task 0: A plans nothing again (B did),
    // starts task 0 and reports the connector; B starts task 1.
    const created = await b.host.createConnector('split', {
      'connector.class': 'SplitSource',
      'tasks.max': '2',
    });
    expect(created.tasks).toEqual([
      { connector: 'split', task: 0 },
      { connector: 'split', task: 1 },
    ]);
    await waitFor(
      'A runs task 0, B task 1',
      () => a.runner.running.has('split-0') && b.runner.running.has('split-1'),
    );
    expect([...a.runner.running.keys()]).toEqual(['split-0']);
    expect([...b.runner.running.keys()]).toEqual(['split-1']);
    const running = await waitFor('both RUNNING, seen from B', () => {
      const status = b.host.connectorStatus('split');
      return status.connector.state === 'RUNNING' && status.tasks.every((task) => task.state === 'RUNNING')
        ? status
        : undefined;
    });
    expect(running.connector.worker_id).toBe('A');
    expect(running.tasks.map((task) => [task.id, task.worker_id])).toEqual([
      [0, 'A'],
      [1, 'B'],
    ]);
    expect(statuses.getTask('split', 1)).toMatchObject({ workerId: 'B', generation: 1 });
    expect(a.host.taskStatus('split', 1)).toMatchObject({ state: 'RUNNING', worker_id: 'B' });

    // Paused through A: B's task pauses when the target state reaches it through the store.
    await a.host.pauseConnector('split');
    await waitFor('B paused task 1', () => b.runner.running.get('split-1')?.status.state === 'PAUSED');
    expect(b.host.connectorStatus('split').connector).toMatchObject({ state: 'PAUSED', worker_id: 'A' });
    await b.host.resumeConnector('split');
    await waitFor('A resumed task 0', () => a.runner.running.get('split-0')?.status.state === 'RUNNING');

    // Stopped through B: A stops task 0 and reports STOPPED, and does not plan tasks again while the
    // stop is half-applied (no tasks yet STARTED); resumed through B: A plans and both start again.
    const aStartsBeforeStop = a.runner.starts.length;
    await b.host.stopConnector('split');
    await waitFor(
      'A stopped task 0',
      () => !a.runner.running.has('split-0') && !b.runner.running.has('split-1'),
    );
    await waitFor('STOPPED, written by A', () => statuses.getConnector('split')?.state === 'STOPPED');
    expect(statuses.getConnector('split')?.workerId).toBe('A');
    expect(configs.get('split')).toMatchObject({ targetState: 'STOPPED', tasks: [] });
    expect(a.runner.starts.length).toBe(aStartsBeforeStop);
    await b.host.resumeConnector('split');
    await waitFor(
      'both running again',
      () => a.runner.running.has('split-0') && b.runner.running.has('split-1'),
    );
    expect(configs.get('split')?.tasks).toHaveLength(2);
    expect(a.host.connectorStatus('split').connector.state).toBe('RUNNING');

    // Task 1 moves to A: B stops it before the rebalance completes, A starts it.
    await leader.rebalance(() => {
      leader.tasks = ['A', 'A'];
    }, ['split']);
    expect([...b.runner.running.keys()]).toEqual([]);
    expect([...a.runner.running.keys()].sort()).toEqual(['split-0', 'split-1']);
    await waitFor('task 1 RUNNING on A', () => statuses.getTask('split', 1)?.workerId === 'A');
    expect(statuses.getTask('split', 1)).toMatchObject({ state: 'RUNNING', generation: 2 });

    // A restart asked of B (which runs nothing) reaches A through the store; only what A owns restarts.
    const startsBefore = a.runner.starts.length;
    const bStartsBefore = b.runner.starts.length;
    const restarting = await b.host.restartConnectorAndTasks('split', {
      includeTasks: true,
      onlyFailed: false,
    });
    expect(restarting.connector.state).toBe('RESTARTING');
    expect(restarting.tasks.map((task) => task.state)).toEqual(['RESTARTING', 'RESTARTING']);
    await waitFor('A restarted both tasks', () => a.runner.starts.length === startsBefore + 2);
    expect(b.runner.starts.length).toBe(bStartsBefore);

    // A restart asked of A, with task 1 back on B: A restarts its own part once (its own request's
    // notification is skipped), B restarts task 1.
    await leader.rebalance(() => {
      leader.tasks = ['A', 'B'];
    }, ['split']);
    const aStarts = a.runner.starts.length;
    const bStarts = b.runner.starts.length;
    await a.host.restartConnectorAndTasks('split', { includeTasks: true, onlyFailed: false });
    await waitFor('B restarted task 1', () => b.runner.starts.length === bStarts + 1);
    await waitFor('A restarted task 0', () => a.runner.starts.length === aStarts + 1);
    // Both workers heard of the request in the same delivery: A's was skipped, not merely late.
    expect(a.runner.starts.length).toBe(aStarts + 1);

    // Reconfigured through B to one task: A restarts task 0 with the new config, B stops task 1.
    await b.host.putConnectorConfig('split', {
      'connector.class': 'SplitSource',
      'tasks.max': '2',
      'split.count': '1',
    });
    await waitFor('B stopped task 1', () => !b.runner.running.has('split-1'));
    await waitFor('A runs the new task 0', () => a.host.taskConfigs('split').length === 1);

    // Deleted through B: A stops its tasks when the removal reaches it.
    await b.host.deleteConnector('split');
    await waitFor('A stopped', () => a.runner.running.size === 0);
    expect(a.host.connectorNames()).toEqual([]);

    await Promise.all([a.host.close(), b.host.close()]);
  });

  it('plans the tasks again when storing them was refused for a moment', async () => {
    const leader = new Leader();
    const configs = new SharedConfigStore();
    const statuses = new SharedStatusStore();
    const a = worker('A', leader, configs, statuses);
    const b = worker('B', leader, configs, statuses);
    await Promise.all([a.host.start(), b.host.start()]);
    await b.host.createConnector('retried', { 'connector.class': 'SplitSource', 'tasks.max': '2' });
    await b.host.stopConnector('retried');
    await waitFor('stopped', () => a.runner.running.size === 0 && b.runner.running.size === 0);
    // Resumed through B: A, which runs the instance, plans the tasks; its first two writes are refused.
    configs.refuseTaskWrites = 2;
    await b.host.resumeConnector('retried');
    await waitFor(
      'both tasks running after the retries',
      () => a.runner.running.has('retried-0') && b.runner.running.has('retried-1'),
      { timeoutMs: 10_000 },
    );
    expect(configs.refuseTaskWrites).toBe(0);
    expect(configs.get('retried')?.tasks).toHaveLength(2);
    await waitFor('RUNNING', () => a.host.connectorStatus('retried').connector.state === 'RUNNING');
    await Promise.all([a.host.close(), b.host.close()]);
  });

  it('runs the onDeleted hook where task 0 ran, once it stopped, not on the leader that deleted', async () => {
    const leader = new Leader();
    const configs = new SharedConfigStore();
    const statuses = new SharedStatusStore();
    const a = worker('A', leader, configs, statuses);
    const b = worker('B', leader, configs, statuses);
    observeHook = () => ({
      tasksRunning: [...a.runner.running.keys(), ...b.runner.running.keys()],
      stored: configs.get('hooked') !== undefined,
    });
    hookCalls.length = 0;
    await Promise.all([a.host.start(), b.host.start()]);
    await b.host.createConnector('hooked', { 'connector.class': 'HookSource', 'tasks.max': '2' });
    await waitFor(
      'A runs task 0',
      () => a.runner.running.has('hooked-0') && b.runner.running.has('hooked-1'),
    );

    // Deleted through B, the leader, while A runs task 0: A runs the hook after stopping it.
    await b.host.deleteConnector('hooked');
    await waitFor('the hook ran', () => hookCalls.length === 1);
    expect(hookCalls[0]).toEqual({ tasksRunning: [], stored: false });

    // Task 0 on the leader itself: the leader runs it, after stopping task 0, before the delete.
    leader.tasks = ['B', 'A'];
    await a.host.createConnector('hooked', { 'connector.class': 'HookSource', 'tasks.max': '2' });
    await waitFor(
      'B runs task 0',
      () => b.runner.running.has('hooked-0') && a.runner.running.has('hooked-1'),
    );
    await b.host.deleteConnector('hooked');
    await waitFor('the hook ran again', () => hookCalls.length === 2);
    expect(hookCalls[1]).toMatchObject({ stored: true });
    expect(hookCalls[1]?.tasksRunning).not.toContain('hooked-0');
    await waitFor('A stopped task 1', () => a.runner.running.size === 0);
    expect(hookCalls).toHaveLength(2);

    await Promise.all([a.host.close(), b.host.close()]);
  });
});
