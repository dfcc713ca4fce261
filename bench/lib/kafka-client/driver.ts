import type { BenchRecord, RecordKind } from '../kafka-client-records.ts';

// One Kafka client under test, as the kafka-clients benchmark drives it: an idempotent producer
// (acks=all) that sends a source task's batch and resolves once Kafka acknowledged all of it.
// Each client lives in its own module, imported only by the child process that measures it.

export type ClientName = 'kafkajs' | 'platformatic' | 'rdkafka';
export const CLIENT_NAMES: readonly ClientName[] = ['kafkajs', 'platformatic', 'rdkafka'];

export interface DriverOptions {
  brokers: string[];
  topic: string;
  /** Where @confluentinc/kafka-javascript is installed (a folder with node_modules/), for rdkafka. */
  rdkafkaDir: string;
}

export interface ClientDriver {
  /** Package and version, e.g. 'kafkajs 2.2.4 (Onramp patches applied)'. */
  readonly version: string;
  /** How a batch is sent, for the results' notes. */
  readonly method: string;
  /** Connects and initialises the idempotent producer (its InitProducerId), outside the measured window. */
  connect(): Promise<void>;
  /** Sends one batch; resolves when every record is acknowledged. Returns the produce calls made. */
  send(records: readonly BenchRecord[]): Promise<number>;
  close(): Promise<void>;
}

/** What the benchmark asks of one child process (worker.ts). */
export interface WorkerTask extends DriverOptions {
  client: ClientName;
  kind: RecordKind;
  records: number;
  batch: number;
}

export interface WorkerResult {
  client: ClientName;
  kind: RecordKind;
  version: string;
  method: string;
  records: number;
  avgValueBytes: number;
  /** Produce calls (send/sendBatch) made. */
  calls: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuPerMillion: number;
  /** RSS once records are made and the producer is connected, MB. */
  readyRssMb: number;
  peakRssMb: number;
}

/** The worker's result line starts with this. */
export const RESULT_PREFIX = 'RESULT ';
