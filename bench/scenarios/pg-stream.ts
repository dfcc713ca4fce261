import { alternateWithCeiling, DEFAULT_SYSTEMS, type RunOutcome, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import {
  type CeilingResult,
  ceilingOf,
  producerPart,
  recordSizeOf,
  wantsCeiling,
} from '../lib/ceiling-run.ts';
import { recvlogical } from '../lib/ceiling-tools.ts';
import { ChangeCheck } from '../lib/change-check.ts';
import { sourceConfigFor } from '../lib/debezium-tuning.ts';
import { readTopics, recreateTopics, type TopicRecord, waitForRecords } from '../lib/kafka-topics.ts';
import { pgSourceConfig, pgTableIndex, pgTopics } from '../lib/pg-connector.ts';
import {
  ChangeGenerator,
  createSlot,
  currentLsn,
  dropBenchSlots,
  PG_TABLES,
  resetSchema,
  slotWalsender,
  withPg,
} from '../lib/pg-workload.ts';
import { brokerPid, CpuWindows } from '../lib/proc-usage.ts';
import { round } from '../lib/stats.ts';
import { writeStreamReport } from '../lib/stream-report.ts';
import { ratePhases, type StreamFigures, streamFigures } from '../lib/stream-run.ts';
import {
  checkFormatSystems,
  converterFormat,
  converterOf,
  convertersFor,
  DEFAULT_HEAP_MB,
  type SystemKind,
  startSystem,
} from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// pg-stream: (1) backlog drain — N mixed changes are committed into a slot created beforehand,
// then the system starts with snapshot.mode=no_data and drains exactly that backlog; timed from
// connector creation to the broker's append time of the last backlog record. (2) fixed offered
// rates — the generator commits on an open-loop schedule and the commit-to-append latency of every
// insert/update is taken from committed_at (set by clock_timestamp() just before COMMIT) and the
// topic's LogAppendTime. Then every change committed is looked up in the topics.

const SLOT = 'bench_stream';
const CEILING_SLOT = 'bench_ceiling';

type StreamRun = StreamFigures<'walsender'>;

async function runOnce(kind: SystemKind, args: BenchArgs): Promise<StreamRun> {
  const events = args.number('events', 1_000_000);
  const format = converterFormat(args.string('format', 'json'));
  const partitions = args.number('partitions', 1);
  const topics = pgTopics(PG_TABLES);
  const generator = new ChangeGenerator(args.number('workers', 4), args.number('tx-size', 10));
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    await withPg(async (client) => {
      await dropBenchSlots(client);
      await resetSchema(client);
      await recreateTopics(topics, partitions);
      await createSlot(client, SLOT);
    });
    await generator.open();
    const loadStart = performance.now();
    await generator.backlog(events);
    console.log(
      `   backlog: ${generator.changes} changes in ${generator.transactions} transactions, ${round((performance.now() - loadStart) / 1000)} s`,
    );
    const backlog = { changes: generator.changes, records: generator.changes + generator.deletes }; // each delete is followed by a tombstone

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    const broker = brokerPid();
    // The walsender is new: found once the connector streams, and charged in full.
    const cpu = new CpuWindows({ system: [system.pid], walsender: [], broker: [broker] });
    let walsender: number | undefined;
    const createdMs = Date.now();
    await system.createConnector(
      'bench-pg-stream',
      sourceConfigFor(
        kind,
        pgSourceConfig({
          slot: SLOT,
          snapshotMode: 'no_data',
          tables: PG_TABLES,
          extra: convertersFor(format),
        }),
      ),
    );
    const drained = await withPg(async (client) =>
      waitForRecords(topics, backlog.records, {
        onPoll: async () => {
          walsender ??= await slotWalsender(client, SLOT);
          if (walsender) cpu.of.walsender.track(walsender, true);
          cpu.sample();
        },
      }),
    );
    if (!drained.reached)
      console.error(`   ${kind}: drain stalled at ${drained.total}/${backlog.records} records`);
    const drainCpu = cpu.seconds();

    const { windows, phases } = await ratePhases({
      generator,
      system,
      topics,
      rates: drained.reached ? args.numbers('rates', [5000]) : [],
      warmup: args.number('warmup', 5),
      seconds: args.number('duration', 30),
      pids: { system: [system.pid], walsender: [walsender], broker: [broker] },
    });
    const peakRssMb = system.usage().peakRssMb;
    const peakHeapUsedMb = system.peakHeapUsedMb();
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(pgTableIndex(PG_TABLES), windows, drained.ends);
    if (format === 'avro') await checkAvro(topics, check);
    else await readTopics(topics, check.add);
    return streamFigures({
      kind,
      generator,
      backlog,
      reached: drained.reached,
      startedMs: createdMs,
      drainCpu,
      phases,
      peakRssMb,
      peakHeapUsedMb,
      check,
    });
  } finally {
    await system?.stop().catch(() => undefined);
    await generator.close();
    await withPg(dropBenchSlots).catch((error: unknown) =>
      console.error(`   could not drop bench slots: ${String(error)}`),
    );
  }
}

/** Reads the topics back and decodes each Avro record through the registry before checking it. */
async function checkAvro(topics: string[], check: ChangeCheck): Promise<void> {
  const records: TopicRecord[] = [];
  await readTopics(topics, (record) => records.push(record));
  const converter = converterOf('avro');
  for (const record of records) {
    if (record.value === null) {
      check.add(record);
      continue;
    }
    const key = await converter.toConnect(record.topic, true, record.key);
    const value = await converter.toConnect(record.topic, false, record.value);
    check.addDecoded(record, asStruct(key?.value), asStruct(value?.value));
  }
}

function asStruct(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * The round's ceiling: the same kind of backlog read by pg_recvlogical (pgoutput v1, as both systems
 * read it) from a slot created before the load, and Kafka's ProducerPerformance at the value
 * size the systems wrote; in source changes per second (a tombstone follows each delete).
 */
async function ceiling(args: BenchArgs, round: RunOutcome<StreamRun>[]): Promise<CeilingResult> {
  const generator = new ChangeGenerator(args.number('workers', 4), args.number('tx-size', 10));
  try {
    const endLsn = await withPg(async (client) => {
      await dropBenchSlots(client);
      await resetSchema(client);
      await createSlot(client, CEILING_SLOT);
      await generator.open();
      await generator.backlog(args.number('events', 1_000_000));
      return await currentLsn(client);
    });
    const changes = generator.changes;
    const records = changes + generator.deletes;
    const reader = await recvlogical(CEILING_SLOT, 1, endLsn, changes);
    return ceilingOf({
      pg_recvlogical: { perSec: reader.perSec, measured: reader },
      kafka_producer: await producerPart(records, recordSizeOf(round), changes / records),
    });
  } finally {
    await generator.close();
    await withPg(dropBenchSlots).catch(() => undefined);
  }
}

async function run(args: BenchArgs): Promise<void> {
  const format = converterFormat(args.string('format', 'json'));
  const kinds = systemsArg(args.string('systems', format === 'avro' ? 'onramp' : DEFAULT_SYSTEMS));
  checkFormatSystems(format, kinds);
  const { outcomes, ceilings } = await alternateWithCeiling(
    args.number('runs', 3),
    (kind) => runOnce(kind, args),
    kinds,
    wantsCeiling(args) ? (_index, round) => ceiling(args, round) : undefined,
  );
  await writeStreamReport(args, outcomes, ceilings, {
    scenario: 'pg-stream',
    database: { key: 'walsender', label: 'PG walsender' },
    connector:
      'snapshot.mode=no_data, max.batch.size=2048, max.queue.size=8192, pgoutput, publication over 3 tables',
    notes: [
      'Workload: 3 tables of 11 columns (bigint, int, text, numeric(12,2), double, boolean, 2 timestamptz, text ~100 B, jsonb); transactions of tx-size changes, 60% insert / 30% update / 10% delete, one statement each; REPLICA IDENTITY DEFAULT.',
      'Drain: slot created before the load, system started after it with snapshot.mode=no_data; time = connector creation -> LogAppendTime of the last backlog record.',
      'Latency: committed_at = clock_timestamp() inside the single-statement transaction (just before COMMIT) to the broker LogAppendTime (ms resolution); inserts and updates after the warm-up; slightly under-estimates, since the commit follows the stamp.',
      "CPU: utime+stime from /proc over the measured window, per million source changes (tombstones not counted); the walsender is the slot's active_pid.",
      "debezium = Connect and Debezium with their defaults; debezium-tuned = producer batch.size 1 MB, linger.ms 10, max.batch.size 8192, max.queue.size 32768, poll.interval.ms 50 (bench/lib/debezium-tuning.ts); Onramp gets the defaults' JSON. Ratios are against the better of the two.",
      'Ceiling (per round): the same backlog drained by pg_recvlogical (pgoutput v1) to /dev/null, and ProducerPerformance at the value size the systems wrote (1 MB batches, 5 in flight), as source changes/s; the lower of the two.',
      ...(format === 'avro'
        ? [
            "Avro (--format avro): Confluent's AvroConverter settings with the stack's schema registry, keys and values; Onramp alone (Confluent's converter is not on Maven Central). Its target is against pg_recvlogical's part of the ceiling.",
          ]
        : []),
    ],
  });
}

export const pgStream: Scenario = {
  name: 'pg-stream',
  describe:
    'PostgreSQL -> Kafka streaming: backlog drain then fixed rates (--events 1000000 --rates 5000[,20000] --duration 30 --warmup 5 --runs 3 --tx-size 10 --partitions 1 --heap-mb 1024 --systems onramp,debezium,debezium-tuned --ceiling true --format json|avro)',
  run,
};
