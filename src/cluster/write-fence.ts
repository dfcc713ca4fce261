// Whether this worker may still write for a connector: the Kafka stores ask before every offset and
// status write, and a source task asks before every produce request and before committing its
// offsets (to the store and to the database), so a worker that lost its place in the group (a long
// GC or SIGSTOP pause, a network partition) sends nothing more and commits nothing for a task that
// another worker runs by now. The group membership implements it (WorkerGroupMember.fence); a
// standalone worker needs none.

export interface WriteFence {
  /** Throws TASK_FENCED unless this worker is a member whose session cannot have expired yet. */
  checkMember(action: string): void;
  /**
   * Throws TASK_FENCED unless, besides, this worker runs a task of `connector` (or is still stopping
   * one it was told to give up: the final offset commit of a stopping task is legitimate).
   */
  checkConnector(connector: string, action: string): void;
  /**
   * checkMember, after the lease watchdog had a look if it has not run for a while (see confirm).
   * Rejects with TASK_FENCED.
   */
  confirmMember(action: string): Promise<void>;
  /**
   * checkConnector, after the lease watchdog had a look if it has not run for a while: right after
   * a pause the synchronous check refuses everything (the lease is unknown); this waits for the
   * watchdog's next run, so a mere stall of the event loop within the lease passes and a pause
   * beyond it is refused. Rejects with TASK_FENCED.
   */
  confirm(connector: string, action: string): Promise<void>;
}
