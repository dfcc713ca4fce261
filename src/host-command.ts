import { join } from 'node:path';

// How the host process is started, in one place for everything that starts it (the demo, the
// tests, the benchmarks); `npm start` and the Dockerfile spell the same flags out (a unit test
// keeps them equal).
//
// A young generation of 2 x 4 MB instead of V8's default 2 x 32 MB: a source keeps thousands of
// multi-KB events queued between the database and Kafka, and with large semispaces every scavenge
// copies them back and forth before they are promoted. Draining 100k Kafka Connect JSON events
// from PostgreSQL took ~35% less CPU and ~30% less peak RSS with it; neutral with Avro.
export const HOST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The arguments to `node` that start the host of the checkout at `root`. */
export function hostNodeArgs(root: string = join(import.meta.dirname, '..')): string[] {
  return [...HOST_NODE_FLAGS, join(root, 'src', 'main.ts')];
}
