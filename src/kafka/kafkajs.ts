// The one entry to kafkajs for src/kafka: its patches must be in place before kafkajs loads.
import './kafkajs-patches.ts';

export { Kafka, logLevel } from 'kafkajs';
