import {
  ASSIGNMENT_CONFIG_MISMATCH,
  ASSIGNMENT_NO_ERROR,
  CONNECT_PROTOCOLS,
  type ConnectAssignment,
  type ConnectorTaskId,
  type ConnectProtocolName,
  type WorkerMetadata,
} from './connect-protocol.ts';

// The group leader's assignor, ported from Kafka Connect 3.9's IncrementalCooperativeAssignor
// (KIP-415): each round it tells every worker only what to start and what to stop.
// - New connectors and tasks go to the least-loaded workers; nothing else moves.
// - A worker that joins gets load-balancing revocations from the busiest ones, handed out in the
//   next round (two revoking rounds in a row are spaced by an exponential backoff, 40 ms x 40^n,
//   capped at the max delay).
// - The connectors and tasks of a worker that left ("lost") wait `scheduled.rebalance.max.delay.ms`
//   for it to come back; when the delay ends they go to the workers that joined meanwhile
//   (round-robin), or to the least-loaded ones.
// - Deleted connectors and duplicates (a task reported by two workers) are revoked at once.
// Its memory of the previous round (what it assigned, what it revoked, the delay) lives in the
// leader only: a new leader starts without it, and treats the old leader's tasks as new.

export interface ConnectorsAndTasks {
  connectors: string[];
  tasks: ConnectorTaskId[];
}

/** What the assignor needs of the config topic: its offset and each connector's committed task count. */
export interface ClusterConfigView {
  /** The config-topic offset the view was read up to (next offset). */
  offset: number;
  /** Connector -> number of tasks (0 while STOPPED, or while its task configs are inconsistent). */
  taskCounts: ReadonlyMap<string, number>;
}

export interface ClusterAssignment {
  newlyAssigned: Map<string, ConnectorsAndTasks>;
  newlyRevoked: Map<string, ConnectorsAndTasks>;
  /** What each worker runs once this round is applied. */
  allAssigned: Map<string, ConnectorsAndTasks>;
}

/** Who runs what, for the leader (REST requests for a connector go to its owner). */
export interface LeaderState {
  /** Member id -> REST URL. */
  urls: Map<string, string>;
  connectorOwners: Map<string, string>;
  /** `${connector}/${task}` -> member id */
  taskOwners: Map<string, string>;
}

export interface AssignmentRound {
  leaderId: string;
  /** The protocol the coordinator chose for the group. */
  protocol: ConnectProtocolName;
  members: ReadonlyArray<{ memberId: string; metadata: WorkerMetadata }>;
  /** The leader's config view taken when it joined. */
  configSnapshot: ClusterConfigView;
  /** Reads the config view again (the leader may have caught up since it joined). */
  freshSnapshot: () => ClusterConfigView;
  /** The generation of the last round this member completed (-1: none) and the current one. */
  lastCompletedGeneration: number;
  generation: number;
}

export interface AssignmentResult {
  assignments: Map<string, ConnectAssignment>;
  /** Unset when the leader was behind the config topic (CONFIG_MISMATCH). */
  leaderState?: LeaderState;
  /** The config view the assignment was computed from. */
  configSnapshot: ClusterConfigView;
}

const taskKey = (task: ConnectorTaskId) => `${task.connector}\u0000${task.task}`;

function compareTasks(a: ConnectorTaskId, b: ConnectorTaskId): number {
  if (a.connector !== b.connector) return a.connector < b.connector ? -1 : 1;
  return a.task - b.task;
}

/** An insertion-ordered set of connectors and tasks (Connect's LinkedHashSet-backed ConnectorsAndTasks). */
class Allocation {
  readonly connectors = new Set<string>();
  readonly tasks = new Map<string, ConnectorTaskId>();

  static of(connectors: Iterable<string>, tasks: Iterable<ConnectorTaskId>): Allocation {
    const allocation = new Allocation();
    allocation.addConnectors(connectors);
    allocation.addTasks(tasks);
    return allocation;
  }

  static copy(source: ConnectorsAndTasks | Allocation): Allocation {
    return source instanceof Allocation
      ? Allocation.of(source.connectors, source.tasks.values())
      : Allocation.of(source.connectors, source.tasks);
  }

  addConnectors(connectors: Iterable<string>): this {
    for (const connector of connectors) this.connectors.add(connector);
    return this;
  }

  addTasks(tasks: Iterable<ConnectorTaskId>): this {
    for (const task of tasks) this.tasks.set(taskKey(task), task);
    return this;
  }

  addAll(other: Allocation): this {
    return this.addConnectors(other.connectors).addTasks(other.tasks.values());
  }

  removeAll(other: Allocation): this {
    for (const connector of other.connectors) this.connectors.delete(connector);
    for (const key of other.tasks.keys()) this.tasks.delete(key);
    return this;
  }

  hasTask(task: ConnectorTaskId): boolean {
    return this.tasks.has(taskKey(task));
  }

  isEmpty(): boolean {
    return this.connectors.size === 0 && this.tasks.size === 0;
  }

  clear(): void {
    this.connectors.clear();
    this.tasks.clear();
  }

  toPlain(): ConnectorsAndTasks {
    return { connectors: [...this.connectors], tasks: [...this.tasks.values()] };
  }
}

/** `base` minus every `subtract`, sorted (Connect's TreeSet-based diff). */
function diff(base: Allocation, ...subtract: Allocation[]): Allocation {
  const connectors = [...base.connectors].filter((c) => !subtract.some((s) => s.connectors.has(c))).sort();
  const tasks = [...base.tasks.values()]
    .filter((t) => !subtract.some((s) => s.hasTask(t)))
    .sort(compareTasks);
  return Allocation.of(connectors, tasks);
}

interface WorkerLoad {
  worker: string;
  connectors: string[];
  tasks: ConnectorTaskId[];
}

function byLoad(size: (load: WorkerLoad) => number) {
  return (a: WorkerLoad, b: WorkerLoad) =>
    size(a) - size(b) || (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0);
}

function removeFromLoads(loads: WorkerLoad[], remove: ReadonlyMap<string, Allocation>): void {
  for (const load of loads) {
    const removed = remove.get(load.worker);
    if (!removed) continue;
    load.connectors = load.connectors.filter((connector) => !removed.connectors.has(connector));
    load.tasks = load.tasks.filter((task) => !removed.hasTask(task));
  }
}

/** Kafka's ExponentialBackoff(initial, multiplier, max, jitter 0). */
function exponentialBackoff(initial: number, multiplier: number, max: number): (attempts: number) => number {
  const start = Math.min(max, initial);
  const expMax = max > start ? Math.log(max / Math.max(start, 1)) / Math.log(multiplier) : 0;
  return (attempts) => {
    if (expMax === 0) return start;
    return Math.min(Math.trunc(start * multiplier ** Math.min(attempts, expMax)), max);
  };
}

export interface AssignorOptions {
  /** scheduled.rebalance.max.delay.ms (Kafka Connect's default: 300000). */
  maxDelayMs: number;
  now?: () => number;
}

export class IncrementalCooperativeAssignor {
  private readonly maxDelay: number;
  private readonly now: () => number;
  private readonly backoff: (attempts: number) => number;
  private previousAssignment = new Allocation();
  private readonly previousRevocation = new Allocation();
  private revokedInPrevious = false;
  private readonly candidateWorkersForReassignment = new Set<string>();
  private scheduledRebalance = 0;
  private currentDelay = 0;
  private previousGenerationId = -1;
  private previousMembers = new Set<string>();
  private successiveRevokingRebalances = 0;

  constructor(options: AssignorOptions) {
    this.maxDelay = options.maxDelayMs;
    this.now = options.now ?? Date.now;
    this.backoff = exponentialBackoff(this.maxDelay === 0 ? 0 : 1, 40, this.maxDelay);
  }

  /** The delay the last round announced (ms until the scheduled rebalance; 0: none). */
  get delay(): number {
    return this.currentDelay;
  }

  /** The leader's assignment round: one SyncGroup assignment per member. */
  performAssignment(round: AssignmentRound): AssignmentResult {
    const version = CONNECT_PROTOCOLS[round.protocol];
    if (version < CONNECT_PROTOCOLS.compatible)
      throw new Error('the eager Connect protocol ("default") is not supported; use compatible or sessioned');
    const leader = round.members.find((member) => member.memberId === round.leaderId);
    const leaderUrl = leader?.metadata.url ?? '';
    const maxOffset = Math.max(...round.members.map((member) => member.metadata.configOffset));
    const fill = (
      error: number,
      configOffset: number,
      assignment: ClusterAssignment | undefined,
      delay: number,
    ) =>
      new Map(
        round.members.map(({ memberId }) => {
          const assigned = assignment?.newlyAssigned.get(memberId);
          const revoked = assignment?.newlyRevoked.get(memberId);
          return [
            memberId,
            {
              version,
              error,
              leader: round.leaderId,
              leaderUrl,
              configOffset,
              connectors: assigned?.connectors ?? [],
              tasks: assigned?.tasks ?? [],
              revokedConnectors: revoked?.connectors ?? [],
              revokedTasks: revoked?.tasks ?? [],
              delay,
            } satisfies ConnectAssignment,
          ];
        }),
      );

    // The assignment is computed at the highest config offset any member has read; a leader behind
    // it first reads again, and if it still is, everybody is told to catch up and rejoin.
    let snapshot = round.configSnapshot;
    let configOffset = maxOffset;
    if (snapshot.offset < maxOffset) {
      const fresh = round.freshSnapshot();
      if (fresh.offset < maxOffset)
        return {
          assignments: fill(ASSIGNMENT_CONFIG_MISMATCH, maxOffset, undefined, 0),
          configSnapshot: snapshot,
        };
      snapshot = fresh;
      configOffset = fresh.offset;
    }
    const memberAssignments = new Map(
      round.members.map(({ memberId, metadata }) => [
        memberId,
        metadata.assignment
          ? { connectors: metadata.assignment.connectors, tasks: metadata.assignment.tasks }
          : { connectors: [], tasks: [] },
      ]),
    );
    const cluster = this.performTaskAssignment(
      snapshot,
      round.lastCompletedGeneration,
      round.generation,
      memberAssignments,
    );
    const leaderState: LeaderState = {
      urls: new Map(round.members.map(({ memberId, metadata }) => [memberId, metadata.url])),
      connectorOwners: new Map(),
      taskOwners: new Map(),
    };
    for (const [worker, { connectors, tasks }] of cluster.allAssigned) {
      for (const connector of connectors) leaderState.connectorOwners.set(connector, worker);
      for (const task of tasks) leaderState.taskOwners.set(`${task.connector}/${task.task}`, worker);
    }
    return {
      assignments: fill(ASSIGNMENT_NO_ERROR, configOffset, cluster, this.currentDelay),
      leaderState,
      configSnapshot: snapshot,
    };
  }

  /** One round over the members' current assignments (Connect's performTaskAssignment). */
  performTaskAssignment(
    config: ClusterConfigView,
    lastCompletedGeneration: number,
    generation: number,
    members: ReadonlyMap<string, ConnectorsAndTasks>,
  ): ClusterAssignment {
    // A round the leader started but never completed: what it remembers may be wrong.
    if (this.previousGenerationId !== lastCompletedGeneration) this.previousAssignment = new Allocation();

    const configuredConnectors = [...config.taskCounts.keys()].sort();
    const configured = Allocation.of(
      configuredConnectors,
      configuredConnectors.flatMap((connector) =>
        Array.from({ length: config.taskCounts.get(connector) ?? 0 }, (_, task) => ({ connector, task })),
      ),
    );
    const memberAssignments = new Map(
      [...members].map(([worker, assignment]) => [worker, Allocation.copy(assignment)]),
    );
    const active = new Allocation();
    for (const assignment of memberAssignments.values()) active.addAll(assignment);

    // A revocation of the previous round that did not take effect: start over from what runs now.
    if (!this.previousRevocation.isEmpty()) {
      const stillRunning =
        [...this.previousRevocation.connectors].some((c) => active.connectors.has(c)) ||
        [...this.previousRevocation.tasks.values()].some((t) => active.hasTask(t));
      if (stillRunning) this.previousAssignment = Allocation.copy(active);
      this.previousRevocation.clear();
    }

    const deleted = diff(this.previousAssignment, configured);
    const duplicated = this.duplicated(memberAssignments);
    const lost = diff(this.previousAssignment, active, deleted);
    const created = diff(configured, this.previousAssignment, active);

    const loads = (exclude?: Allocation): WorkerLoad[] =>
      [...memberAssignments].map(([worker, assignment]) => ({
        worker,
        connectors: [...assignment.connectors].filter((c) => !exclude?.connectors.has(c)),
        tasks: [...assignment.tasks.values()].filter((t) => !exclude?.hasTask(t)),
      }));
    const currentWorkerAssignment = loads(deleted);

    const toRevoke = new Map<string, Allocation>();
    const addRevocations = (revocations: ReadonlyMap<string, Allocation>) => {
      for (const [worker, revoked] of revocations) {
        const entry = toRevoke.get(worker) ?? new Allocation();
        toRevoke.set(worker, entry.addAll(revoked));
      }
    };
    const deletedToRevoke = this.intersection(deleted, memberAssignments);
    addRevocations(deletedToRevoke);
    const duplicatedToRevoke = this.intersection(duplicated, memberAssignments);
    addRevocations(duplicatedToRevoke);

    const nextWorkerAssignment = loads();
    removeFromLoads(nextWorkerAssignment, deletedToRevoke);
    removeFromLoads(nextWorkerAssignment, duplicatedToRevoke);

    const lostToReassign = this.handleLostAssignments(lost, nextWorkerAssignment);

    // No load-balancing revocations while a delayed rebalance is pending.
    if (this.currentDelay === 0) {
      const balancing = this.loadBalancingRevocations(configured, nextWorkerAssignment);
      if (this.revokedInPrevious && balancing.size > 0) {
        this.successiveRevokingRebalances++;
        this.currentDelay = this.backoff(this.successiveRevokingRebalances);
        if (this.currentDelay !== 0) {
          this.scheduledRebalance = this.now() + this.currentDelay;
        } else {
          addRevocations(balancing);
          removeFromLoads(nextWorkerAssignment, balancing);
        }
      } else if (balancing.size > 0) {
        addRevocations(balancing);
        removeFromLoads(nextWorkerAssignment, balancing);
        this.revokedInPrevious = true;
      } else if (this.revokedInPrevious) {
        // Balanced again: the backoff starts over.
        this.revokedInPrevious = false;
        this.successiveRevokingRebalances = 0;
      }
    } else {
      this.revokedInPrevious = false;
    }

    const toAssign = new Allocation().addAll(created).addAll(lostToReassign);
    this.assign(nextWorkerAssignment, [...toAssign.connectors], [...toAssign.tasks.values()]);

    const current = new Map(currentWorkerAssignment.map((load) => [load.worker, load]));
    const newlyAssigned = new Map<string, ConnectorsAndTasks>();
    const allAssigned = new Map<string, ConnectorsAndTasks>();
    const newlyRevoked = new Map<string, ConnectorsAndTasks>();
    for (const load of nextWorkerAssignment) {
      const before = Allocation.copy(current.get(load.worker) ?? { connectors: [], tasks: [] });
      const revoked = toRevoke.get(load.worker) ?? new Allocation();
      newlyAssigned.set(load.worker, {
        connectors: load.connectors.filter((c) => !before.connectors.has(c)),
        tasks: load.tasks.filter((t) => !before.hasTask(t)),
      });
      newlyRevoked.set(load.worker, revoked.toPlain());
      allAssigned.set(load.worker, {
        connectors: load.connectors.filter((c) => !revoked.connectors.has(c)),
        tasks: load.tasks.filter((t) => !revoked.hasTask(t)),
      });
    }

    // What the next round compares with: everything assigned now, minus what was just revoked
    // (remembered, to check it did stop), plus what is lost and still waiting.
    const previous = new Allocation();
    for (const load of nextWorkerAssignment) previous.addConnectors(load.connectors).addTasks(load.tasks);
    for (const revoked of toRevoke.values()) {
      previous.removeAll(revoked);
      this.previousRevocation.addAll(revoked);
    }
    previous.addAll(lost);
    this.previousAssignment = previous;
    this.previousGenerationId = generation;
    this.previousMembers = new Set(memberAssignments.keys());
    return { newlyAssigned, newlyRevoked, allAssigned };
  }

  private duplicated(members: ReadonlyMap<string, Allocation>): Allocation {
    const connectorCounts = new Map<string, number>();
    const taskCounts = new Map<string, { task: ConnectorTaskId; count: number }>();
    for (const assignment of members.values()) {
      for (const connector of assignment.connectors)
        connectorCounts.set(connector, (connectorCounts.get(connector) ?? 0) + 1);
      for (const [key, task] of assignment.tasks)
        taskCounts.set(key, { task, count: (taskCounts.get(key)?.count ?? 0) + 1 });
    }
    return Allocation.of(
      [...connectorCounts].filter(([, count]) => count > 1).map(([connector]) => connector),
      [...taskCounts.values()].filter(({ count }) => count > 1).map(({ task }) => task),
    );
  }

  private intersection(of: Allocation, members: ReadonlyMap<string, Allocation>): Map<string, Allocation> {
    return new Map(
      [...members].map(([worker, assignment]) => [
        worker,
        Allocation.of(
          [...assignment.connectors].filter((c) => of.connectors.has(c)),
          [...assignment.tasks.values()].filter((t) => of.hasTask(t)),
        ),
      ]),
    );
  }

  /** What of the lost connectors and tasks is to be reassigned now (some may go to candidates directly). */
  private handleLostAssignments(lost: Allocation, workers: WorkerLoad[]): Allocation {
    const toReassign = new Allocation();
    if (lost.isEmpty() && !this.revokedInPrevious) {
      this.resetDelay();
      return toReassign;
    }
    const now = this.now();
    const active = new Set(workers.map((load) => load.worker));
    if (this.scheduledRebalance <= 0 && [...this.previousMembers].every((member) => active.has(member))) {
      // Nobody left: the missing ones were probably never received; assign them as new.
      return toReassign.addAll(lost);
    }
    if (this.maxDelay === 0) return toReassign.addAll(lost);

    if (this.scheduledRebalance > 0 && now >= this.scheduledRebalance) {
      // The delay is over: the lost ones go to the workers that joined meanwhile, if any.
      const candidates = [...this.candidateWorkersForReassignment]
        .map((worker) => workers.find((load) => load.worker === worker))
        .filter((load): load is WorkerLoad => load !== undefined);
      if (candidates.length > 0) {
        [...lost.connectors].forEach((connector, index) => {
          candidates[index % candidates.length]?.connectors.push(connector);
        });
        [...lost.tasks.values()].forEach((task, index) => {
          candidates[index % candidates.length]?.tasks.push(task);
        });
      } else {
        toReassign.addAll(lost);
      }
      this.resetDelay();
      this.revokedInPrevious = false;
    } else {
      for (const load of workers)
        if (load.connectors.length === 0 && load.tasks.length === 0)
          this.candidateWorkersForReassignment.add(load.worker);
      if (now < this.scheduledRebalance) {
        const remaining = this.scheduledRebalance - now;
        this.currentDelay = remaining > 0 ? Math.min(remaining, this.maxDelay) : 0;
      } else {
        this.currentDelay = this.maxDelay;
      }
      this.scheduledRebalance = now + this.currentDelay;
    }
    return toReassign;
  }

  private resetDelay(): void {
    this.candidateWorkersForReassignment.clear();
    this.scheduledRebalance = 0;
    this.currentDelay = 0;
  }

  /** Revokes from every worker running more than a perfectly balanced share. */
  private loadBalancingRevocations(configured: Allocation, workers: WorkerLoad[]): Map<string, Allocation> {
    const result = new Map<string, Allocation>();
    if (workers.every((load) => load.connectors.length === 0 && load.tasks.length === 0)) return result;
    if (configured.isEmpty()) return result;
    const revoke = <E>(
      total: number,
      of: (load: WorkerLoad) => E[],
      add: (allocation: Allocation, items: E[]) => void,
    ) => {
      const minimum = Math.floor(total / workers.length);
      const extras = total % workers.length;
      const atMinimum = workers.filter((load) => of(load).length === minimum).length;
      const atExtra = workers.filter((load) => of(load).length === minimum + 1).length;
      if (atExtra === extras && atMinimum + atExtra === workers.length) return;
      let allocatedExtras = 0;
      for (const load of workers) {
        const size = of(load).length;
        if (size <= minimum) continue;
        let max: number;
        if (allocatedExtras < extras) {
          allocatedExtras++;
          if (size === minimum + 1) continue;
          max = minimum + 1;
        } else {
          max = minimum;
        }
        const entry = result.get(load.worker) ?? new Allocation();
        add(entry, of(load).slice(0, size - max));
        result.set(load.worker, entry);
      }
    };
    revoke(
      configured.connectors.size,
      (load) => load.connectors,
      (allocation, items) => allocation.addConnectors(items),
    );
    revoke(
      configured.tasks.size,
      (load) => load.tasks,
      (allocation, items) => allocation.addTasks(items),
    );
    return result;
  }

  /** Round-robin over the least-loaded workers, connectors and tasks separately. */
  private assign(workers: WorkerLoad[], connectors: string[], tasks: ConnectorTaskId[]): void {
    const spread = <E>(items: E[], of: (load: WorkerLoad) => E[]) => {
      workers.sort(byLoad((load) => of(load).length));
      const first = workers[0];
      if (!first) return;
      let next = 0;
      while (next < items.length) {
        const firstLoad = of(first).length;
        let upTo = workers.findIndex((load) => of(load).length > firstLoad);
        if (upTo < 0) upTo = workers.length;
        for (const load of workers.slice(0, upTo)) {
          of(load).push(items[next++] as E);
          if (next >= items.length) break;
        }
      }
    };
    spread(connectors, (load) => load.connectors);
    spread(tasks, (load) => load.tasks);
  }
}
