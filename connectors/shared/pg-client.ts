import type pg from 'pg';

// pg.Client leaves two traps behind a connect() that fails:
// - a port Node refuses (70000, -1) makes the socket's connect throw synchronously, after pg armed
//   its connectionTimeoutMillis timer and before it listened for socket errors: when the timer
//   fires it destroys the socket with an error nobody listens to, and the process exits;
// - end() on such a client waits for a socket 'close' that never comes.
// So: a client keeps an 'error' listener for its whole life (errors after connect reach the caller
// through its own listener and through its queries), and a client whose connect failed is torn
// down here, synchronously, without end().

const ignore = () => {};

interface ClientInternals {
  connectionTimeoutHandle?: NodeJS.Timeout;
  connection?: { stream?: { on(event: 'error', listener: () => void): unknown; destroy?(): void } };
}

/** Connects `client`; when that fails, tears it down (nothing of it can emit later) and rethrows. */
export async function connectClient(client: pg.Client): Promise<void> {
  client.on('error', ignore);
  try {
    await client.connect();
  } catch (error) {
    discardClient(client);
    throw error;
  }
}

/** Releases a client that never connected (or is beyond use): its timer, its socket, its errors. */
export function discardClient(client: pg.Client): void {
  if (client.listenerCount('error') === 0) client.on('error', ignore);
  const internals = client as unknown as ClientInternals;
  clearTimeout(internals.connectionTimeoutHandle);
  const stream = internals.connection?.stream;
  stream?.on('error', ignore);
  stream?.destroy?.();
}
