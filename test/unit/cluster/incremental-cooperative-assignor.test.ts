import { beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorTaskId } from '../../../src/cluster/connect-protocol.ts';
import {
  type ClusterAssignment,
  type ConnectorsAndTasks,
  IncrementalCooperativeAssignor,
} from '../../../src/cluster/incremental-cooperative-assignor.ts';

// Kafka Connect's IncrementalCooperativeAssignorTest scenarios (3.9), with the same harness: each
// round the members report what they run, the assignor answers, the answer is applied.

const DEFAULT_DELAY = 300_000;

class Harness {
  time = 1_000_000;
  generation = 1000;
  connectors = new Map<string, number>([
    ['connector1', 4],
    ['connector2', 4],
  ]);
  members = new Map<string, ConnectorsAndTasks>([['worker1', { connectors: [], tasks: [] }]]);
  assignor!: IncrementalCooperativeAssignor;
  returned!: ClusterAssignment;
  maxDelay: number;

  constructor(maxDelay = DEFAULT_DELAY) {
    this.maxDelay = maxDelay;
    this.initAssignor();
  }

  /** A new leader: the assignor starts from a clean slate. */
  initAssignor(): void {
    this.assignor = new IncrementalCooperativeAssignor({ maxDelayMs: this.maxDelay, now: () => this.time });
    // Connect's tests start the assignor in step with the generation.
    (this.assignor as unknown as { previousGenerationId: number }).previousGenerationId = this.generation;
  }

  addWorkers(...workers: string[]): void {
    for (const worker of workers) this.members.set(worker, { connectors: [], tasks: [] });
  }

  addWorker(worker: string, connectors: string[], tasks: ConnectorTaskId[]): void {
    this.members.set(worker, { connectors, tasks });
  }

  rebalance({ failed = false, mismatchedGeneration = false } = {}): void {
    this.generation++;
    const lastCompleted = mismatchedGeneration ? this.generation - 2 : this.generation - 1;
    const copy = new Map(
      [...this.members].map(([worker, assignment]) => [
        worker,
        { connectors: [...assignment.connectors], tasks: [...assignment.tasks] },
      ]),
    );
    this.returned = this.assignor.performTaskAssignment(
      { offset: 618, taskCounts: this.connectors },
      lastCompleted,
      this.generation,
      copy,
    );
    this.assertNoRedundantAssignments();
    if (failed) return;
    for (const [worker, assigned] of this.returned.newlyAssigned) {
      const current = this.members.get(worker) ?? { connectors: [], tasks: [] };
      const revoked = this.returned.newlyRevoked.get(worker) ?? { connectors: [], tasks: [] };
      const key = (task: ConnectorTaskId) => `${task.connector}/${task.task}`;
      const revokedTasks = new Set(revoked.tasks.map(key));
      const next = {
        connectors: [
          ...current.connectors.filter((c) => !revoked.connectors.includes(c)),
          ...assigned.connectors,
        ],
        tasks: [...current.tasks.filter((t) => !revokedTasks.has(key(t))), ...assigned.tasks],
      };
      this.members.set(worker, next);
      const all = this.returned.allAssigned.get(worker);
      expect(new Set(next.connectors)).toEqual(new Set(all?.connectors));
      expect(new Set(next.tasks.map(key))).toEqual(new Set(all?.tasks.map(key)));
    }
  }

  private assertNoRedundantAssignments(): void {
    const seen = new Set<string>();
    for (const { connectors, tasks } of this.returned.allAssigned.values()) {
      for (const item of [...connectors, ...tasks.map((t) => `${t.connector}/${t.task}`)]) {
        expect(seen.has(item), `${item} assigned twice`).toBe(false);
        seen.add(item);
      }
    }
  }

  workers(): string[] {
    return [...this.returned.allAssigned.keys()].sort();
  }

  connectorAllocations(): number[] {
    return [...this.members.values()].map((m) => m.connectors.length).sort((a, b) => a - b);
  }

  taskAllocations(): number[] {
    return [...this.members.values()].map((m) => m.tasks.length).sort((a, b) => a - b);
  }

  assertEmptyAssignment(): void {
    for (const assigned of this.returned.newlyAssigned.values()) {
      expect(assigned.connectors).toEqual([]);
      expect(assigned.tasks).toEqual([]);
    }
    this.assertNoRevocations();
  }

  assertNoRevocations(): void {
    for (const revoked of this.returned.newlyRevoked.values()) {
      expect(revoked.connectors).toEqual([]);
      expect(revoked.tasks).toEqual([]);
    }
  }

  assertBalancedAndComplete(): void {
    const counts = this.taskAllocations();
    expect((counts.at(-1) ?? 0) - (counts[0] ?? 0)).toBeLessThanOrEqual(1);
    const all = new Set<string>();
    for (const { connectors, tasks } of this.members.values()) {
      for (const connector of connectors) all.add(connector);
      for (const task of tasks) all.add(`${task.connector}/${task.task}`);
    }
    const expected = new Set<string>();
    for (const [connector, count] of this.connectors) {
      expected.add(connector);
      for (let task = 0; task < count; task++) expected.add(`${connector}/${task}`);
    }
    expect(all).toEqual(expected);
  }
}

describe('IncrementalCooperativeAssignor (Kafka Connect scenarios)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });

  it('moves only what a joining worker takes over', () => {
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.connectorAllocations()).toEqual([2]);
    expect(h.taskAllocations()).toEqual([8]);
    h.assertBalancedAndComplete();

    h.addWorkers('worker2');
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.workers()).toEqual(['worker1', 'worker2']);
    // The revocation round: worker1 stops one connector and four tasks, nothing is assigned yet.
    expect(h.connectorAllocations()).toEqual([0, 1]);
    expect(h.taskAllocations()).toEqual([0, 4]);

    h.rebalance();
    h.assertNoRevocations();
    expect(h.connectorAllocations()).toEqual([1, 1]);
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();

    h.rebalance();
    h.assertEmptyAssignment();
  });

  it('spaces successive revoking rounds with a backoff', () => {
    h.connectors.set('connector3', 4);
    h.rebalance();
    h.addWorkers('worker2');
    h.rebalance();
    expect(h.taskAllocations()).toEqual([0, 6]);

    h.addWorkers('worker3');
    h.rebalance();
    expect(h.assignor.delay).toBeGreaterThan(0);
    expect(h.connectorAllocations()).toEqual([0, 1, 2]);
    expect(h.taskAllocations()).toEqual([3, 3, 6]);

    h.time += h.assignor.delay;
    h.addWorkers('worker4');
    h.rebalance();
    expect(h.connectorAllocations()).toEqual([0, 0, 1, 1]);
    expect(h.taskAllocations()).toEqual([0, 3, 3, 3]);

    h.addWorkers('worker5');
    h.rebalance();
    expect(h.assignor.delay).toBeGreaterThan(40);
    expect(h.taskAllocations()).toEqual([1, 2, 3, 3, 3]);

    h.time += h.assignor.delay;
    h.addWorkers('worker6');
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.taskAllocations()).toEqual([0, 1, 2, 2, 2, 2]);

    h.rebalance();
    expect(h.taskAllocations()).toEqual([2, 2, 2, 2, 2, 2]);
    h.assertBalancedAndComplete();
  });

  it('revokes at once in successive rounds when the max delay is 0', () => {
    h = new Harness(0);
    h.connectors.set('connector3', 4);
    h.rebalance();
    h.addWorkers('worker2');
    h.rebalance();
    h.addWorkers('worker3');
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.taskAllocations()).toEqual([3, 3, 4]);
    h.rebalance();
    h.assertNoRevocations();
    expect(h.taskAllocations()).toEqual([4, 4, 4]);
    h.assertBalancedAndComplete();
  });

  it("holds a departed worker's tasks for the max delay, then reassigns them", () => {
    h.addWorkers('worker2');
    h.rebalance();
    expect(h.taskAllocations()).toEqual([4, 4]);

    h.members.delete('worker2');
    h.rebalance();
    expect(h.assignor.delay).toBe(DEFAULT_DELAY);
    expect(h.workers()).toEqual(['worker1']);
    h.assertEmptyAssignment();

    h.time += DEFAULT_DELAY / 2;
    h.rebalance();
    expect(h.assignor.delay).toBe(DEFAULT_DELAY / 2);
    h.assertEmptyAssignment();

    h.time += DEFAULT_DELAY / 2 + 1;
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.connectorAllocations()).toEqual([2]);
    expect(h.taskAllocations()).toEqual([8]);
    h.assertBalancedAndComplete();
  });

  it('gives a bouncing worker its tasks back when it returns within the delay', () => {
    h.addWorkers('worker2');
    h.rebalance();
    h.members.delete('worker2');
    h.rebalance();
    h.time += DEFAULT_DELAY / 2;
    h.rebalance();
    h.time += DEFAULT_DELAY / 4;
    h.addWorkers('worker2');
    h.rebalance();
    expect(h.assignor.delay).toBe(DEFAULT_DELAY / 4);
    h.assertEmptyAssignment();

    h.time += DEFAULT_DELAY / 4;
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    h.assertNoRevocations();
    expect(h.connectorAllocations()).toEqual([1, 1]);
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();
  });

  it('reassigns at once when the leader left (the new leader remembers nothing)', () => {
    h.addWorkers('worker2', 'worker3');
    h.rebalance();
    expect(h.taskAllocations()).toEqual([2, 3, 3]);
    h.members.delete('worker1');
    h.initAssignor();
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();
    h.rebalance();
    h.assertEmptyAssignment();
  });

  it('treats lost tasks as new when an assignment never arrived and nobody left', () => {
    h.addWorkers('worker2');
    h.rebalance({ failed: true });
    h.rebalance();
    expect(h.assignor.delay).toBe(0);
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();
  });

  it('recovers from a revocation that was never delivered', () => {
    h.addWorkers('worker2');
    h.rebalance();
    h.addWorkers('worker3');
    h.rebalance({ failed: true });
    h.rebalance({ mismatchedGeneration: true });
    expect(h.assignor.delay).toBeGreaterThan(0);
    expect(h.taskAllocations()).toEqual([0, 4, 4]);
    h.time += h.assignor.delay;
    h.rebalance();
    expect(h.taskAllocations()).toEqual([0, 3, 3]);
    h.rebalance();
    expect(h.taskAllocations()).toEqual([2, 3, 3]);
    h.assertBalancedAndComplete();
  });

  it('revokes the tasks of deleted connectors', () => {
    h.connectors.set('connector3', 4);
    h.addWorkers('worker2');
    h.rebalance();
    expect(h.taskAllocations()).toEqual([6, 6]);
    h.connectors.delete('connector3');
    h.rebalance();
    expect(h.connectorAllocations()).toEqual([1, 1]);
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();
  });

  it('revokes a task two workers both report, then gives it to one', () => {
    h.rebalance();
    h.addWorker(
      'worker2',
      ['connector1'],
      [0, 1, 2, 3].map((task) => ({ connector: 'connector1', task })),
    );
    h.rebalance();
    expect(h.connectorAllocations()).toEqual([0, 1]);
    expect(h.taskAllocations()).toEqual([0, 4]);
    h.rebalance();
    h.assertNoRevocations();
    expect(h.taskAllocations()).toEqual([4, 4]);
    h.assertBalancedAndComplete();
    h.rebalance();
    h.assertEmptyAssignment();
  });
});

describe('IncrementalCooperativeAssignor.performAssignment', () => {
  const metadata = (url: string, configOffset: number) => ({
    version: 2,
    url,
    configOffset,
    assignment: null,
  });

  it('assigns through the Connect protocol with the leader and its URL', () => {
    const assignor = new IncrementalCooperativeAssignor({ maxDelayMs: DEFAULT_DELAY });
    const view = { offset: 10, taskCounts: new Map([['orders', 2]]) };
    const result = assignor.performAssignment({
      leaderId: 'a',
      protocol: 'sessioned',
      members: [
        { memberId: 'a', metadata: metadata('http://a:8083/', 10) },
        { memberId: 'b', metadata: metadata('http://b:8083/', 9) },
      ],
      configSnapshot: view,
      freshSnapshot: () => view,
      lastCompletedGeneration: -1,
      generation: 1,
    });
    const a = result.assignments.get('a');
    const b = result.assignments.get('b');
    expect(a).toMatchObject({
      version: 2,
      error: 0,
      leader: 'a',
      leaderUrl: 'http://a:8083/',
      configOffset: 10,
    });
    const tasks = [...(a?.tasks ?? []), ...(b?.tasks ?? [])].map((t) => `${t.connector}/${t.task}`).sort();
    expect(tasks).toEqual(['orders/0', 'orders/1']);
    expect([...(a?.connectors ?? []), ...(b?.connectors ?? [])]).toEqual(['orders']);
    expect(result.leaderState?.taskOwners.get('orders/0')).toMatch(/^[ab]$/);
    expect(result.leaderState?.urls.get('b')).toBe('http://b:8083/');
  });

  it('answers CONFIG_MISMATCH when the leader is behind the config topic', () => {
    const assignor = new IncrementalCooperativeAssignor({ maxDelayMs: DEFAULT_DELAY });
    const behind = { offset: 5, taskCounts: new Map<string, number>() };
    const result = assignor.performAssignment({
      leaderId: 'a',
      protocol: 'compatible',
      members: [
        { memberId: 'a', metadata: metadata('http://a:8083/', 5) },
        { memberId: 'b', metadata: metadata('http://b:8083/', 8) },
      ],
      configSnapshot: behind,
      freshSnapshot: () => behind,
      lastCompletedGeneration: -1,
      generation: 1,
    });
    expect(result.assignments.get('b')).toMatchObject({ version: 1, error: 1, configOffset: 8, tasks: [] });
    expect(result.leaderState).toBeUndefined();
  });
});
