import { existsSync } from 'node:fs';
import { join } from 'node:path';

// How the host process is started, in one place for everything that starts it (the demo, the
// tests, the benchmarks); `npm start` and the Dockerfile spell the same flags out (a unit test
// keeps them equal).
//
// A young generation of 2 x 2 MB instead of V8's default 2 x 32 MB: a source keeps thousands of
// multi-KB events queued between the database and Kafka, and with large semispaces every scavenge
// copies them back and forth before they are promoted. Draining 100k Kafka Connect JSON events
// from PostgreSQL took ~35% less CPU and ~30% less peak RSS with 2 x 4 MB; neutral with Avro.
// 2 x 2 MB since: a little less again at the same CPU per event (bench memory and wide-tx, 2026-12-07, the
// compiled host, alternating: peak RSS -4 MB on a 100k-change drain, -9 MB on a 200k-row snapshot
// and on a 1 GB transaction, -3.5 MB idle; within the noise of a loaded machine one by one, but
// the same way in every scenario).
export const HOST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

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
