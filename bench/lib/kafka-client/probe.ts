import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Admin,
  type CompressionAlgorithmValue,
  Connection,
  Consumer,
  compatibilityPartitioner,
  describeGroupsV5,
  FindCoordinatorKeyTypes,
  heartbeatV4,
  joinGroupV9,
  leaveGroupV5,
  type Message,
  Producer,
  ResponseError,
  syncGroupV5,
} from '@platformatic/kafka';
import { partitionForKey } from '../../../src/kafka/partitioner.ts';
import { localBrokerVersion } from './broker-version.ts';

// What Onramp needs of a Kafka client, tried against a live broker with @platformatic/kafka (the
// candidate that is not in use yet; kafkajs's answers are in its source and Onramp's own tests):
// `node scripts/launch.mjs node bench/lib/kafka-client/probe.ts [host:port]` (default
// KAFKA_BROKERS). With KAFKA_SECURE_BROKERS + KAFKA_SASL_USERNAME/PASSWORD + KAFKA_CA_FILE and
// KAFKA_MTLS_BROKERS + KAFKA_CLIENT_CERT_FILE/KEY_FILE (`npm run stack -- env`) it also connects
// over SASL_SSL (SCRAM-SHA-512) and mutual TLS. Prints one line per check; exits 1 if one failed.

const bootstrap = process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const brokers = bootstrap.split(',').map((broker) => broker.trim());
const clientId = 'onramp-probe';
let failures = 0;

async function check(name: string, work: () => Promise<string>): Promise<void> {
  try {
    console.log(`ok    ${name}: ${await work()}`);
  } catch (error) {
    failures++;
    const detail =
      error instanceof Error ? `${error.message} ${JSON.stringify(error.cause ?? '')}` : String(error);
    console.log(`FAIL  ${name}: ${detail.slice(0, 400)}`);
  }
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const admin = new Admin({ clientId, bootstrapBrokers: brokers });
const topic = `onramp-probe-${randomUUID().slice(0, 8)}`;
const port = Number(brokers[0]?.split(':')[1] ?? 9092);
console.log(`broker ${bootstrap} (Apache Kafka ${localBrokerVersion(port)}), @platformatic/kafka`);

await check('describe cluster (Metadata)', async () => {
  const metadata = await admin.metadata({ topics: [] });
  return `cluster id ${metadata.id}, ${metadata.brokers.size} broker(s), controller ${metadata.controllerId}`;
});

await check('create topic (3 partitions, with configs)', async () => {
  const created = await admin.createTopics({
    topics: [topic],
    partitions: 3,
    replicas: 1,
    configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
  });
  return `${created[0]?.name} with ${created[0]?.partitions} partitions`;
});

const keys = Array.from({ length: 300 }, (_, i) => Buffer.from(`{"id":${i}}`));

await check(
  'Java-compatible murmur2 (compatibilityPartitioner vs Onramp partitionForKey, 10k random keys)',
  async () => {
    for (let i = 0; i < 10_000; i++) {
      const key = randomBytes(1 + (i % 64));
      const theirs = compatibilityPartitioner({ topic, key }, key) % 7;
      expect(
        theirs === partitionForKey(key, 7),
        `key ${key.toString('hex')}: ${theirs} vs ${partitionForKey(key, 7)}`,
      );
    }
    return 'identical';
  },
);

const compressions: CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
// Kafka's null is a value like any other for Onramp (tombstones, null headers): typed so.
const producer = new Producer<Buffer, Buffer | null, Buffer, Buffer | null>({
  clientId,
  bootstrapBrokers: brokers,
  idempotent: true,
  autocreateTopics: false,
  partitioner: compatibilityPartitioner,
});
await check(
  'idempotent produce, acks=all: keyed records, a tombstone, null and duplicate headers',
  async () => {
    await producer.send({
      messages: keys.map((key, i) => ({
        topic,
        key,
        value: i === 0 ? null : Buffer.from(`value ${i}`),
        headers:
          i === 1
            ? new Map<Buffer, Buffer | null>([
                [Buffer.from('dup'), Buffer.from('a')],
                [Buffer.from('dup'), Buffer.from('b')],
                [Buffer.from('nullvalue'), null],
              ])
            : undefined,
      })),
    });
    return `${keys.length} records, producer id ${producer.producerId}`;
  },
);

for (const compression of compressions.slice(1)) {
  await check(`compression ${compression}`, async () => {
    await producer.send({ messages: [{ topic, key: keys[0], value: Buffer.alloc(4096, 'a') }], compression });
    return 'sent';
  });
}

await check(
  'read back: partitions = murmur2, tombstone, null header, duplicate headers, decompression',
  async () => {
    const consumer = new Consumer({
      clientId,
      bootstrapBrokers: brokers,
      groupId: `onramp-probe-${randomUUID()}`,
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const seen: Message[] = [];
    const expected = keys.length + compressions.length - 1;
    for await (const message of stream) {
      seen.push(message as Message);
      if (seen.length === expected) break;
    }
    await stream.close();
    await consumer.close(true);
    for (const message of seen.slice(0, keys.length)) {
      expect(
        message.partition === partitionForKey(message.key, 3),
        `key ${message.key} in partition ${message.partition}`,
      );
    }
    // The consumer hands Kafka's null (a tombstone's value, a null header value) over as undefined,
    // though its types say Buffer.
    const isNull = (value: Buffer | null | undefined) => value === null || value === undefined;
    const tombstone = seen.find((message) => message.key.equals(keys[0] as Buffer) && isNull(message.value));
    expect(tombstone !== undefined, 'no tombstone (null value) read back');
    const headed = seen.find((message) => message.key.equals(keys[1] as Buffer));
    const entries =
      headed?.headerEntries.map(([key, value]) => `${key}=${isNull(value) ? 'null' : value}`) ?? [];
    expect(entries.join(',') === 'dup=a,dup=b,nullvalue=null', `headers read back: ${entries.join(',')}`);
    const compressed = seen.filter((message) => message.value?.length === 4096).length;
    expect(compressed === compressions.length - 1, `${compressed} compressed records read back`);
    return `${seen.length} records; headers ${entries.join(',')}`;
  },
);

const group = `onramp-probe-group-${randomUUID().slice(0, 8)}`;
await check('list offsets (earliest -2, latest -1)', async () => {
  const at = async (timestamp: bigint) => {
    const listed = await admin.listOffsets({
      topics: [{ name: topic, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, timestamp })) }],
    });
    return (listed[0]?.partitions.map((p) => `${p.partitionIndex}:${p.offset}`) ?? []).sort().join(' ');
  };
  return `earliest ${await at(-2n)}, latest ${await at(-1n)}`;
});
await check('alter consumer group offsets (group without members)', async () => {
  await admin.alterConsumerGroupOffsets({
    groupId: group,
    topics: [{ name: topic, partitionOffsets: [0, 1, 2].map((partition) => ({ partition, offset: 5n })) }],
  });
  return 'partitions 0..2 at 5';
});
await check('OffsetDelete of one partition', async () => {
  await admin.deleteConsumerGroupOffsets({
    groupId: group,
    topics: [{ name: topic, partitionIndexes: [1] }],
  });
  const offsets = await admin.listConsumerGroupOffsets({ groups: [group] });
  const left = offsets[0]?.topics
    .flatMap((t) => t.partitions.map((p) => `${p.partitionIndex}:${p.committedOffset}`))
    .sort();
  expect(left?.join(' ') === '0:5 2:5', `offsets left: ${left?.join(' ')}`);
  return `left ${left?.join(' ')}`;
});
await check('delete group', async () => {
  await admin.deleteGroups({ groups: [group] });
  return group;
});

await check(
  'custom group protocol: join as protocolType "connect" with own metadata and assignment',
  async () => {
    const connectGroup = `onramp-probe-connect-${randomUUID().slice(0, 8)}`;
    const [coordinator] = await admin.findCoordinator({
      keyType: FindCoordinatorKeyTypes.GROUP,
      keys: [connectGroup],
    });
    expect(coordinator !== undefined, 'no coordinator');
    const connection = new Connection(clientId);
    await connection.connect(coordinator?.host ?? '', coordinator?.port ?? 0);
    const protocols = [{ name: 'sessioned', metadata: Buffer.from('worker metadata: url, config offset') }];
    const join = async (memberId: string) =>
      await joinGroupV9.api.async(
        connection,
        connectGroup,
        10_000,
        30_000,
        memberId,
        null,
        'connect',
        protocols,
        null,
      );
    let joined: Awaited<ReturnType<typeof join>>;
    try {
      joined = await join('');
    } catch (error) {
      // KIP-394: the first JoinGroup answers MEMBER_ID_REQUIRED with the id to join with.
      const response = error instanceof ResponseError ? (error.response as { memberId?: string }) : undefined;
      if (!response?.memberId) throw error;
      joined = await join(response.memberId);
    }
    const assignment = Buffer.from('connector assignment: task-0');
    const synced = await syncGroupV5.api.async(
      connection,
      connectGroup,
      joined.generationId,
      joined.memberId,
      null,
      'connect',
      joined.protocolName,
      [{ memberId: joined.memberId, assignment }],
    );
    expect(synced.assignment.equals(assignment), 'assignment bytes changed');
    await heartbeatV4.api.async(connection, connectGroup, joined.generationId, joined.memberId, null);
    // Admin.describeGroups decodes every member's metadata as the consumer protocol and throws (out
    // of the callback, uncaught) on a "connect" member, so the raw DescribeGroups request is used.
    const described = (await describeGroupsV5.api.async(connection, [connectGroup], false)).groups[0];
    await leaveGroupV5.api.async(connection, connectGroup, [
      { memberId: joined.memberId, groupInstanceId: null },
    ]);
    await connection.close();
    await admin.deleteGroups({ groups: [connectGroup] }).catch(() => undefined);
    expect(described?.protocolType === 'connect', `described protocolType ${described?.protocolType}`);
    return `leader ${joined.leader === joined.memberId}, protocol ${described?.protocolData}, state ${described?.groupState}, assignment echoed`;
  },
);

await producer.close();
await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);

const secure = process.env.KAFKA_SECURE_BROKERS;
const username = process.env.KAFKA_SASL_USERNAME;
const password = process.env.KAFKA_SASL_PASSWORD;
const caFile = process.env.KAFKA_CA_FILE;
if (secure && username && password && caFile) {
  await check(`SASL_SSL SCRAM-SHA-512 with CA verification (${secure})`, async () => {
    const client = new Admin({
      clientId,
      bootstrapBrokers: secure.split(','),
      tls: { ca: readFileSync(caFile) },
      sasl: { mechanism: 'SCRAM-SHA-512', username, password },
    });
    const metadata = await client.metadata({ topics: [] });
    await client.close();
    return `cluster id ${metadata.id}`;
  });
}
const mtls = process.env.KAFKA_MTLS_BROKERS;
const cert = process.env.KAFKA_CLIENT_CERT_FILE;
const key = process.env.KAFKA_CLIENT_KEY_FILE;
if (mtls && cert && key && caFile) {
  await check(`mutual TLS with a client certificate (${mtls})`, async () => {
    const client = new Admin({
      clientId,
      bootstrapBrokers: mtls.split(','),
      tls: { ca: readFileSync(caFile), cert: readFileSync(cert), key: readFileSync(key) },
    });
    const metadata = await client.metadata({ topics: [] });
    await client.close();
    return `cluster id ${metadata.id}`;
  });
}

await admin.close();
console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
