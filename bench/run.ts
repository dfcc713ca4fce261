import { BenchArgs } from './lib/args.ts';
import { scenarios } from './scenarios/index.ts';
import { measureStartup } from './startup.ts';

// `npm run bench -- <scenario> [--options]` (or `compare <scenario>`): benchmarks print figures and
// write bench/results/; they never pass or fail. `startup` measures Onramp alone; the others
// compare Onramp with Debezium side by side (bench/scenarios/).

const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function startup(): Promise<void> {
  const runs = [];
  for (let run = 0; run < RUNS; run++) runs.push(await measureStartup());
  const ready = median(runs.map((run) => run.readyMs));
  const rss = median(runs.map((run) => run.rssMb));
  console.log(`startup: REST ready in ${ready.toFixed(0)} ms (median of ${RUNS}; target < 1000 ms)`);
  console.log(`startup: idle RSS ${rss.toFixed(1)} MB (median of ${RUNS}; target < 100 MB)`);
}

const args = new BenchArgs(process.argv.slice(2));
const known = new Map<string, (args: BenchArgs) => Promise<void>>([
  ['startup', startup],
  ...scenarios.map((scenario) => [scenario.name, scenario.run] as const),
]);
const wanted = args.names.filter((name) => name !== 'compare');
if (wanted.length === 0 || args.flag('help')) {
  console.log(
    'usage: npm run bench -- [compare] <scenario> [--options]\n  startup: Onramp start-up time and idle RSS',
  );
  for (const scenario of scenarios) console.log(`  ${scenario.name}: ${scenario.describe}`);
  process.exit(wanted.length === 0 && !args.flag('help') ? 2 : 0);
}
for (const name of wanted) {
  const scenario = known.get(name);
  if (!scenario) {
    console.error(`unknown scenario '${name}'; known: ${[...known.keys()].join(', ')}`);
    process.exit(2);
  }
  await scenario(args);
}
// kafkajs and pg may leave sockets half-closed; the results are written, so leave.
process.exit(0);
