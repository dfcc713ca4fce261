import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { HOST_NODE_FLAGS } from '../../src/host-command.ts';
import type { BenchArgs } from '../lib/args.ts';
import { benchEnv } from '../lib/env.ts';
import { localBrokerVersion } from '../lib/kafka-client/broker-version.ts';
import {
  CLIENT_NAMES,
  type ClientName,
  RESULT_PREFIX,
  type WorkerResult,
  type WorkerTask,
} from '../lib/kafka-client/driver.ts';
import { RDKAFKA_PACKAGE, rdkafkaAvailable } from '../lib/kafka-client/rdkafka.ts';
import { RECORD_KINDS, type RecordKind } from '../lib/kafka-client-records.ts';
import { deleteTopics, endOffsets, recreateTopics, totalOf, withAdmin } from '../lib/kafka-topics.ts';
import { machine, today, writeResult } from '../lib/results.ts';
import { median, round } from '../lib/stats.ts';
import type { Scenario } from './scenario.ts';

// kafka-clients: the same Debezium-shaped records through each candidate Kafka client, each in its
// own child process (lib/kafka-client/worker.ts) so its CPU and peak RSS are its own: kafkajs as
// src/kafka ran it (with its former patches), @platformatic/kafka, and
// @confluentinc/kafka-javascript (librdkafka) when it can be loaded. Idempotent producers, acks=all, a fresh 1-partition topic per run, batches of
// --batch records awaited one after the other as a source task sends them. Clients and record
// kinds rotate from run to run so slow drifts of the machine hit all of them.

const WORKER = join(import.meta.dirname, '..', 'lib', 'kafka-client', 'worker.ts');

interface RunEntry {
  run: number;
  client: ClientName;
  kind: RecordKind;
  result?: WorkerResult;
  /** Records the topic held after the run (its end offset). */
  landed?: number;
  error?: string;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function listArg<T extends string>(raw: string, known: readonly T[], name: string): T[] {
  const items = raw.split(',').map((item) => item.trim());
  for (const item of items)
    if (!known.includes(item as T))
      throw new Error(`--${name}: unknown '${item}' (known: ${known.join(', ')})`);
  return items as T[];
}

/** Runs one worker; rejects with its output's tail when it fails. */
function runWorker(task: WorkerTask): Promise<WorkerResult> {
  const child = spawn(process.execPath, [...HOST_NODE_FLAGS, WORKER, JSON.stringify(task)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = output.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerResult);
      else reject(new Error(`worker exited ${code}: ${output.slice(-1500)}`));
    });
  });
}

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const records = args.number('records', 200_000);
  const batch = args.number('batch', 2000);
  const kinds = listArg(args.string('kinds', RECORD_KINDS.join(',')), RECORD_KINDS, 'kinds');
  const wanted = listArg(args.string('clients', CLIENT_NAMES.join(',')), CLIENT_NAMES, 'clients');
  const rdkafkaDir = args.string('rdkafka-dir', join(import.meta.dirname, '..', '..'));
  const brokers = benchEnv().kafkaBrokers;
  const notes: string[] = [];
  const rdkafka = rdkafkaAvailable(rdkafkaDir);
  const clients = wanted.filter((client) => client !== 'rdkafka' || rdkafka.ok);
  if (wanted.includes('rdkafka') && !rdkafka.ok) {
    const line = `rdkafka not measured: ${RDKAFKA_PACKAGE} cannot be loaded from ${rdkafkaDir} (${rdkafka.reason}); its fresh install fails here, see bench/results/kafka-clients.md (--rdkafka-dir <folder> points at a build made by hand)`;
    console.log(line);
    notes.push(line);
  }
  const loadBefore = loadavg();
  const entries: RunEntry[] = [];
  for (let index = 0; index < runs; index++) {
    for (const kind of rotate(kinds, index)) {
      for (const client of rotate(clients, index)) {
        const topic = `bench.kafka-clients.${client}.${kind}`;
        const entry: RunEntry = { run: index, client, kind };
        entries.push(entry);
        try {
          await recreateTopics([topic], 1);
          entry.result = await runWorker({ client, kind, records, batch, brokers, topic, rdkafkaDir });
          entry.landed = await withAdmin(async (admin) => totalOf(await endOffsets(admin, [topic])));
          if (entry.landed !== records) entry.error = `topic holds ${entry.landed} records, ${records} sent`;
          const r = entry.result;
          console.log(
            `-- run ${index + 1}/${runs} ${kind} ${client}: ${r.recordsPerSec} records/s, ${r.mbPerSec} MB/s, ` +
              `${r.cpuPerMillion} CPU s/M records, peak RSS ${r.peakRssMb} MB (${r.calls} produce calls)`,
          );
        } catch (error) {
          entry.error = error instanceof Error ? error.message : String(error);
          console.error(`-- run ${index + 1}/${runs} ${kind} ${client} FAILED: ${entry.error}`);
        } finally {
          await deleteTopics([topic]).catch(() => undefined);
        }
      }
    }
  }
  const loadAfter = loadavg();

  const ok = (client: ClientName, kind: RecordKind) =>
    entries.flatMap((entry) =>
      entry.client === client && entry.kind === kind && entry.result && !entry.error ? [entry.result] : [],
    );
  const summary: Record<string, Record<string, Record<string, number>>> = {};
  for (const kind of kinds) {
    summary[kind] = {};
    for (const client of clients) {
      const results = ok(client, kind);
      const med = (pick: (result: WorkerResult) => number) => median(results.map(pick));
      (summary[kind] as Record<string, Record<string, number>>)[client] = {
        runs: results.length,
        recordsPerSec: round(
          med((r) => r.recordsPerSec),
          0,
        ),
        mbPerSec: round(
          med((r) => r.mbPerSec),
          1,
        ),
        cpuPerMillion: round(
          med((r) => r.cpuPerMillion),
          2,
        ),
        peakRssMb: round(
          med((r) => r.peakRssMb),
          1,
        ),
        readyRssMb: round(
          med((r) => r.readyRssMb),
          1,
        ),
        avgValueBytes: round(
          med((r) => r.avgValueBytes),
          0,
        ),
      };
    }
  }
  const rows: (string | number)[][] = [];
  for (const kind of kinds) {
    const base = summary[kind]?.kafkajs;
    for (const client of clients) {
      const s = summary[kind]?.[client];
      if (!s) continue;
      const vs = (value: number | undefined, of: number | undefined) =>
        value !== undefined && of !== undefined && of > 0 ? `${round(value / of, 2)}x` : '';
      rows.push([
        `${kind} (${s.avgValueBytes} B values)`,
        client,
        s.recordsPerSec ?? Number.NaN,
        s.mbPerSec ?? Number.NaN,
        s.cpuPerMillion ?? Number.NaN,
        s.peakRssMb ?? Number.NaN,
        client === 'kafkajs' ? '1x' : vs(s.recordsPerSec, base?.recordsPerSec),
        client === 'kafkajs' ? '1x' : vs(s.cpuPerMillion, base?.cpuPerMillion),
        `${s.runs}/${runs}`,
      ]);
    }
  }
  const failed = entries.filter((entry) => entry.error).length;
  const versions: Record<string, string> = {
    node: process.version,
    kafkaBroker: `${localBrokerVersion(Number(brokers[0]?.split(':')[1] ?? 9092))} (local, ${brokers.join(',')})`,
  };
  for (const entry of entries) if (entry.result) versions[entry.client] = entry.result.version;
  const methods = new Map(
    entries.flatMap((entry) => (entry.result ? [[entry.client, entry.result.method]] : [])),
  );
  const file = writeResult({
    // --label names the file (bench/run.ts): <date>-kafka-clients-<label>.json.
    scenario: 'kafka-clients',
    date: today(),
    machine: {
      ...machine(),
      loadAverageBefore: loadBefore.map((value) => round(value, 2)).join(' '),
      loadAverageAfter: loadAfter.map((value) => round(value, 2)).join(' '),
    },
    versions,
    settings: {
      records,
      batch,
      runs,
      kinds: kinds.join(','),
      clients: clients.join(','),
      given: args.given(),
    },
    runs: entries,
    summary: { ...summary, failed },
    table: {
      columns: [
        'records',
        'client',
        'records/s',
        'MB/s',
        'CPU s per M records',
        'peak RSS MB',
        'records/s vs kafkajs',
        'CPU vs kafkajs',
        'runs ok',
      ],
      rows,
    },
    notes: [
      `${records} records per run into a fresh 1-partition topic, in batches of ${batch} records, each awaited before the next (as a source task sends); idempotent producer, acks=all, no compression; medians over ${runs} runs, clients and record kinds rotated from run to run.`,
      `Each client runs in its own child process (node ${HOST_NODE_FLAGS.join(' ')}, as the host): CPU = process.cpuUsage() (user + system, all threads) over the send window, peak RSS = the process VmHWM (Node, the client and a 1000-record pool that the send loop cycles through).`,
      `json: Kafka Connect JsonConverter with schemas (Onramp's converter), Debezium PostgreSQL envelope of an 11-column row, 60% c / 30% u / 10% d, with a key. avro: the same events in Confluent's wire format (magic byte, 4-byte schema id, avsc body), key and value.`,
      ...[...methods].map(([client, method]) => `${client}: ${method}.`),
      `1-minute load average ${round(loadBefore[0] ?? 0, 2)} before, ${round(loadAfter[0] ?? 0, 2)} after (${machine().cores} cores, shared with the stack's broker).`,
      ...notes,
    ],
  });
  console.log(`kafka-clients: ${JSON.stringify(summary)}`);
  console.log(`kafka-clients: results in ${file}`);
}

export const kafkaClients: Scenario = {
  name: 'kafka-clients',
  describe:
    'kafkajs vs @platformatic/kafka vs @confluentinc/kafka-javascript producing the same Connect JSON and Avro records (--records 200000 --batch 2000 --runs 3 --kinds json,avro --clients kafkajs,platformatic,rdkafka --rdkafka-dir <folder> --label <suffix>)',
  run,
};
