import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchArgs } from '../lib/args.ts';
import {
  type BinlogMeasured,
  kafkaToolsVersion,
  type Measured,
  mariadbBinlog,
  type ProducerMeasured,
  producerPerformance,
  recvlogical,
} from '../lib/ceiling-tools.ts';
import {
  type BinlogPosition,
  binlogPosition,
  createBenchDatabase,
  dropBenchDatabases,
  MysqlChangeGenerator,
  withMysql,
} from '../lib/mysql-workload.ts';
import {
  ChangeGenerator,
  createSlot,
  currentLsn,
  dropBenchSlots,
  resetSchema,
  withPg,
} from '../lib/pg-workload.ts';
import { machine, RESULTS_DIR, today, versions, writeResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import type { Scenario } from './scenario.ts';

// ceilings: what no CDC tool on this machine can beat. (1) pg_recvlogical draining the same kind
// of backlog pg-stream uses, with pgoutput protocol 1 and 2, to /dev/null (decoding in the
// walsender plus the wire, nothing else). (2) mariadb-binlog --read-from-remote-server reading the
// binlog range of a backlog built like mysql-stream's: decoded to /dev/null (event headers parsed,
// row events printed as base64 BINLOG statements, exactly the backlog's range), and --raw (bytes
// copied to a scratch folder, from the backlog's start to the end of its last file: raw mode ignores
// --stop-position). (3) Kafka's ProducerPerformance at our JSON record size with the producer
// settings both systems use (acks=all, idempotence, one request in flight). `--parts` picks some.

const KAFKA_TOPIC = 'bench.ceiling.producer';

/** The average JSON value size of the newest pg-stream result, so the producer test sends what we send. */
function recordSizeFromResults(): number | undefined {
  if (!existsSync(RESULTS_DIR)) return undefined;
  const newest = readdirSync(RESULTS_DIR)
    .filter((name) => name.endsWith('-pg-stream.json'))
    .sort()
    .pop();
  if (!newest) return undefined;
  const result = JSON.parse(readFileSync(join(RESULTS_DIR, newest), 'utf8')) as {
    runs: { result?: { avgValueBytes?: number } }[];
  };
  return (
    median(result.runs.flatMap((run) => (run.result?.avgValueBytes ? [run.result.avgValueBytes] : []))) ||
    undefined
  );
}

/** A mysql-stream-like backlog of `events` changes in a fresh database: the binlog range it spans. */
async function mariadbBacklog(
  events: number,
  workers: number,
  txSize: number,
): Promise<{ from: BinlogPosition; to: BinlogPosition; changes: number }> {
  const { database, from } = await withMysql(async (connection) => {
    const created = await createBenchDatabase(connection, `ceiling_${Date.now().toString(36)}`);
    return { database: created, from: await binlogPosition(connection) };
  });
  const generator = new MysqlChangeGenerator(database, workers, txSize);
  try {
    await generator.open();
    await generator.backlog(events);
  } finally {
    await generator.close();
  }
  return { from, to: await withMysql(binlogPosition), changes: generator.changes };
}

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const parts = new Set(args.string('parts', 'pg,mariadb,kafka').split(','));
  const events = args.number('events', 1_000_000);
  const records = args.number('kafka-records', 200_000);
  const recordSize = Math.round(args.number('record-size', recordSizeFromResults() ?? 4096));
  const raw: {
    run: number;
    pgoutputV1?: Measured;
    pgoutputV2?: Measured;
    kafkaProducer?: ProducerMeasured;
    kafkaProducerBatched?: ProducerMeasured;
    mariadbBinlogDecoded?: BinlogMeasured;
    mariadbBinlogRaw?: BinlogMeasured;
    error?: string;
  }[] = [];
  for (let index = 0; index < runs; index++) {
    console.log(`-- ceilings run ${index + 1}/${runs}`);
    const entry: (typeof raw)[number] = { run: index };
    raw.push(entry);
    const generator = new ChangeGenerator(args.number('workers', 4), args.number('tx-size', 10));
    try {
      if (parts.has('mariadb')) {
        const backlog = await mariadbBacklog(events, args.number('workers', 4), args.number('tx-size', 10));
        entry.mariadbBinlogDecoded = await mariadbBinlog(backlog.from, backlog.to, backlog.changes, false);
        entry.mariadbBinlogRaw = await mariadbBinlog(backlog.from, backlog.to, backlog.changes, true);
        await withMysql(dropBenchDatabases);
        console.log(
          `   mariadb-binlog: decoded ${entry.mariadbBinlogDecoded.perSec} changes/s (${entry.mariadbBinlogDecoded.mbPerSec} MB/s), raw ${entry.mariadbBinlogRaw.perSec} changes/s (${entry.mariadbBinlogRaw.mbPerSec} MB/s)`,
        );
      }
      if (!parts.has('pg') && !parts.has('kafka')) continue;
      if (!parts.has('pg')) throw new Error('--parts: kafka needs pg (it runs after the PostgreSQL ceiling)');
      const endLsn = await withPg(async (client) => {
        await dropBenchSlots(client);
        await resetSchema(client);
        // Two slots created before the load see the very same backlog.
        await createSlot(client, 'bench_ceiling_v1');
        await createSlot(client, 'bench_ceiling_v2');
        await generator.open();
        await generator.backlog(events);
        return await currentLsn(client);
      });
      entry.pgoutputV1 = await recvlogical('bench_ceiling_v1', 1, endLsn, generator.changes);
      entry.pgoutputV2 = await recvlogical('bench_ceiling_v2', 2, endLsn, generator.changes);
      console.log(
        `   pg_recvlogical: v1 ${entry.pgoutputV1.perSec} changes/s, v2 ${entry.pgoutputV2.perSec} changes/s`,
      );
      if (!parts.has('kafka')) continue;
      entry.kafkaProducer = await producerPerformance(KAFKA_TOPIC, records, recordSize, 'connect');
      entry.kafkaProducerBatched = await producerPerformance(KAFKA_TOPIC, records, recordSize, 'batched');
      console.log(
        `   ProducerPerformance (${recordSize} B, acks=all): ${entry.kafkaProducer.perSec} records/s with Connect's batching, ${entry.kafkaProducerBatched.perSec} with 1 MB batches`,
      );
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      console.error(`   ceilings run ${index + 1} FAILED: ${entry.error}`);
    } finally {
      await generator.close();
      await withPg(dropBenchSlots).catch((error: unknown) =>
        console.error(`   could not drop bench slots: ${String(error)}`),
      );
    }
  }
  const med = (pick: (entry: (typeof raw)[number]) => number | undefined) =>
    round(median(raw.flatMap((entry) => (pick(entry) === undefined ? [] : [pick(entry) as number]))), 0);
  const summary = {
    pgRecvlogicalV1PerSec: med((e) => e.pgoutputV1?.perSec),
    pgRecvlogicalV2PerSec: med((e) => e.pgoutputV2?.perSec),
    walsenderCpuPerMillionV1: round(
      median(
        raw.flatMap((e) => (e.pgoutputV1 ? [((e.pgoutputV1.cpuSeconds.walsender ?? 0) / events) * 1e6] : [])),
      ),
      1,
    ),
    kafkaProducerPerSec: med((e) => e.kafkaProducer?.perSec),
    kafkaProducerMbPerSec: round(
      median(raw.flatMap((e) => (e.kafkaProducer ? [e.kafkaProducer.mbPerSec] : []))),
      2,
    ),
    kafkaProducerBatchedPerSec: med((e) => e.kafkaProducerBatched?.perSec),
    kafkaProducerBatchedMbPerSec: round(
      median(raw.flatMap((e) => (e.kafkaProducerBatched ? [e.kafkaProducerBatched.mbPerSec] : []))),
      2,
    ),
    mariadbBinlogDecodedPerSec: med((e) => e.mariadbBinlogDecoded?.perSec),
    mariadbBinlogDecodedMbPerSec: round(
      median(raw.flatMap((e) => (e.mariadbBinlogDecoded ? [e.mariadbBinlogDecoded.mbPerSec] : []))),
      2,
    ),
    mariadbBinlogRawPerSec: med((e) => e.mariadbBinlogRaw?.perSec),
    mariadbBinlogRawMbPerSec: round(
      median(raw.flatMap((e) => (e.mariadbBinlogRaw ? [e.mariadbBinlogRaw.mbPerSec] : []))),
      2,
    ),
    failed: raw.some((entry) => entry.error),
  };
  const toolsVersion = await kafkaToolsVersion();
  const file = writeResult({
    scenario: 'ceilings',
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: {
      events,
      runs,
      kafkaRecords: records,
      recordSize,
      txSize: args.number('tx-size', 10),
      parts: [...parts].join(','),
      given: args.given(),
    },
    runs: raw,
    summary,
    table: {
      columns: ['ceiling (medians)', 'per second'],
      rows: [
        ['pg_recvlogical, pgoutput proto_version=1, changes/s', summary.pgRecvlogicalV1PerSec],
        ['pg_recvlogical, pgoutput proto_version=2 streaming=on, changes/s', summary.pgRecvlogicalV2PerSec],
        ['  walsender CPU s per M changes (v1)', summary.walsenderCpuPerMillionV1],
        [
          `ProducerPerformance ${recordSize} B, acks=all, Connect's batching, records/s`,
          summary.kafkaProducerPerSec,
        ],
        ['  MB/s', summary.kafkaProducerMbPerSec],
        [
          `ProducerPerformance ${recordSize} B, acks=all, 1 MB batches, records/s`,
          summary.kafkaProducerBatchedPerSec,
        ],
        ['  MB/s', summary.kafkaProducerBatchedMbPerSec],
        [
          'mariadb-binlog --read-from-remote-server, decoded to /dev/null, changes/s',
          summary.mariadbBinlogDecodedPerSec,
        ],
        ['  MB/s of binlog', summary.mariadbBinlogDecodedMbPerSec],
        ['mariadb-binlog --read-from-remote-server --raw, changes/s', summary.mariadbBinlogRawPerSec],
        ['  MB/s of binlog', summary.mariadbBinlogRawMbPerSec],
      ],
    },
    notes: [
      "pg_recvlogical drains a backlog built like pg-stream's (same tables, mix and transaction size) from a slot created before the load, up to the WAL end (-E), to /dev/null.",
      "mariadb-binlog (MariaDB's client, --read-from-remote-server) reads the binlog range of a backlog built like mysql-stream's (same tables, mix and transaction size, fresh database): once decoded to /dev/null (--start/--stop-position exactly the backlog; event headers parsed, row events printed as base64 BINLOG statements, rows not decoded), once --raw into a scratch folder (from the backlog's start to the end of its last binlog file, since raw mode ignores --stop-position; MB/s counts what was copied). changes/s = backlog changes / wall time of the process.",
      `ProducerPerformance: org.apache.kafka.tools.ProducerPerformance ${toolsVersion} (the stack's Kafka install), one partition, acks=all, enable.idempotence=true, no compression; once with Connect's default batching (max.in.flight=1, linger.ms=0, batch.size=16384), once with 1 MB batches (linger.ms=10, max.in.flight=5); record size = median JSON value size of the newest pg-stream result unless --record-size.`,
    ],
  });
  console.log(`ceilings: ${JSON.stringify(summary)}`);
  console.log(`ceilings: results in ${file}`);
}

export const ceilings: Scenario = {
  name: 'ceilings',
  describe:
    'pg_recvlogical (pgoutput v1/v2), mariadb-binlog (decoded, raw) and Kafka ProducerPerformance ceilings (--events 1000000 --kafka-records 200000 --record-size <bytes> --runs 3 --parts pg,mariadb,kafka)',
  run,
};
