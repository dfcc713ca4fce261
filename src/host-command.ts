import { existsSync } from 'node:fs';
import { join } from 'node:path';

// How the host process is started, in one place for everything that starts it (the demo, the
// tests, the benchmarks); `npm start` and the Dockerfile spell the same flags out (a unit test
// keeps them equal).
//
// A young generation of a few MB instead of V8's default 2 x 32 MB: a source keeps thousands of
// multi-KB events queued between the database and Kafka, and with large semispaces every scavenge
// copies them back and forth before they are promoted. Draining 100k Kafka Connect JSON events
// from PostgreSQL took ~35% less CPU and ~30% less peak RSS with 2 x 4 MB; neutral with Avro.
// 2 x 2 MB since: a little less again at the same CPU per event (bench memory and wide-tx, 2026-12-07, the
// compiled host, alternating: peak RSS -4 MB on a 100k-change drain, -9 MB on a 200k-row snapshot
// and on a 1 GB transaction, -3.5 MB idle; within the noise of a loaded machine one by one, but
// the same way in every scenario).
// 2 x 8 MB since (issue 17, item 2): at a steady 5k changes/s the records live a produce round trip
// or more, which 2 MB (a scavenge every ~10 ms at ~200 MB/s of allocation) outlasts, so most of each
// record was copied and promoted: 370-450 scavenges taking 0.7-1.4 s of every 5 s on the event loop,
// and on a contended machine the latency fed on itself (more latency, more survivors, more GC).
// bench mysql-stream at 5k/s, runs alternating at load 6-8: GC 0.25-0.6 s per 5 s with 8 MB,
// p50 6.6 / p99 255 ms, vs p50 53-156 / p99 652-1630 ms with 2 MB (16 MB: GC 0.2-0.35 s, p99
// 121 ms, but peak RSS +15 MB); peak RSS with 8 MB as with 2 MB (282 vs 280-284 MB).
export const HOST_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

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
