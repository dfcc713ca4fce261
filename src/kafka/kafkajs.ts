// The one entry to kafkajs for src/kafka: its patches must be in place before kafkajs loads.
import './kafkajs-patches.ts';

export { CompressionTypes, Kafka, logLevel } from 'kafkajs';
