import { measureStartup } from './startup.ts';

// `npm run bench -- <scenario>`: benchmarks print figures, they never pass or fail. Scenarios that
// compare with Debezium (pg-stream, pg-snapshot, mysql-*, sinks) arrive with the benchmark issue.

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

const scenarios: Record<string, () => Promise<void>> = { startup };
const wanted = process.argv.slice(2).filter((arg) => arg !== 'compare');
const names = wanted.length > 0 ? wanted : Object.keys(scenarios);
for (const name of names) {
  const scenario = scenarios[name];
  if (!scenario) {
    console.error(`unknown scenario '${name}'; known: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  await scenario();
}
