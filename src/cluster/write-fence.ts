// Whether this worker may still write for a connector: the Kafka stores ask before every offset and
// status write, so a worker that lost its place in the group (a long GC or SIGSTOP pause, a network
// partition) cannot commit offsets for a task that another worker runs by now. The group membership
// implements it (WorkerGroupMember.fence); a standalone worker needs none.

export interface WriteFence {
  /** Throws TASK_FENCED unless this worker is a member whose session cannot have expired yet. */
  checkMember(action: string): void;
  /**
   * Throws TASK_FENCED unless, besides, this worker runs a task of `connector` (or is still stopping
   * one it was told to give up: the final offset commit of a stopping task is legitimate).
   */
  checkConnector(connector: string, action: string): void;
}
