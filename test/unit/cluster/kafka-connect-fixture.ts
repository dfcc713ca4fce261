import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// test/fixtures/kafka-connect/records-3.9.1.json: what a real Kafka Connect 3.9.1 distributed worker
// wrote to its internal topics and sent through the group coordinator (capture.ts made it).

export interface CapturedRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

export interface CapturedTopic {
  name: string;
  partitions: number;
  cleanupPolicy: string;
  records: CapturedRecord[];
}

export interface KafkaConnectCapture {
  kafkaConnect: string;
  worker: { url: string; groupId: string; input: string };
  topics: { config: CapturedTopic; offset: CapturedTopic; status: CapturedTopic };
  group: {
    protocolType: string;
    protocol: string;
    members: { memberId: string; clientId: string; metadata: string; assignment: string }[];
  };
  samples: Record<string, string | null>;
}

export const capture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/kafka-connect/records-3.9.1.json'), 'utf8'),
) as KafkaConnectCapture;

export const bytes = (text: string | null): Buffer | null =>
  text === null ? null : Buffer.from(text, 'utf8');

export function sample(name: string): Buffer {
  const value = capture.samples[name];
  if (value === undefined || value === null) throw new Error(`no sample ${name}`);
  return Buffer.from(value, 'base64');
}
