import { describe, expect, it } from 'vitest';
import { decodeConfigRecord, encodeConfigRecord } from '../../../src/cluster/config-records.ts';
import { connectJson } from '../../../src/cluster/connect-json.ts';
import {
  decodeOffsetKey,
  decodeOffsetValue,
  encodeOffsetKey,
  encodeOffsetValue,
} from '../../../src/cluster/offset-records.ts';
import { decodeStatusRecord, encodeStatusRecord } from '../../../src/cluster/status-records.ts';
import { partitionForKey } from '../../../src/kafka/partitioner.ts';
import type { JsonValue } from '../../../src/plugin/index.ts';
import { bytes, capture, sample } from './kafka-connect-fixture.ts';

// Every record a Kafka Connect 3.9.1 worker wrote is read, written back, and must come out as the
// same bytes, in the same topic partition.

describe('config topic records (captured from Kafka Connect 3.9.1)', () => {
  const records = capture.topics.config.records;

  it('has one partition, compacted', () => {
    expect(capture.topics.config.partitions).toBe(1);
    expect(capture.topics.config.cleanupPolicy).toBe('compact');
  });

  it.each(
    records.map((record) => [record.key, record] as const),
  )('%s reads and writes back byte for byte', (_key, record) => {
    const decoded = decodeConfigRecord(record.key ?? '', bytes(record.value));
    expect(decoded.kind).not.toBe('skipped');
    if (decoded.kind === 'skipped') return;
    const encoded = encodeConfigRecord(decoded);
    expect(encoded.key.toString('utf8')).toBe(record.key);
    expect(encoded.value).toEqual(bytes(record.value));
  });

  it('reads every kind Kafka Connect wrote', () => {
    const decoded = records.map((record) => decodeConfigRecord(record.key ?? '', bytes(record.value)));
    expect(decoded.find((record) => record.kind === 'target-state' && record.state === 'STOPPED')).toEqual({
      kind: 'target-state',
      connector: 'file-source',
      state: 'STOPPED',
    });
    expect(decoded).toContainEqual({ kind: 'commit', connector: 'two-task-sink', tasks: 2 });
    expect(decoded).toContainEqual({
      kind: 'restart',
      connector: 'file-source',
      includeTasks: true,
      onlyFailed: false,
    });
    expect(decoded).toContainEqual({ kind: 'connector', connector: 'failing-sink', properties: null });
    expect(decoded).toContainEqual({ kind: 'target-state', connector: 'failing-sink', state: null });
    const task = decoded.find((record) => record.kind === 'task' && record.connector === 'two-task-sink');
    expect(task).toMatchObject({ kind: 'task', connector: 'two-task-sink', task: 0 });
    const connector = decoded.find(
      (record) => record.kind === 'connector' && record.connector === 'file-source',
    );
    expect(connector).toMatchObject({
      properties: { 'description.unicode': 'naïve — ünïcödé ✓', name: 'file-source' },
    });
    expect(decoded.find((record) => record.kind === 'session-key')).toMatchObject({
      algorithm: 'HmacSHA256',
    });
  });

  it('writes STOPPED with PAUSED for workers before 3.5, and reads the old field alone', () => {
    const { value } = encodeConfigRecord({ kind: 'target-state', connector: 'c', state: 'STOPPED' });
    expect(value?.toString()).toBe('{"state":"PAUSED","state.v2":"STOPPED"}');
    expect(decodeConfigRecord('target-state-c', Buffer.from('{"state":"PAUSED"}'))).toEqual({
      kind: 'target-state',
      connector: 'c',
      state: 'PAUSED',
    });
  });

  it('parses task keys as Kafka Connect does: the number after the last dash', () => {
    expect(decodeConfigRecord('task-a-b-c-12', Buffer.from('{"properties":{}}'))).toMatchObject({
      connector: 'a-b-c',
      task: 12,
    });
    expect(decodeConfigRecord('task-nonumber', Buffer.from('{"properties":{}}')).kind).toBe('skipped');
    expect(decodeConfigRecord('unknown-key', Buffer.from('{}')).kind).toBe('skipped');
    expect(decodeConfigRecord('connector-x', Buffer.from('not json')).kind).toBe('skipped');
  });
});

describe('offset topic records (captured from Kafka Connect 3.9.1)', () => {
  const { records, partitions } = capture.topics.offset;

  it('has Kafka Connect default 25 partitions, compacted', () => {
    expect(partitions).toBe(25);
    expect(capture.topics.offset.cleanupPolicy).toBe('compact');
  });

  it.each(
    records.map((record) => [record.offset, record] as const),
  )('record %s reads, writes back and hashes to its partition', (_offset, record) => {
    const key = decodeOffsetKey(Buffer.from(record.key ?? '', 'utf8'));
    expect(key).toEqual({ connector: 'file-source', partition: { filename: capture.worker.input } });
    if (!key) return;
    const encodedKey = encodeOffsetKey(key.connector, key.partition);
    expect(encodedKey.toString('utf8')).toBe(record.key);
    expect(partitionForKey(encodedKey, partitions)).toBe(record.partition);
    const value = decodeOffsetValue(bytes(record.value));
    expect(value === null || typeof value?.position === 'number').toBe(true);
    expect(encodeOffsetValue(value ?? null)).toEqual(bytes(record.value));
  });

  it('writes a Debezium-style partition key as Connect does', () => {
    expect(encodeOffsetKey('connector-a', { server: 'dbserver1' })).toEqual(sample('offset.key.single'));
  });

  it('reads a multi-key partition in whatever order Java wrote it', () => {
    expect(decodeOffsetKey(sample('offset.key.hashMap'))).toEqual({
      connector: 'connector-a',
      partition: { server: 'dbserver1', database: 'inventory', shard: 3 },
    });
    expect(decodeOffsetKey(Buffer.from('{"not":"a key"}'))).toBeUndefined();
    expect(decodeOffsetKey(Buffer.from('["c",{"nested":{"x":1}}]'))).toBeUndefined();
  });
});

describe('status topic records (captured from Kafka Connect 3.9.1)', () => {
  const { records, partitions } = capture.topics.status;

  it('has Kafka Connect default 5 partitions, compacted', () => {
    expect(partitions).toBe(5);
    expect(capture.topics.status.cleanupPolicy).toBe('compact');
  });

  it.each(
    records.map((record) => [`${record.partition}/${record.offset} ${record.key}`, record] as const),
  )('%s reads, writes back and hashes to its partition', (_name, record) => {
    const decoded = decodeStatusRecord(record.key ?? '', bytes(record.value));
    expect(decoded.kind).not.toBe('skipped');
    if (decoded.kind === 'skipped') return;
    const encoded = encodeStatusRecord(decoded);
    expect(encoded.key.toString('utf8')).toBe(record.key);
    expect(encoded.value).toEqual(bytes(record.value));
    expect(partitionForKey(encoded.key, partitions)).toBe(record.partition);
  });

  it('reads states, traces, worker ids, generations and topics', () => {
    const decoded = records.map((record) => decodeStatusRecord(record.key ?? '', bytes(record.value)));
    const failed = decoded.find((record) => record.kind === 'task' && record.status?.state === 'FAILED');
    expect(failed).toMatchObject({ connector: 'failing-sink', task: 0 });
    expect(failed?.kind === 'task' && failed.status?.trace).toContain('ConnectException');
    const workerId = new URL(capture.worker.url).host;
    expect(decoded.find((record) => record.kind === 'connector')).toMatchObject({
      status: { workerId, trace: null },
    });
    expect(decoded.find((record) => record.kind === 'topic')).toMatchObject({
      topic: expect.stringMatching(/-lines$/),
      connector: 'file-source',
      status: { task: 0 },
    });
  });
});

describe('connectJson: Jackson as Kafka Connect 3.9 runs it', () => {
  it('escapes control characters in upper-case hex, surrogates escaped, the rest raw', () => {
    let control = '';
    for (let code = 0; code < 0x20; code++) control += String.fromCharCode(code);
    control += '\u007f"\\/é\u2028\u2029😀';
    expect(Buffer.from(connectJson({ control }))).toEqual(sample('json.strings'));
  });

  // A whole number is written as a Java long would be (offsets carry longs); 1e10 as a Java double
  // (1.0E10) cannot be told apart in JS and is not reproduced.
  it('writes numbers as Java does', () => {
    const text = sample('json.numbers').toString();
    const cases: [string, JsonValue][] = [
      ['int', 7],
      ['double', 1.5],
      ['doubleSmall', 1e-7],
      ['bool', true],
      ['null', null],
      ['list', [1, 'two', null]],
    ];
    for (const [name, value] of cases) {
      expect(text).toContain(connectJson({ [name]: value }).slice(1, -1));
    }
  });
});
