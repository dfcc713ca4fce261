import { existsSync } from 'node:fs';
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

/**
 * The compiled host (scripts/build.mjs), relative to the checkout: what `npm start`, the image, the
 * demo and the benchmarks run. The tests run the TypeScript sources (src/main.ts).
 */
export const COMPILED_HOST = 'dist/main.js';

export type HostBuild = 'sources' | 'compiled';

/** The arguments to `node` that start the host of the checkout at `root`, from its sources or dist/. */
export function hostNodeArgs(
  root: string = join(import.meta.dirname, '..'),
  build: HostBuild = 'sources',
): string[] {
  if (build === 'sources') return [...HOST_NODE_FLAGS, join(root, 'src', 'main.ts')];
  const main = join(root, COMPILED_HOST);
  if (!existsSync(main)) {
    // The launcher (scripts/launch.mjs) builds it before the demo, the benchmarks and `npm start`.
    throw new Error(`${main} does not exist: run \`npm run build\` (or start through scripts/launch.mjs)`);
  }
  return [...HOST_NODE_FLAGS, main];
}
