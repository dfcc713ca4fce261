import { averageValueBytes, type BenchRecord, recordPool } from '../kafka-client-records.ts';
import { procUsage } from '../proc-usage.ts';
import {
  type ClientDriver,
  type ClientName,
  type DriverOptions,
  RESULT_PREFIX,
  type WorkerResult,
  type WorkerTask,
} from './driver.ts';

// The child process of the kafka-clients benchmark: one client, one record kind, one fresh topic.
// `node worker.ts '<WorkerTask JSON>'` prints one line `RESULT <WorkerResult JSON>`. CPU is
// process.cpuUsage() (user + system of every thread of this process, librdkafka's included) over
// the send window; peak RSS is this process's VmHWM, so each client's figures are its own.

async function loadDriver(options: DriverOptions, client: ClientName): Promise<ClientDriver> {
  switch (client) {
    case 'kafkajs':
      return (await import('./kafkajs.ts')).createDriver(options);
    case 'platformatic':
      return (await import('./platformatic.ts')).createDriver(options);
    case 'rdkafka':
      return (await import('./rdkafka.ts')).createDriver(options);
  }
}

async function main(task: WorkerTask): Promise<WorkerResult> {
  const pool = await recordPool(task.kind);
  const driver = await loadDriver(task, task.client);
  await driver.connect();
  const readyRssMb = procUsage(process.pid)?.rssMb ?? Number.NaN;
  let calls = 0;
  let bytes = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let sent = 0; sent < task.records; ) {
    const size = Math.min(task.batch, task.records - sent);
    const batch: BenchRecord[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const record = pool[(sent + i) % pool.length] as BenchRecord;
      batch[i] = record;
      bytes += record.value.length;
    }
    calls += await driver.send(batch);
    sent += size;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const peakRssMb = procUsage(process.pid)?.peakRssMb ?? Number.NaN;
  await driver.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    client: task.client,
    kind: task.kind,
    version: driver.version,
    method: driver.method,
    records: task.records,
    avgValueBytes: Math.round(averageValueBytes(pool)),
    calls,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSec: Math.round(task.records / seconds),
    mbPerSec: Math.round((bytes / 2 ** 20 / seconds) * 100) / 100,
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    cpuPerMillion: Math.round((cpuSeconds / task.records) * 1e6 * 100) / 100,
    readyRssMb: Math.round(readyRssMb * 10) / 10,
    peakRssMb: Math.round(peakRssMb * 10) / 10,
  };
}

const result = await main(JSON.parse(process.argv[2] ?? '{}') as WorkerTask);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
// Clients may keep sockets or native threads alive after close; the result is out, so leave.
process.exit(0);
