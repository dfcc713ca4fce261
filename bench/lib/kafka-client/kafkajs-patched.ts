// The one entry to kafkajs for the benchmark's kafkajs driver: the patches must be in place before
// kafkajs loads its protocol modules (as src/kafka/kafkajs.ts did).
import './kafkajs-patches.ts';

export type { ICustomPartitioner } from 'kafkajs';
export { CompressionTypes, Kafka, logLevel } from 'kafkajs';
