import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeWorkerMetadata } from '../../../src/cluster/connect-protocol.ts';
import {
  type GroupCoordinator,
  GroupError,
  type JoinRequest,
  type SyncRequest,
} from '../../../src/cluster/group-coordinator.ts';
import type { ClusterConfigView } from '../../../src/cluster/incremental-cooperative-assignor.ts';
import {
  type AssignmentChange,
  type MemberConfigSource,
  type MemberSettings,
  WorkerGroupMember,
} from '../../../src/cluster/worker-group-member.ts';

// One worker against a scripted coordinator, on fake time: how the lease fences writes and stops the
// work when heartbeats hang, the coordinator forgets the member, or the process was paused.

const settings: MemberSettings = {
  groupId: 'g',
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  scheduledRebalanceMaxDelayMs: 300_000,
  connectProtocol: 'sessioned',
  workerSyncTimeoutMs: 3_000,
  workerUnsyncBackoffMs: 300_000,
};

const view: ClusterConfigView = { offset: 5, taskCounts: new Map([['orders', 2]]) };

/** A group of one: this member is always the leader; its own assignment comes back from SyncGroup. */
class ScriptedCoordinator implements GroupCoordinator {
  generation = 0;
  joins: JoinRequest[] = [];
  /** hang: the coordinator stopped answering anything (heartbeats and joins). */
  heartbeatAnswer: 'ok' | 'hang' | 'unknown-member' = 'ok';
  heartbeats = 0;

  async join(request: JoinRequest) {
    this.joins.push(request);
    if (this.heartbeatAnswer === 'hang') await this.hang();
    if (request.memberId === '')
      throw new GroupError('MEMBER_ID_REQUIRED', 'member id required', { memberId: 'm-1' });
    this.generation++;
    const protocol = request.protocols[0];
    return {
      generation: this.generation,
      memberId: request.memberId,
      leaderId: request.memberId,
      protocol: protocol?.name ?? '',
      members: [{ memberId: request.memberId, metadata: protocol?.metadata ?? Buffer.alloc(0) }],
    };
  }

  async sync(request: SyncRequest) {
    const own = request.assignments.find((assignment) => assignment.memberId === request.memberId);
    if (!own) throw new Error('no assignment');
    return own.assignment;
  }

  heartbeat(): Promise<void> {
    this.heartbeats++;
    if (this.heartbeatAnswer === 'hang') return this.hang();
    if (this.heartbeatAnswer === 'unknown-member')
      return Promise.reject(new GroupError('UNKNOWN_MEMBER_ID', 'unknown member'));
    return Promise.resolve();
  }

  private readonly hanging: (() => void)[] = [];

  /** A call that never gets an answer; closing the connection fails it, as a real close does. */
  private hang(): Promise<never> {
    return new Promise((_resolve, reject) => {
      this.hanging.push(() => reject(new GroupError('UNAVAILABLE', 'connection closed')));
    });
  }

  async leave(): Promise<void> {}

  async close(): Promise<void> {
    for (const fail of this.hanging.splice(0)) fail();
  }
}

let coordinator: ScriptedCoordinator;
let member: WorkerGroupMember;
let changes: AssignmentChange[];
let running: Set<string>;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  coordinator = new ScriptedCoordinator();
  changes = [];
  running = new Set();
  member = new WorkerGroupMember({
    coordinator,
    config: {
      offset: view.offset,
      view: () => view,
      refresh: async () => undefined,
      subscribe: () => () => undefined,
    },
    settings,
    url: 'http://w1:8083/',
  });
  member.onAssignment((change) => {
    changes.push(change);
    for (const task of change.stop.tasks) running.delete(`${task.connector}/${task.task}`);
    for (const task of change.start.tasks) running.add(`${task.connector}/${task.task}`);
  });
  await member.join();
});

afterEach(async () => {
  coordinator.heartbeatAnswer = 'ok';
  await member.leave();
  vi.useRealTimers();
});

describe('WorkerGroupMember', () => {
  it('joins with the id the coordinator hands out, leads, runs everything and may write for it', () => {
    expect(coordinator.joins.map((join) => join.memberId)).toEqual(['', 'm-1']);
    expect(coordinator.joins[1]?.protocols.map((protocol) => protocol.name)).toEqual([
      'sessioned',
      'compatible',
      'default',
    ]);
    expect(member.isLeader).toBe(true);
    expect(member.leaderUrl).toBe('http://w1:8083/');
    expect(running).toEqual(new Set(['orders/0', 'orders/1']));
    expect(member.work().connectors).toEqual(['orders']);
    expect(() => member.fence.checkConnector('orders', 'committing offsets')).not.toThrow();
    expect(() => member.fence.checkConnector('other', 'committing offsets')).toThrow(
      /does not run on this worker/,
    );
  });

  it('keeps the lease while heartbeats are answered', async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    expect(coordinator.heartbeats).toBeGreaterThanOrEqual(19);
    expect(() => member.fence.checkMember('writing a status')).not.toThrow();
    expect(running.size).toBe(2);
  });

  it('stops all work and refuses writes when the coordinator stops answering past the lease', async () => {
    coordinator.heartbeatAnswer = 'hang';
    // Lease: the last answered heartbeat's send time + 10 s - 2 s margin.
    await vi.advanceTimersByTimeAsync(7_000);
    expect(running.size).toBe(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(running.size).toBe(0);
    expect(changes.at(-1)?.stop.tasks).toHaveLength(2);
    expect(() => member.fence.checkConnector('orders', 'committing offsets')).toThrow(/lost its place/);
    // The rejoin it attempts hangs too: nothing restarts, writes stay refused.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(running.size).toBe(0);
    expect(() => member.fence.checkMember('writing a status')).toThrow(/lost its place/);
  });

  it('stops all work when the coordinator forgets the member, then rejoins with its old assignment', async () => {
    coordinator.heartbeatAnswer = 'unknown-member';
    await vi.advanceTimersByTimeAsync(3_100);
    coordinator.heartbeatAnswer = 'ok';
    await vi.advanceTimersByTimeAsync(100);
    expect(changes.some((change) => change.stop.tasks.length === 2 && change.start.tasks.length === 0)).toBe(
      true,
    );
    const rejoin = coordinator.joins.at(-1);
    const claimed = decodeWorkerMetadata(rejoin?.protocols[0]?.metadata ?? Buffer.alloc(0)).assignment;
    expect(claimed?.tasks.map((task) => `${task.connector}/${task.task}`).sort()).toEqual([
      'orders/0',
      'orders/1',
    ]);
    // The leader (itself) gives the work straight back.
    await vi.waitFor(() => expect(running.size).toBe(2));
    expect(() => member.fence.checkMember('writing a status')).not.toThrow();
  });

  it('refuses writes right after a pause, before its timers had a chance to look', () => {
    // A SIGSTOP: the monotonic clock moved on while no timer ran.
    vi.setSystemTime(Date.now());
    const paused = performance.now();
    vi.spyOn(performance, 'now').mockReturnValue(paused + 30_000);
    expect(() => member.fence.checkMember('committing offsets')).toThrow(/lost its place/);
    vi.mocked(performance.now).mockRestore();
  });

  it('confirms ownership once its watchdog looked: after a stall within the lease, not after a pause beyond it', async () => {
    const start = performance.now();
    // A stall of 2.5 s (the event loop was busy): the synchronous check refuses, confirm waits for the watchdog.
    vi.spyOn(performance, 'now').mockReturnValue(start + 2_500);
    expect(() => member.fence.checkConnector('orders', 'producing')).toThrow(/lost its place/);
    let stalled: 'pending' | 'confirmed' | 'refused' = 'pending';
    member.fence.confirm('orders', 'producing').then(
      () => (stalled = 'confirmed'),
      () => (stalled = 'refused'),
    );
    await Promise.resolve();
    expect(stalled).toBe('pending');
    await vi.advanceTimersByTimeAsync(500);
    expect(stalled).toBe('confirmed');
    await expect(member.fence.confirm('other', 'producing')).rejects.toThrow(/does not run on this worker/);

    // A SIGSTOP of 30 s, beyond the session timeout (the coordinator no longer answers this member's
    // heartbeats, as it forgot it): refused, and the work stops.
    coordinator.heartbeatAnswer = 'hang';
    vi.mocked(performance.now).mockReturnValue(start + 30_000);
    const paused = member.fence.confirm('orders', 'producing');
    paused.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(500);
    await expect(paused).rejects.toMatchObject({ code: 'TASK_FENCED' });
    await vi.waitFor(() => expect(running.size).toBe(0));
    vi.mocked(performance.now).mockRestore();
  });
});

describe('WorkerGroupMember and config changes around a rebalance', () => {
  /** A config topic the test moves on by hand, telling the member as the store does. */
  class Config {
    current: ClusterConfigView = { offset: 0, taskCounts: new Map() };
    private listener: Parameters<MemberConfigSource['subscribe']>[0] | undefined;
    readonly source: MemberConfigSource = {
      get offset() {
        return config.current.offset;
      },
      view: () => this.current,
      refresh: async () => undefined,
      subscribe: (listener) => {
        this.listener = listener;
        return () => undefined;
      },
    };

    /** The tasks of a connector committed (the record read back from the topic). */
    commitTasks(connector: string, count: number): void {
      const taskCounts = new Map(this.current.taskCounts).set(connector, count);
      this.current = { offset: this.current.offset + count + 1, taskCounts };
      this.listener?.onTaskConfigUpdate(connector);
    }

    addConnector(connector: string): void {
      const taskCounts = new Map(this.current.taskCounts).set(connector, 0);
      this.current = { offset: this.current.offset + 2, taskCounts };
      this.listener?.onConnectorConfigUpdate(connector);
    }
  }

  /** Lets the test hold the next JoinGroup until it says so. */
  class GatedCoordinator extends ScriptedCoordinator {
    gate: Promise<void> | undefined;

    override async join(request: JoinRequest) {
      if (request.memberId !== '' && this.gate) await this.gate;
      return super.join(request);
    }
  }

  let config: Config;
  let gated: GatedCoordinator;
  let second: WorkerGroupMember;
  let started: string[];

  beforeEach(async () => {
    config = new Config();
    gated = new GatedCoordinator();
    started = [];
    second = new WorkerGroupMember({
      coordinator: gated,
      config: config.source,
      settings,
      url: 'http://w2:8083/',
    });
    second.onAssignment((change) => {
      for (const task of change.start.tasks) started.push(`${task.connector}/${task.task}`);
    });
    await second.join();
  });

  afterEach(async () => {
    await second.leave();
  });

  it('hears of its first rebalance also when nothing was assigned to it (a leader running nothing)', async () => {
    const generations: number[] = [];
    second.onRebalanced((generation) => generations.push(generation));
    second.requestRejoin('test');
    await vi.waitFor(() => expect(generations).toEqual([gated.generation]));
    expect(second.isLeader).toBe(true);
    expect(second.work()).toEqual({ connectors: [], tasks: [] });
  });

  it('starts the tasks of a connector whose task configs were committed while the group was joining', async () => {
    config.addConnector('orders');
    await vi.waitFor(() => expect(second.work().connectors).toEqual(['orders']));
    // The connector's instance writes its task configs while a rebalance (another worker joining,
    // here held in JoinGroup) is under way: the member ignores the change then, as it is joining.
    const held = Promise.withResolvers<void>();
    gated.gate = held.promise;
    second.requestRejoin('another worker joined');
    await vi.waitFor(() => expect(gated.joins.length).toBeGreaterThan(2));
    expect(second.rebalancing).toBe(true);
    config.commitTasks('orders', 2);
    gated.gate = undefined;
    held.resolve();
    // The assignment was made at the offset before the tasks: the member reads past it and rejoins.
    await vi.waitFor(() => expect(started.sort()).toEqual(['orders/0', 'orders/1']));
    expect(second.rebalancing).toBe(false);
  });
});
