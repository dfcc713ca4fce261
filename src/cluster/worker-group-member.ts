import type { Assignment, AssignmentListener, WorkAssignment } from '../host/assignment.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { ConfigListener } from '../stores/stores.ts';
import {
  ASSIGNMENT_CONFIG_MISMATCH,
  CONNECT_PROTOCOL_TYPE,
  type ConnectAssignment,
  type ConnectorTaskId,
  decodeAssignment,
  decodeWorkerMetadata,
  encodeAssignment,
  joinGroupProtocols,
  protocolByName,
} from './connect-protocol.ts';
import type { DistributedConfig } from './distributed-config.ts';
import { type GroupCoordinator, GroupError } from './group-coordinator.ts';
import {
  type ClusterConfigView,
  type ConnectorsAndTasks,
  IncrementalCooperativeAssignor,
  type LeaderState,
} from './incremental-cooperative-assignor.ts';
import type { WriteFence } from './write-fence.ts';

// A worker's membership in its cluster: Kafka Connect's WorkerGroupMember + WorkerCoordinator + the
// rebalance half of DistributedHerder, on Kafka's group coordinator with protocol type "connect".
//
// - join(): JoinGroup with this worker's URL, config offset and current assignment (sessioned,
//   compatible and eager offered, as Connect 3.9 does); the leader the coordinator elects runs the
//   incremental cooperative assignor over every member's metadata; SyncGroup hands out the result.
// - Each assignment is applied through the onAssignment callbacks: first what was revoked stops, and
//   only once the config store has read up to the assignment's config offset does new work start;
//   after a revocation the worker rejoins at once, so the leader can hand the work on; a delay in the
//   assignment (a departed worker's work waiting for it) schedules a rejoin when it ends.
// - Heartbeats run beside all this (also while callbacks stop or start tasks); REBALANCE_IN_PROGRESS
//   makes the worker rejoin, keeping its work (cooperative).
// - Fencing: the worker holds a lease: the send time of its last answered heartbeat (or the answer
//   to its JoinGroup/SyncGroup) plus session.timeout.ms, minus a margin. The coordinator cannot have
//   expired the member before that, and gives its work away only after expiring it. When the lease
//   runs out (a long pause, a network partition, Kafka down) or the coordinator says the member is
//   unknown, the worker stops all its work and refuses offset and status writes (`fence`) until it
//   is back in a generation. It then rejoins with its previous assignment in its metadata, as
//   Connect does, so a leader that did not give the work away yet gives it straight back.

/** What membership needs of the config store (KafkaConfigStore). */
export interface MemberConfigSource {
  readonly offset: number;
  view(): ClusterConfigView;
  refresh(timeoutMs?: number): Promise<void>;
  subscribe(listener: ConfigListener): () => void;
}

export interface AssignmentChange {
  generation: number;
  memberId: string;
  leaderId: string;
  leaderUrl: string;
  isLeader: boolean;
  /** To stop now: revoked by the leader, or everything when this worker lost its place in the group. */
  stop: ConnectorsAndTasks;
  /** To start now. */
  start: ConnectorsAndTasks;
  /** Everything this worker runs once the change is applied. */
  running: ConnectorsAndTasks;
  /** The config offset the assignment was made at; the config store has read that far when work starts. */
  configOffset: number;
  /** Milliseconds until the leader's scheduled rebalance (lost work waiting for its worker); 0: none. */
  delayMs: number;
}

export type AssignmentCallback = (change: AssignmentChange) => Promise<void> | void;

export type MemberSettings = Pick<
  DistributedConfig,
  | 'groupId'
  | 'sessionTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'rebalanceTimeoutMs'
  | 'scheduledRebalanceMaxDelayMs'
  | 'connectProtocol'
  | 'workerSyncTimeoutMs'
  | 'workerUnsyncBackoffMs'
>;

export interface WorkerGroupMemberOptions {
  coordinator: GroupCoordinator;
  config: MemberConfigSource;
  settings: MemberSettings;
  /** This worker's advertised REST URL (e.g. http://10.0.0.5:8083/): how the others reach the leader. */
  url: string;
  /** Monotonic milliseconds (default performance.now: keeps counting through a SIGSTOP, unlike timers). */
  now?: () => number;
  /** How much of the lease is kept in reserve for a write in flight (default: a fifth of the session timeout, at most 2 s). */
  fenceMarginMs?: number;
  /**
   * Runs before new work starts (after a rebalance): e.g. the offset store reads to its end, so a
   * task that moved here starts from the last offsets its previous worker committed.
   */
  beforeStart?: () => Promise<void>;
  /** Membership events worth a log line. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

const taskKey = (task: ConnectorTaskId) => `${task.connector}/${task.task}`;
const empty = (): ConnectorsAndTasks => ({ connectors: [], tasks: [] });

/** A mutable set of connectors and tasks. */
class WorkSet {
  readonly connectors = new Set<string>();
  readonly tasks = new Map<string, ConnectorTaskId>();

  static of(work: ConnectorsAndTasks): WorkSet {
    const set = new WorkSet();
    set.add(work);
    return set;
  }

  copy(): WorkSet {
    return WorkSet.of(this.plain());
  }

  add(work: ConnectorsAndTasks): this {
    for (const connector of work.connectors) this.connectors.add(connector);
    for (const task of work.tasks) this.tasks.set(taskKey(task), task);
    return this;
  }

  remove(work: ConnectorsAndTasks): this {
    for (const connector of work.connectors) this.connectors.delete(connector);
    for (const task of work.tasks) this.tasks.delete(taskKey(task));
    return this;
  }

  minus(other: WorkSet): ConnectorsAndTasks {
    return {
      connectors: [...this.connectors].filter((c) => !other.connectors.has(c)),
      tasks: [...this.tasks.values()].filter((t) => !other.tasks.has(taskKey(t))),
    };
  }

  intersect(work: ConnectorsAndTasks): ConnectorsAndTasks {
    return {
      connectors: work.connectors.filter((c) => this.connectors.has(c)),
      tasks: work.tasks.filter((t) => this.tasks.has(taskKey(t))),
    };
  }

  hasConnectorWork(connector: string): boolean {
    if (this.connectors.has(connector)) return true;
    for (const task of this.tasks.values()) if (task.connector === connector) return true;
    return false;
  }

  isEmpty(): boolean {
    return this.connectors.size === 0 && this.tasks.size === 0;
  }

  plain(): ConnectorsAndTasks {
    return { connectors: [...this.connectors], tasks: [...this.tasks.values()] };
  }
}

/** For a log line: the connectors and tasks, or "nothing". */
function describeWork(work: ConnectorsAndTasks): string {
  const items = [...work.connectors, ...work.tasks.map((task) => `${task.connector}-${task.task}`)];
  if (items.length === 0) return 'nothing';
  return items.length <= 10
    ? items.join(', ')
    : `${items.slice(0, 10).join(', ')} and ${items.length - 10} more`;
}

const isEmptyWork = (work: ConnectorsAndTasks) => work.connectors.length === 0 && work.tasks.length === 0;

function sameView(a: ClusterConfigView | undefined, b: ClusterConfigView): boolean {
  if (!a || a.taskCounts.size !== b.taskCounts.size) return false;
  for (const [connector, count] of a.taskCounts) if (b.taskCounts.get(connector) !== count) return false;
  return true;
}

export class WorkerGroupMember {
  private readonly options: WorkerGroupMemberOptions;
  private readonly settings: MemberSettings;
  private readonly now: () => number;
  private readonly margin: number;
  private readonly assignor: IncrementalCooperativeAssignor;
  private readonly callbacks = new Set<AssignmentCallback>();
  private readonly rebalancedListeners = new Set<(generation: number) => void>();

  private memberIdValue = '';
  private generationValue = -1;
  private lastCompletedGeneration = -1;
  private leaderIdValue = '';
  private leaderUrlValue = '';
  private leaderStateValue: LeaderState | undefined;
  /** What the leader gave this worker, accumulated (also while stopped after losing the group). */
  private claimed = new WorkSet();
  /** What this worker runs (what the callbacks were told). */
  private running = new WorkSet();
  /** Work being stopped right now: its final offset commit is still allowed. */
  private stopping = new WorkSet();
  /** The config view the last assignment was made from; a different one calls for a rebalance. */
  private assignedView: ClusterConfigView | undefined;

  private phase: 'idle' | 'joining' | 'stable' | 'stopped' = 'idle';
  private needsRejoin = true;
  private rejoinReason = 'joining';
  private lost: string | undefined;
  private scheduledRebalanceAt: number | undefined;
  /** Lease: this worker's session cannot have expired before this (monotonic ms). */
  private leaseUntil = Number.NEGATIVE_INFINITY;
  private joinSentAt: number | undefined;
  /** Whether the pending JoinGroup/SyncGroup was sent while the session was alive, with no pause since. */
  private joinTrusted = false;
  /** The lease watchdog's last run (monotonic ms). */
  private lastTick = Number.NEGATIVE_INFINITY;
  private fenced = true;
  /** Waiting for the lease watchdog's next run (fence.confirm right after a pause or stall). */
  private tickWaiters: Array<() => void> = [];

  private wakeLoop: (() => void) | undefined;
  private wakeHeartbeats: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private firstAssignment: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private unsubscribeConfig: (() => void) | undefined;
  private changes: Promise<unknown> = Promise.resolve();

  /** Refuses offset and status writes while this worker may have lost its place in the group. */
  readonly fence: WriteFence;

  constructor(options: WorkerGroupMemberOptions) {
    this.options = options;
    this.settings = options.settings;
    this.now = options.now ?? (() => performance.now());
    this.margin = options.fenceMarginMs ?? Math.min(2_000, Math.floor(options.settings.sessionTimeoutMs / 5));
    this.assignor = new IncrementalCooperativeAssignor({
      maxDelayMs: options.settings.scheduledRebalanceMaxDelayMs,
    });
    this.fence = {
      checkMember: (action) => this.checkMember(action),
      checkConnector: (connector, action) => {
        this.checkMember(action);
        if (!this.running.hasConnectorWork(connector) && !this.stopping.hasConnectorWork(connector))
          throw new OnrampError(
            'TASK_FENCED',
            `${action}: ${connector} does not run on this worker (generation ${this.generationValue})`,
          );
      },
      confirmMember: async (action) => {
        if (!this.isStopped() && this.now() - this.lastTick > this.margin) await this.nextTick();
        this.checkMember(action);
      },
      confirm: async (connector, action) => {
        if (!this.isStopped() && this.now() - this.lastTick > this.margin) await this.nextTick();
        this.fence.checkConnector(connector, action);
      },
    };
  }

  get memberId(): string {
    return this.memberIdValue;
  }

  get generation(): number {
    return this.generationValue;
  }

  get leaderId(): string {
    return this.leaderIdValue;
  }

  get leaderUrl(): string | undefined {
    return this.leaderUrlValue || undefined;
  }

  get isLeader(): boolean {
    return this.memberIdValue !== '' && this.leaderIdValue === this.memberIdValue;
  }

  private isStopped(): boolean {
    return this.phase === 'stopped';
  }

  /** Whether a rebalance is under way (Kafka Connect answers REST writes with 409 then). */
  get rebalancing(): boolean {
    return this.phase !== 'stable' || this.needsRejoin;
  }

  /** What this worker runs now. */
  work(): ConnectorsAndTasks {
    return this.running.plain();
  }

  /** The leader's view of who runs what (undefined on followers): where REST calls for a connector go. */
  leaderState(): LeaderState | undefined {
    return this.leaderStateValue;
  }

  /** Calls `callback` for every assignment change, in order; join() and each rebalance wait for it. */
  onAssignment(callback: AssignmentCallback): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  /**
   * Calls `listener` after every rebalance this worker completed (its assignment applied), also when
   * nothing moved here: a leader that runs nothing itself hears of its leadership this way.
   */
  onRebalanced(listener: (generation: number) => void): () => void {
    this.rebalancedListeners.add(listener);
    return () => this.rebalancedListeners.delete(listener);
  }

  /** The herder's view of this membership (src/host/assignment.ts). */
  workAssignment(): WorkAssignment {
    return {
      current: (): Assignment => {
        const running = this.running;
        const generation = this.generationValue;
        const leader = this.leaderStateValue;
        const memberId = this.memberIdValue;
        return {
          generation,
          ownsConnector: (connector) => running.connectors.has(connector),
          ownsTask: (connector, task) => running.tasks.has(taskKey({ connector, task })),
          taskElsewhere: (connector, task) => {
            const owner = leader?.taskOwners.get(taskKey({ connector, task }));
            return owner !== undefined && owner !== memberId;
          },
        };
      },
      subscribe: (listener: AssignmentListener) =>
        this.onAssignment((change) => {
          const moved = new Set([
            ...change.stop.connectors,
            ...change.stop.tasks.map((t) => t.connector),
            ...change.start.connectors,
            ...change.start.tasks.map((t) => t.connector),
          ]);
          return listener([...moved]);
        }),
    };
  }

  /** Asks for a rebalance (e.g. the config changed). */
  requestRejoin(reason: string): void {
    if (this.phase === 'stopped') return;
    if (!this.needsRejoin) this.rejoinReason = reason;
    this.needsRejoin = true;
    this.wakeLoop?.();
  }

  /** Joins the group; resolves once the first assignment was applied (its callbacks done). */
  join(): Promise<void> {
    if (this.loopDone) throw new Error('join() was called already');
    const first = new Promise<void>((resolve, reject) => {
      this.firstAssignment = { resolve, reject };
    });
    // A config change that adds or removes connectors or changes task counts needs a rebalance.
    const onConfig = () => {
      if (this.phase === 'stable' && !sameView(this.assignedView, this.options.config.view()))
        this.requestRejoin('the connector configs changed');
    };
    this.unsubscribeConfig = this.options.config.subscribe({
      onConnectorConfigUpdate: onConfig,
      onConnectorConfigRemove: onConfig,
      onTaskConfigUpdate: onConfig,
      onTargetStateChange: () => undefined,
      onRestartRequest: () => undefined,
    });
    this.loopDone = this.loop();
    void this.heartbeats();
    this.watchLease();
    return first;
  }

  /** Stops all work, leaves the group at once and closes the coordinator connection. */
  async leave(reason = 'the worker is shutting down'): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    this.unsubscribeConfig?.();
    this.wakeLoop?.();
    this.firstAssignment?.reject(
      new OnrampError('INTERNAL', 'the worker left the group before its first assignment'),
    );
    this.firstAssignment = undefined;
    this.wakeTickWaiters();
    await this.stopAll('leaving the group');
    await this.options.coordinator.leave({
      groupId: this.settings.groupId,
      memberId: this.memberIdValue,
      reason,
    });
    await this.options.coordinator.close();
    this.wakeHeartbeats?.();
    // The heartbeat loop ends on its own (a heartbeat in flight fails once the connection is closed).
    await this.loopDone;
    this.memberIdValue = '';
  }

  // --- the membership loop -------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (this.phase !== 'stopped') {
      try {
        if (this.lost !== undefined) {
          const reason = this.lost;
          this.lost = undefined;
          await this.loseMembership(reason);
          continue;
        }
        if (this.scheduledRebalanceAt !== undefined && this.now() >= this.scheduledRebalanceAt) {
          this.scheduledRebalanceAt = undefined;
          this.requestRejoin('the scheduled rebalance delay ended');
        }
        if (this.needsRejoin) {
          await this.rejoin();
          continue;
        }
        const until = this.scheduledRebalanceAt;
        await this.sleep(until === undefined ? 60_000 : Math.max(0, until - this.now()));
      } catch (error) {
        if (this.isStopped()) return;
        await this.onLoopError(error);
      }
    }
  }

  private async onLoopError(error: unknown): Promise<void> {
    const code = error instanceof GroupError ? error.code : 'OTHER';
    switch (code) {
      case 'UNKNOWN_MEMBER_ID':
      case 'FENCED_INSTANCE_ID':
        this.memberIdValue = '';
        await this.loseMembership(`the coordinator does not know this member (${code})`);
        return;
      case 'ILLEGAL_GENERATION':
        await this.loseMembership('the group moved on to another generation without this worker');
        return;
      case 'REBALANCE_IN_PROGRESS':
        this.needsRejoin = true;
        return;
      case 'INCONSISTENT_GROUP_PROTOCOL':
        // Another kind of group (a consumer group) has this id: a configuration error, told to join().
        this.firstAssignment?.reject(
          new OnrampError(
            'INVALID_CONFIG',
            `group.id ${this.settings.groupId} is in use by a group that is not a Kafka Connect cluster (INCONSISTENT_GROUP_PROTOCOL)`,
          ),
        );
        this.firstAssignment = undefined;
        this.needsRejoin = true;
        await this.sleep(this.settings.heartbeatIntervalMs);
        return;
      default: {
        const message = error instanceof Error ? error.message : String(error);
        this.options.log?.('warn', `group ${this.settings.groupId}: ${message}; retrying`);
        this.needsRejoin = true;
        if (!this.isStopped()) this.phase = 'idle';
        await this.sleep(Math.min(this.settings.heartbeatIntervalMs, 1_000));
      }
    }
  }

  private async rejoin(): Promise<void> {
    this.needsRejoin = false;
    this.phase = 'joining';
    const reason = this.rejoinReason;
    this.rejoinReason = 'rejoining';
    const configSnapshot = this.options.config.view();
    const state = {
      url: this.options.url,
      configOffset: this.options.config.offset,
      assignment: this.claimed.isEmpty() ? null : this.asConnectAssignment(this.claimed),
    };
    const protocols = joinGroupProtocols(this.settings.connectProtocol, state);
    this.joinSentAt = this.now();
    this.joinTrusted = this.joinSentAt < this.leaseUntil;
    let joined: Awaited<ReturnType<GroupCoordinator['join']>>;
    try {
      joined = await this.joinOnce(protocols, reason);
    } finally {
      this.joinSentAt = undefined;
    }
    if (this.isStopped()) return;
    this.memberIdValue = joined.memberId;
    this.generationValue = joined.generation;
    this.leaderIdValue = joined.leaderId;
    const protocol = protocolByName(joined.protocol);
    if (!protocol) throw new GroupError('OTHER', `the group chose an unknown protocol ${joined.protocol}`);

    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    let leaderState: LeaderState | undefined;
    if (joined.leaderId === joined.memberId) {
      const result = this.assignor.performAssignment({
        leaderId: joined.leaderId,
        protocol,
        members: joined.members.map(({ memberId, metadata }) => ({
          memberId,
          metadata: decodeWorkerMetadata(metadata),
        })),
        configSnapshot,
        freshSnapshot: () => this.options.config.view(),
        lastCompletedGeneration: this.lastCompletedGeneration,
        generation: joined.generation,
      });
      assignments = [...result.assignments].map(([memberId, assignment]) => ({
        memberId,
        assignment: encodeAssignment(assignment),
      }));
      leaderState = result.leaderState;
    }
    this.joinSentAt = this.now();
    this.joinTrusted = this.joinTrusted && this.joinSentAt - (this.lastTick ?? 0) <= this.margin;
    let bytes: Buffer;
    try {
      bytes = await this.options.coordinator.sync({
        groupId: this.settings.groupId,
        generation: joined.generation,
        memberId: joined.memberId,
        protocolType: CONNECT_PROTOCOL_TYPE,
        protocol: joined.protocol,
        assignments,
      });
    } finally {
      this.joinSentAt = undefined;
    }
    if (this.isStopped()) return;
    // The coordinator restarts the session timer when it answers the SyncGroup.
    this.renewLease(this.now());
    this.fenced = false;
    this.phase = 'stable';
    this.lastCompletedGeneration = joined.generation;
    this.leaderStateValue = leaderState;
    await this.apply(decodeAssignment(bytes), configSnapshot);
  }

  /** JoinGroup, answering MEMBER_ID_REQUIRED (KIP-394) with the id the coordinator gave. */
  private async joinOnce(
    protocols: ReadonlyArray<{ name: string; metadata: Buffer }>,
    reason: string,
  ): Promise<Awaited<ReturnType<GroupCoordinator['join']>>> {
    const request = {
      groupId: this.settings.groupId,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      rebalanceTimeoutMs: this.settings.rebalanceTimeoutMs,
      protocolType: CONNECT_PROTOCOL_TYPE,
      protocols,
      reason,
    };
    try {
      return await this.options.coordinator.join({ ...request, memberId: this.memberIdValue });
    } catch (error) {
      if (!(error instanceof GroupError) || error.code !== 'MEMBER_ID_REQUIRED' || !error.memberId)
        throw error;
      this.memberIdValue = error.memberId;
      return await this.options.coordinator.join({ ...request, memberId: error.memberId });
    }
  }

  private async apply(assignment: ConnectAssignment, joinedView: ClusterConfigView): Promise<void> {
    this.leaderIdValue = assignment.leader;
    this.leaderUrlValue = assignment.leaderUrl;
    if (assignment.error === ASSIGNMENT_CONFIG_MISMATCH) {
      // The leader was behind the config topic: everybody catches up and rejoins.
      this.options.log?.(
        'warn',
        `group ${this.settings.groupId}: the leader was behind the config topic; rejoining`,
      );
      await this.catchUp(assignment.configOffset);
      this.requestRejoin('the leader was behind the config topic');
      this.resolveFirst();
      return;
    }
    const revoked = { connectors: assignment.revokedConnectors, tasks: assignment.revokedTasks };
    const added = { connectors: assignment.connectors, tasks: assignment.tasks };
    // As Kafka Connect's "Joined group at generation ... and got assignment" line.
    this.options.log?.(
      'info',
      `group ${this.settings.groupId}: generation ${this.generationValue}${this.isLeader ? ' (leader)' : ''}, config offset ${assignment.configOffset}, assigned ${describeWork(added)}, revoked ${describeWork(revoked)}${assignment.delay > 0 ? `, rebalance in ${assignment.delay} ms` : ''}`,
    );
    this.claimed.remove(revoked).add(added);
    this.scheduledRebalanceAt = assignment.delay > 0 ? this.now() + assignment.delay : undefined;
    this.assignedView =
      assignment.configOffset === joinedView.offset ? joinedView : this.options.config.view();

    const stop = this.running.intersect(revoked);
    let start = empty();
    let caughtUp =
      this.options.config.offset >= assignment.configOffset || (await this.catchUp(assignment.configOffset));
    if (caughtUp && this.options.config.offset !== assignment.configOffset) {
      // Read past the assignment's offset: the config changed meanwhile; start nothing, rebalance.
      caughtUp = false;
      this.requestRejoin('the config changed during the rebalance');
    }
    if (caughtUp) start = this.claimed.minus(this.running);
    if (!isEmptyWork(start) && this.options.beforeStart) {
      try {
        await this.options.beforeStart();
      } catch (error) {
        // Still stop what was revoked (the leader counts on it); start nothing, and try again.
        const message = error instanceof Error ? error.message : String(error);
        this.options.log?.('warn', `group ${this.settings.groupId}: not starting new work: ${message}`);
        start = empty();
        this.requestRejoin('preparing new work failed');
      }
    }
    await this.change(stop, start, assignment);
    // A revocation is answered by rejoining: the leader then hands the revoked work on.
    if (!isEmptyWork(revoked)) this.requestRejoin('work was revoked');
    this.resolveFirst();
    for (const listener of [...this.rebalancedListeners]) listener(this.generationValue);
  }

  /** Reads the config topic up to `offset` within worker.sync.timeout.ms; false (and out of the group for a while) if it could not. */
  private async catchUp(offset: number): Promise<boolean> {
    try {
      await this.options.config.refresh(this.settings.workerSyncTimeoutMs);
      if (this.options.config.offset >= offset) return true;
    } catch {
      // below
    }
    this.options.log?.(
      'warn',
      `group ${this.settings.groupId}: could not read the config topic up to ${offset} within worker.sync.timeout.ms; leaving the group for worker.unsync.backoff.ms`,
    );
    await this.stopAll('the config topic could not be read');
    await this.options.coordinator.leave({
      groupId: this.settings.groupId,
      memberId: this.memberIdValue,
      reason: 'taking too long to read the config topic',
    });
    this.memberIdValue = '';
    this.phase = 'idle';
    await this.sleep(this.settings.workerUnsyncBackoffMs);
    this.requestRejoin('retrying after reading the config topic failed');
    return false;
  }

  /**
   * Tells the callbacks; writes of the work being stopped stay allowed until they are done. Changes
   * run one after the other (leave() may stop everything while a rebalance applies its result).
   */
  private change(
    stop: ConnectorsAndTasks,
    start: ConnectorsAndTasks,
    assignment: ConnectAssignment | undefined,
  ): Promise<void> {
    const run = this.changes.then(() => this.changeNow(stop, start, assignment));
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async changeNow(
    stop: ConnectorsAndTasks,
    start: ConnectorsAndTasks,
    assignment: ConnectAssignment | undefined,
  ): Promise<void> {
    // Only what still runs can stop; nothing starts once the worker is leaving.
    stop = this.running.intersect(stop);
    if (this.isStopped() && assignment !== undefined) start = empty();
    if (isEmptyWork(stop) && isEmptyWork(start)) return;
    this.stopping = WorkSet.of(stop);
    this.running = this.running.copy().remove(stop).add(start);
    const change: AssignmentChange = {
      generation: this.generationValue,
      memberId: this.memberIdValue,
      leaderId: this.leaderIdValue,
      leaderUrl: this.leaderUrlValue,
      isLeader: this.isLeader,
      stop,
      start,
      running: this.running.plain(),
      configOffset: assignment?.configOffset ?? this.options.config.offset,
      delayMs: assignment?.delay ?? 0,
    };
    try {
      for (const callback of [...this.callbacks]) {
        try {
          await callback(change);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.options.log?.(
            'warn',
            `group ${this.settings.groupId}: an assignment callback failed: ${message}`,
          );
        }
      }
    } finally {
      this.stopping = new WorkSet();
    }
  }

  private async stopAll(reason: string): Promise<void> {
    await this.changes;
    if (this.running.isEmpty()) return;
    this.options.log?.('warn', `group ${this.settings.groupId}: stopping all work: ${reason}`);
    await this.change(this.running.plain(), empty(), undefined);
  }

  /** Out of the group (or may be): stop everything, write nothing, rejoin with the old claim. */
  private async loseMembership(reason: string): Promise<void> {
    this.fenced = true;
    this.phase = 'idle';
    this.leaderStateValue = undefined;
    this.generationValue = -1;
    await this.stopAll(reason);
    this.requestRejoin(reason);
  }

  private resolveFirst(): void {
    this.firstAssignment?.resolve();
    this.firstAssignment = undefined;
  }

  private asConnectAssignment(work: WorkSet): ConnectAssignment {
    return {
      version: 1,
      error: 0,
      leader: this.leaderIdValue,
      leaderUrl: this.leaderUrlValue,
      configOffset: this.options.config.offset,
      connectors: [...work.connectors],
      tasks: [...work.tasks.values()],
      revokedConnectors: [],
      revokedTasks: [],
      delay: 0,
    };
  }

  // --- heartbeats and the lease ----------------------------------------------------------------

  private async heartbeats(): Promise<void> {
    let nextAt = this.now();
    while (this.phase !== 'stopped') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, Math.min(nextAt - this.now(), 1_000)));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeHeartbeats = done;
      });
      if (this.isStopped()) return;
      if (this.now() < nextAt || this.phase !== 'stable' || this.lost !== undefined) continue;
      const sentAt = this.now();
      nextAt = sentAt + this.settings.heartbeatIntervalMs;
      const generation = this.generationValue;
      try {
        await this.options.coordinator.heartbeat({
          groupId: this.settings.groupId,
          generation,
          memberId: this.memberIdValue,
        });
        if (generation === this.generationValue) this.renewLease(sentAt);
      } catch (error) {
        if (this.phase !== 'stable' || generation !== this.generationValue) continue;
        const code = error instanceof GroupError ? error.code : 'OTHER';
        if (code === 'REBALANCE_IN_PROGRESS') {
          // Still a member: the cooperative rebalance keeps the work running while this worker rejoins.
          this.requestRejoin('the group is rebalancing');
        } else if (
          code === 'UNKNOWN_MEMBER_ID' ||
          code === 'ILLEGAL_GENERATION' ||
          code === 'FENCED_INSTANCE_ID'
        ) {
          if (code !== 'ILLEGAL_GENERATION') this.memberIdValue = '';
          this.fenced = true;
          this.lost = `the coordinator answered the heartbeat with ${code}`;
          this.wakeLoop?.();
        } else {
          // Coordinator moved or unreachable: retry soon; the lease decides when to give up the work.
          nextAt = this.now() + Math.min(this.settings.heartbeatIntervalMs, 500);
        }
      }
    }
  }

  /**
   * Checks the lease on its own timer: a heartbeat may hang (a broker that stopped answering, this
   * process paused in the middle of one), and the work must stop when the lease ends all the same.
   */
  private watchLease(): void {
    this.lastTick = this.now();
    const timer = setInterval(
      () => {
        if (this.isStopped()) {
          clearInterval(timer);
          this.wakeTickWaiters();
          return;
        }
        const now = this.now();
        // A gap: this process was paused (SIGSTOP, a stalled VM) or starved. A JoinGroup sent before it
        // may have reached the coordinator only after this worker's session expired: it protects nothing.
        if (now - this.lastTick > this.margin) this.joinTrusted = false;
        this.lastTick = now;
        // The lease ran out (a pause, Kafka unreachable, rejoins failing): nothing of ours may run any more.
        if (!this.leaseValid() && this.lost === undefined && (!this.fenced || !this.running.isEmpty())) {
          this.fenced = true;
          this.lost = `no heartbeat was answered for ${this.settings.sessionTimeoutMs - this.margin} ms: the session may have expired`;
          this.wakeLoop?.();
        }
        this.wakeTickWaiters();
      },
      Math.min(500, this.margin),
    );
    timer.unref();
  }

  /** Resolves after the lease watchdog's next run (at once once the worker left the group). */
  private nextTick(): Promise<void> {
    if (this.isStopped()) return Promise.resolve();
    return new Promise((resolve) => this.tickWaiters.push(resolve));
  }

  private wakeTickWaiters(): void {
    const waiters = this.tickWaiters;
    this.tickWaiters = [];
    for (const wake of waiters) wake();
  }

  private renewLease(from: number): void {
    this.leaseUntil = Math.max(this.leaseUntil, from + this.settings.sessionTimeoutMs - this.margin);
  }

  private leaseValid(): boolean {
    const now = this.now();
    if (now < this.leaseUntil) return true;
    // While a JoinGroup/SyncGroup waits, the coordinator keeps the member (up to the rebalance
    // timeout) — if it was sent while the session was alive and no pause came in between.
    return (
      this.joinSentAt !== undefined &&
      this.joinTrusted &&
      now < this.joinSentAt + this.settings.rebalanceTimeoutMs - this.margin
    );
  }

  private checkMember(action: string): void {
    if (this.phase === 'stopped')
      throw new OnrampError('TASK_FENCED', `${action}: this worker left group ${this.settings.groupId}`);
    // The watchdog has not looked for a while: this process was paused or starved; trust nothing yet.
    const stale = this.now() - this.lastTick > this.margin;
    if (this.fenced || stale || !this.leaseValid())
      throw new OnrampError(
        'TASK_FENCED',
        `${action}: this worker may have lost its place in group ${this.settings.groupId} (no heartbeat answered within the session timeout); its work moves to another worker`,
      );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeLoop = done;
    });
  }
}
