// The one entry to kafkajs for src/kafka: its speed-ups must be in place before kafkajs loads.
import './kafkajs-speedups.ts';

export { CompressionTypes, Kafka, logLevel } from 'kafkajs';
