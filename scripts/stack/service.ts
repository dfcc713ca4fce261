// What the stack needs of each service module. The orchestration (index.ts) decides when to call
// what: a service whose pid file is ours and whose real check passes is left alone.
export interface StackService {
  /** File-name friendly id: logs/<name>.log, run/<name>.pid. */
  readonly name: string;
  readonly title: string;
  readonly port: number;
  readonly endpoint: string;
  /** A substring of the running process's command line, to tell our process from a reused pid. */
  readonly processMatch: string;
  /** Installs what is missing; quick when everything is in place. */
  install(): Promise<void>;
  /** Starts the process detached, writes its pid file, bootstraps users/databases; waits until ready. */
  start(): Promise<void>;
  /**
   * Brings a process that already runs up to the settings start() would give it (e.g. TLS turned on
   * since it started): a reload, or a restart when the service has no other way. Quick when current.
   */
  refresh?(): Promise<void>;
  /** A real request against the service (a query, a metadata call, an HTTP call), not a port probe. */
  isReady(): Promise<boolean>;
  /** Stops the process our pid file names; false when there was none. */
  stop(): Promise<boolean>;
  /** Finds our own process when the pid file is gone (it writes the pid file again), if the service can. */
  adopt?(): number | undefined;
}
