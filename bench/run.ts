import { brokerReturnScenario } from './broker-return.ts';
import { clusterScaleScenario } from './cluster-scale.ts';
import { BenchArgs } from './lib/args.ts';
import { setResultLabel } from './lib/results.ts';
import { memoryScenario } from './memory.ts';
import { scenarios } from './scenarios/index.ts';
import { startupScenario } from './startup.ts';
import { wideTransactionScenario } from './wide-transaction.ts';

// `npm run bench -- <scenario> [--options]` (or `compare <scenario>`): benchmarks print figures and
// write bench/results/; they never pass or fail. `startup` measures Onramp alone; the others
// compare Onramp with Debezium side by side (bench/scenarios/).

const args = new BenchArgs(process.argv.slice(2));
setResultLabel(args.string('label', ''));
const known = new Map<string, (args: BenchArgs) => Promise<void>>([
  ['startup', startupScenario],
  ['wide-tx', wideTransactionScenario],
  ['cluster-scale', clusterScaleScenario],
  ['broker-return', brokerReturnScenario],
  ['memory', memoryScenario],
  ...scenarios.map((scenario) => [scenario.name, scenario.run] as const),
]);
const wanted = args.names.filter((name) => name !== 'compare');
if (wanted.length === 0 || args.flag('help')) {
  console.log(
    'usage: npm run bench -- [compare] <scenario> [--options]\n  startup: Onramp start-up time, idle RSS and heap (compiled and TypeScript builds)\n  wide-tx: Onramp memory on one ~1 GB transaction of wide rows, by max.queue.size.in.bytes\n  cluster-scale: Onramp alone, mode: distributed: 200 connectors of a test source over 3 workers, rebalance time after a worker joins or leaves, RSS per worker\n  broker-return: Onramp alone: a killed broker restarts -> the first new event in Kafka (ms), nothing lost\n  memory: Onramp alone: RSS, V8 heap and Buffers while draining a pg-stream backlog or a snapshot, by process settings (--variants)',
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
