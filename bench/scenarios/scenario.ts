import type { BenchArgs } from '../lib/args.ts';

// A benchmark scenario: `npm run bench -- compare <name> [--options]`. New ones (mysql-stream,
// mysql-snapshot, mysql-sink, pg-sink) are a file beside this one plus a line in index.ts.

export interface Scenario {
  name: string;
  /** One line for the usage message: what it measures and its options. */
  describe: string;
  run(args: BenchArgs): Promise<void>;
}
