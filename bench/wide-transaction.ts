import { loadavg } from 'node:os';
import { HOST_NODE_FLAGS } from '../src/host-command.ts';
import type { BenchArgs } from './lib/args.ts';
import { deleteTopics, recreateTopics, waitForRecords } from './lib/kafka-topics.ts';
import { pgSourceConfig } from './lib/pg-connector.ts';
import { withPg } from './lib/pg-workload.ts';
import { machine, type ScenarioResult, today, writeResult } from './lib/results.ts';
import { startSystem } from './lib/systems.ts';

// Memory on one large transaction of wide rows: `--rows` rows of `--row-kb` KiB of text each (2000
// x 512 KiB = 1.05 GB by default), inserted in one transaction, streamed by Onramp alone (Kafka
// Connect JSON without schemas) with max.queue.size.in.bytes at each of `--queue-bytes` (0 = no
// bound by bytes, only max.queue.size's 8192 records). Peak RSS (VmHWM) and the highest V8 heap
// in use sampled on /metrics, per setting. Everything here is named wide_tx*, apart from the
// bench_* names other scenarios clean up, so it can run beside them.

const SCHEMA = 'wide_tx';
const TABLE = 'rows';
const SLOT = 'wide_tx_slot';
const PUBLICATION_NAME = 'wide_tx_pub';
const PREFIX = 'widetx';
const TOPIC = `${PREFIX}.${SCHEMA}.${TABLE}`;

interface WideRun {
  queueBytes: number;
  rows: number;
  rowKb: number;
  reached: boolean;
  seconds: number;
  peakRssMb: number;
  peakHeapUsedMb: number | null;
}

async function prepare(rows: number, rowKb: number): Promise<void> {
  await withPg(async (client) => {
    await client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [SLOT],
    );
    await client.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION_NAME}`);
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    await client.query(`CREATE TABLE ${SCHEMA}.${TABLE} (id int PRIMARY KEY, body text NOT NULL)`);
    // Stored uncompressed, so the server's TOAST compression does not shrink the WAL it decodes.
    await client.query(`ALTER TABLE ${SCHEMA}.${TABLE} ALTER COLUMN body SET STORAGE EXTERNAL`);
    await client.query(`CREATE PUBLICATION ${PUBLICATION_NAME} FOR TABLE ${SCHEMA}.${TABLE}`);
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
    // One transaction; each row's text is its own md5 repeated (storage EXTERNAL: no compression).
    await client.query(
      `INSERT INTO ${SCHEMA}.${TABLE} SELECT g, repeat(md5(g::text), $2::int * 32) FROM generate_series(1, $1::int) g`,
      [rows, rowKb],
    );
  });
  await recreateTopics([TOPIC]);
}

async function cleanUp(): Promise<void> {
  await withPg(async (client) => {
    await client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [SLOT],
    );
    await client.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION_NAME}`);
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }).catch((error: unknown) => console.error(`   wide-tx clean-up failed: ${String(error)}`));
  await deleteTopics([TOPIC]).catch(() => undefined);
}

async function runOnce(queueBytes: number, rows: number, rowKb: number): Promise<WideRun> {
  await prepare(rows, rowKb);
  const system = await startSystem('onramp');
  try {
    const started = performance.now();
    await system.createConnector('bench-wide-tx', {
      ...pgSourceConfig({ slot: SLOT, snapshotMode: 'no_data', tables: [] }),
      'topic.prefix': PREFIX,
      'publication.name': PUBLICATION_NAME,
      'table.include.list': `${SCHEMA}.${TABLE}`,
      'max.queue.size.in.bytes': String(queueBytes),
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
    });
    const drained = await waitForRecords([TOPIC], rows, { stallMs: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    return {
      queueBytes,
      rows,
      rowKb,
      reached: drained.reached,
      seconds: Math.round(seconds * 10) / 10,
      peakRssMb: Math.round(system.usage().peakRssMb * 10) / 10,
      peakHeapUsedMb: system.peakHeapUsedMb() ?? null,
    };
  } finally {
    await system.stop();
    await cleanUp();
  }
}

/** `npm run bench -- wide-tx [--rows 2000] [--row-kb 512] [--queue-bytes 0,16777216]` */
export async function wideTransactionScenario(args: BenchArgs): Promise<void> {
  const rows = args.number('rows', 2000);
  const rowKb = args.number('row-kb', 512);
  const settings = args.numbers('queue-bytes', [0, 16 * 1024 * 1024]);
  const loadBefore = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const runs: WideRun[] = [];
  for (const queueBytes of settings) {
    console.log(
      `-- wide-tx: ${rows} rows x ${rowKb} KiB in one transaction, max.queue.size.in.bytes=${queueBytes}`,
    );
    const run = await runOnce(queueBytes, rows, rowKb);
    runs.push(run);
    console.log(
      `   ${run.reached ? 'drained' : 'STALLED'} in ${run.seconds} s, peak RSS ${run.peakRssMb} MB, peak heap in use ${run.peakHeapUsedMb?.toFixed(1) ?? 'n/a'} MB`,
    );
  }
  const loadAfter = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const label = (bytes: number) => (bytes === 0 ? 'no byte bound (8192 records)' : `${bytes / 2 ** 20} MiB`);
  const result: ScenarioResult = {
    scenario: 'wide-tx',
    date: today(),
    machine: { ...machine(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    versions: { node: process.version },
    settings: {
      rows,
      rowKb,
      queueBytes: settings,
      converter: 'JsonConverter, schemas.enable=false',
      // The host's Node flags, with any a run added (bench/lib/systems.ts: they come last and win).
      nodeFlags: [
        ...HOST_NODE_FLAGS,
        ...(process.env.ONRAMP_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      ],
    },
    runs,
    summary: Object.fromEntries(runs.map((run) => [label(run.queueBytes), run])),
    table: {
      columns: ['max.queue.size.in.bytes', 'drained', 'seconds', 'peak RSS MB', 'peak V8 heap in use MB'],
      rows: runs.map((run) => [
        label(run.queueBytes),
        run.reached ? 'yes' : 'no',
        run.seconds,
        run.peakRssMb,
        run.peakHeapUsedMb === null ? 'n/a' : Number(run.peakHeapUsedMb.toFixed(1)),
      ]),
    },
    notes: [
      `One transaction of ${rows} rows x ${rowKb} KiB of text (${((rows * rowKb * 1024) / 1e9).toFixed(2)} GB), column storage EXTERNAL (no TOAST compression); Onramp alone, the compiled host, snapshot.mode=no_data from a slot created before the insert.`,
      'Peak RSS = VmHWM of the host process; heap = prom-client nodejs_heap_size_used_bytes sampled each second.',
      `Shared 2-core machine: 1-minute load average ${loadBefore.split(' ')[0]} before, ${loadAfter.split(' ')[0]} after.`,
    ],
  };
  const file = writeResult(result);
  console.log(`wide-tx: wrote ${file}`);
}
