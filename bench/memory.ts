import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { BenchArgs } from './lib/args.ts';
import { deleteTopics, recreateTopics, waitForRecords } from './lib/kafka-topics.ts';
import { pgSourceConfig } from './lib/pg-connector.ts';
import { ChangeGenerator, fillTable, PG_SCHEMA, PG_TABLES, resetSchema, withPg } from './lib/pg-workload.ts';
import { machine, type ScenarioResult, today, writeResult } from './lib/results.ts';
import { median, round } from './lib/stats.ts';
import { startSystem } from './lib/systems.ts';

// memory: where Onramp's RSS goes under load, and what process-level settings change it. Onramp
// alone drains a pg-stream backlog (`--mode stream`, --events mixed changes) or snapshots one
// table (`--mode snapshot`, --rows rows), once per variant, variants alternating for --runs
// rounds. A variant is `default` or a `;`-separated list of environment settings (NAME=value,
// e.g. MALLOC_ARENA_MAX=2), Node/V8 flags (--name[=value]) for the host process only, after the
// host's own (src/host-command.ts), so a variant may override one (--max-semi-space-size=4), and
// connector settings (connector.max.queue.size.in.bytes=2097152); with
// ONRAMP_BENCH_HOST_MAIN=<path of a copy of dist/main.js> a variant runs another build.
// Every 250 ms it samples /proc/<pid>/status (VmRSS, RssAnon, RssFile) and /metrics (V8 heap
// used and total; external memory: Buffers and other memory V8 is told about), and reports the
// peaks, the breakdown at the RSS peak, events/s, the host's CPU and the load.
//
// Its own slot (`memory_slot`), topic prefix (`benchmem`) and connector: it leaves other
// scenarios' `bench_*` slots alone, but it does reset schema `bench` of PG_URL's database: run it
// alone, or point PG_URL at a database of its own.

/** The replication slot (cluster-wide: ONRAMP_BENCH_SLOT gives a run its own beside others'). */
const SLOT = process.env.ONRAMP_BENCH_SLOT || 'memory_slot';
const PREFIX = 'benchmem';
const BIG_TABLE = 'big';

interface Sample {
  rssMb: number;
  anonMb: number;
  fileMb: number;
  heapUsedMb?: number;
  heapTotalMb?: number;
  externalMb?: number;
}

interface MemoryRun {
  variant: string;
  mode: string;
  reached: boolean;
  changes: number;
  seconds: number;
  eventsPerSecond: number;
  cpuSecondsPerMillion: number;
  peakRssMb: number;
  peakAnonMb: number;
  fileMb: number;
  peakHeapUsedMb: number;
  peakHeapTotalMb: number;
  peakExternalMb: number;
  /** The sample with the highest RSS: what it was made of then. */
  atPeakRss: Sample;
  loadAverage: [number, number];
}

const MB = 2 ** 20;

function statusMb(text: string, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN) / 1024;
}

function gaugeMb(metrics: string, name: string): number | undefined {
  const match = new RegExp(`^\\w*${name} (\\S+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) / MB : undefined;
}

/** Samples the host every 250 ms until stopped; keeps every sample. */
class MemorySampler {
  readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  private readonly pid: number;
  private readonly restUrl: string;

  constructor(pid: number, restUrl: string) {
    this.pid = pid;
    this.restUrl = restUrl;
    this.timer = setInterval(() => void this.sample(), 250);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const sample: Sample = {
        rssMb: statusMb(status, 'VmRSS'),
        anonMb: statusMb(status, 'RssAnon'),
        fileMb: statusMb(status, 'RssFile'),
      };
      try {
        const metrics = await (
          await fetch(`${this.restUrl}/metrics`, { signal: AbortSignal.timeout(1000) })
        ).text();
        sample.heapUsedMb = gaugeMb(metrics, 'nodejs_heap_size_used_bytes');
        sample.heapTotalMb = gaugeMb(metrics, 'nodejs_heap_size_total_bytes');
        sample.externalMb = gaugeMb(metrics, 'nodejs_external_memory_bytes');
      } catch {
        // REST not up yet: /proc alone this time.
      }
      this.samples.push(sample);
    } catch {
      // The process is gone.
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  peak(pick: (sample: Sample) => number | undefined): number {
    return round(Math.max(0, ...this.samples.map((sample) => pick(sample) ?? 0)));
  }
}

interface VariantSettings {
  env: Record<string, string>;
  flags: string[];
  /** `connector.<key>=value` parts: settings of the connector under test. */
  connector: Record<string, string>;
}

/** Environment, Node flags and connector settings of a variant (`default`: none). */
function variantSettings(variant: string): VariantSettings {
  const settings: VariantSettings = { env: {}, flags: [], connector: {} };
  if (variant === 'default') return settings;
  for (const part of variant.split(';').map((text) => text.trim())) {
    if (part === '') continue;
    if (part.startsWith('--')) settings.flags.push(part);
    else {
      const [name, value] = part.split('=', 2) as [string, string | undefined];
      if (value === undefined) throw new Error(`variant part '${part}' is neither NAME=value nor --flag`);
      if (name.startsWith('connector.')) settings.connector[name.slice('connector.'.length)] = value;
      else settings.env[name] = value;
    }
  }
  return settings;
}

/** Fills the tables (or the slot's backlog); the changes and the records they make in Kafka. */
async function prepare(
  mode: string,
  size: number,
  topics: string[],
): Promise<{ changes: number; records: number }> {
  const dropSlot =
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1';
  await withPg(async (client) => {
    await client.query(dropSlot, [SLOT]);
    await resetSchema(client, mode === 'snapshot' ? [BIG_TABLE] : []);
    if (mode === 'snapshot') {
      for (const table of PG_TABLES) await fillTable(client, table, 1000);
      await fillTable(client, BIG_TABLE, size);
      await client.query('CHECKPOINT');
    } else await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
  });
  await recreateTopics(topics, 1);
  if (mode === 'snapshot') return { changes: size + 3 * 1000, records: size + 3 * 1000 };
  const generator = new ChangeGenerator(4, 10);
  await generator.open();
  try {
    await generator.backlog(size);
  } finally {
    await generator.close();
  }
  // Every delete is followed by a tombstone.
  return { changes: generator.changes, records: generator.changes + generator.deletes };
}

async function runOnce(variant: string, mode: string, size: number): Promise<MemoryRun> {
  const tables = mode === 'snapshot' ? [...PG_TABLES, BIG_TABLE] : [...PG_TABLES];
  const topics = tables.map((table) => `${PREFIX}.${PG_SCHEMA}.${table}`);
  const { changes, records } = await prepare(mode, size, topics);
  const { env, flags, connector } = variantSettings(variant);
  const saved = { ...process.env };
  Object.assign(process.env, env, {
    ONRAMP_BENCH_NODE_FLAGS: [process.env.ONRAMP_BENCH_NODE_FLAGS ?? '', ...flags].join(' ').trim(),
  });
  const system = await startSystem('onramp').finally(() => {
    process.env = saved;
  });
  const sampler = new MemorySampler(system.pid, system.restUrl);
  const load0 = loadavg()[0] ?? 0;
  try {
    const cpuBefore = system.usage().cpuSeconds;
    const started = performance.now();
    await system.createConnector(`bench-memory-${mode}`, {
      ...pgSourceConfig({ slot: SLOT, snapshotMode: mode === 'snapshot' ? 'initial' : 'no_data', tables }),
      'topic.prefix': PREFIX,
      ...connector,
    });
    const drained = await waitForRecords(topics, records);
    const seconds = (performance.now() - started) / 1000;
    const usage = system.usage();
    sampler.stop();
    const atPeakRss = sampler.samples.reduce<Sample>(
      (best, sample) => (sample.rssMb > best.rssMb ? sample : best),
      { rssMb: 0, anonMb: 0, fileMb: 0 },
    );
    return {
      variant,
      mode,
      reached: drained.reached,
      changes,
      seconds: round(seconds, 2),
      eventsPerSecond: Math.round(changes / seconds),
      cpuSecondsPerMillion: round(((usage.cpuSeconds - cpuBefore) / changes) * 1e6),
      peakRssMb: round(usage.peakRssMb),
      peakAnonMb: sampler.peak((sample) => sample.anonMb),
      fileMb: round(atPeakRss.fileMb),
      peakHeapUsedMb: sampler.peak((sample) => sample.heapUsedMb),
      peakHeapTotalMb: sampler.peak((sample) => sample.heapTotalMb),
      peakExternalMb: sampler.peak((sample) => sample.externalMb),
      atPeakRss: Object.fromEntries(
        Object.entries(atPeakRss).map(([key, value]) => [key, round(value ?? 0)]),
      ) as unknown as Sample,
      loadAverage: [round(load0, 2), round(loadavg()[0] ?? 0, 2)],
    };
  } finally {
    sampler.stop();
    await system.stop();
    await withPg((client) =>
      client.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [SLOT],
      ),
    ).catch(() => undefined);
    await deleteTopics(topics).catch(() => undefined);
  }
}

/**
 * `npm run bench -- memory [--mode stream|snapshot] [--events 100000] [--rows 200000] [--runs 2]
 * [--variants='default|MALLOC_ARENA_MAX=2|--max-semi-space-size=2']` (with `=`: a value that starts
 * with `--` is otherwise read as the next option)
 */
export async function memoryScenario(args: BenchArgs): Promise<void> {
  const mode = args.string('mode', 'stream');
  if (mode !== 'stream' && mode !== 'snapshot')
    throw new Error(`--mode must be stream or snapshot, not '${mode}'`);
  const size = mode === 'snapshot' ? args.number('rows', 200_000) : args.number('events', 100_000);
  const variants = args
    .string('variants', 'default')
    .split('|')
    .map((variant) => variant.trim())
    .filter((variant) => variant !== '');
  const rounds = args.number('runs', 2);
  const loadBefore = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const runs: MemoryRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      console.log(`-- memory ${mode} ${size}, round ${round}/${rounds}: ${variant}`);
      const run = await runOnce(variant, mode, size);
      runs.push(run);
      console.log(
        `   ${run.reached ? 'done' : 'STALLED'}: ${run.eventsPerSecond} ev/s, ${run.cpuSecondsPerMillion} CPU s/M, peak RSS ${run.peakRssMb} MB (anon ${run.peakAnonMb}), heap used/total ${run.peakHeapUsedMb}/${run.peakHeapTotalMb} MB, external ${run.peakExternalMb} MB`,
      );
    }
  }
  const loadAfter = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const of = (variant: string) => runs.filter((run) => run.variant === variant);
  const med = (variant: string, pick: (run: MemoryRun) => number) => round(median(of(variant).map(pick)));
  const figures: [string, (run: MemoryRun) => number][] = [
    ['events/s', (run) => run.eventsPerSecond],
    ['CPU s per M events (host)', (run) => run.cpuSecondsPerMillion],
    ['peak RSS, MB (VmHWM)', (run) => run.peakRssMb],
    ['peak RSS: anonymous, MB', (run) => run.peakAnonMb],
    ['RSS: file-backed, MB', (run) => run.fileMb],
    ['peak V8 heap used, MB', (run) => run.peakHeapUsedMb],
    ['peak V8 heap total, MB', (run) => run.peakHeapTotalMb],
    ['peak external (Buffers), MB', (run) => run.peakExternalMb],
    [
      'at the RSS peak: heap total + external, MB',
      (run) => (run.atPeakRss.heapTotalMb ?? 0) + (run.atPeakRss.externalMb ?? 0),
    ],
    ['1-min load average at start', (run) => run.loadAverage[0]],
  ];
  const result: ScenarioResult = {
    scenario: 'memory',
    date: today(),
    machine: { ...machine(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    versions: { node: process.version },
    settings: { mode, size, rounds, variants, given: args.given() },
    runs,
    summary: Object.fromEntries(
      variants.map((variant) => [
        variant,
        Object.fromEntries(figures.map(([name, pick]) => [name, med(variant, pick)])),
      ]),
    ),
    table: {
      columns: [`memory ${mode} (medians of ${rounds})`, ...variants],
      rows: figures.map(([name, pick]) => [name, ...variants.map((variant) => med(variant, pick))]),
    },
    notes: [
      mode === 'stream'
        ? `Onramp alone, the compiled host, drains a backlog of ${size} pg-stream changes (3 tables of 11 columns, 60/30/10 insert/update/delete, transactions of 10) from a slot created before the load; JSON with schemas.`
        : `Onramp alone, the compiled host, snapshots a table of ${size} pg-stream rows (plus 3 of 1000); JSON with schemas.`,
      "Sampled every 250 ms: /proc/<pid>/status VmRSS, RssAnon, RssFile; /metrics nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes, nodejs_external_memory_bytes (Buffers and other memory V8 is told about). Peak RSS is VmHWM. File-backed RSS is mostly the node binary's code pages.",
      'Variants alternate run by run; a variant is environment settings and Node flags for the host process only (bench/memory.ts).',
      `Shared 2-core machine: 1-minute load average ${loadBefore.split(' ')[0]} before, ${loadAfter.split(' ')[0]} after.`,
    ],
  };
  const file = writeResult(result);
  console.log(`memory: wrote ${file}`);
}
