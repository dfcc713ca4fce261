// Which connectors and tasks run on this worker. The herder never decides it: it asks. A standalone
// worker runs everything it stores (standaloneAssignment); in a cluster the group leader assigns
// connectors and tasks to workers (Kafka Connect's ConnectProtocol / IncrementalCooperativeAssignor)
// and the worker's membership reports its share here.

export interface Assignment {
  /**
   * The rebalance generation this assignment belongs to; statuses the herder writes carry it, so a
   * Kafka status store can keep a newer owner's status over a stale worker's (Kafka Connect's putSafe).
   */
  readonly generation: number;
  /**
   * Whether this worker runs the connector instance: it plans the connector's task configs (and
   * stores them), restarts the instance and reports the connector's state.
   */
  ownsConnector(connector: string): boolean;
  /** Whether this worker runs task `task` of the connector. */
  ownsTask(connector: string, task: number): boolean;
  /**
   * Whether, as far as this worker knows, another worker runs task `task` of the connector (the
   * group leader knows; others and a standalone worker say false). The leader deletes a connector
   * but leaves its onDeleted hook (a slot drop, say) to the worker running its task 0, which runs it
   * once that task stopped.
   */
  taskElsewhere?(connector: string, task: number): boolean;
}

/**
 * Called after this worker's assignment changed, with the connectors whose instance or tasks moved to
 * or from it. The returned promise resolves once the herder stopped what the worker lost and started
 * what it gained: a membership waits for it before it acknowledges a revocation to the leader, so a
 * task never runs on two workers at once.
 */
export type AssignmentListener = (connectors: readonly string[]) => Promise<void>;

export interface WorkAssignment {
  current(): Assignment;
  /** Calls `listener` on every later change; returns the function that stops it. */
  subscribe(listener: AssignmentListener): () => void;
}

/** One worker runs every connector and task it stores; nothing ever moves. */
export const standaloneAssignment: WorkAssignment = {
  current: () => EVERYTHING,
  subscribe: () => () => undefined,
};

const EVERYTHING: Assignment = {
  generation: 0,
  ownsConnector: () => true,
  ownsTask: () => true,
};
