// Whether something already listens on a loopback port: before starting a service, a port that answers
// without our pid file behind it belongs to someone else, and we say so instead of fighting over it.
import { createConnection } from 'node:net';

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
