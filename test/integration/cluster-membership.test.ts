// Worker group membership on the stack's Kafka group coordinator (protocol type "connect"): three
// workers in this process share connectors and tasks through the incremental cooperative assignor.
// Every start is checked against every other worker's running work: nothing runs twice at once.
import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorTaskId } from '../../src/cluster/connect-protocol.ts';
import type { GroupCoordinator } from '../../src/cluster/group-coordinator.ts';
import type { ConnectorsAndTasks } from '../../src/cluster/incremental-cooperative-assignor.ts';
import { KafkaConfigStore } from '../../src/cluster/kafka-config-store.ts';
import { type MemberSettings, WorkerGroupMember } from '../../src/cluster/worker-group-member.ts';
import { plaintextConnection } from '../../src/kafka/client-properties.ts';
import { KafkaGroupCoordinator } from '../../src/kafka/kafka-group-coordinator.ts';
import { KafkaTopicLog } from '../../src/kafka/kafka-topic-log.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const connection = plaintextConnection(services().kafkaBrokers, 'onramp-membership-test');
const admin = new TopicAdmin(connection);
const run = randomUUID().slice(0, 8);
const groupId = `membership-${run}`;
const configTopic = `membership-${run}-configs`;
const DELAY_MS = 5_000;
const settings: MemberSettings = {
  groupId,
  // The broker's smallest allowed session timeout (group.min.session.timeout.ms).
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 20_000,
  scheduledRebalanceMaxDelayMs: DELAY_MS,
  connectProtocol: 'sessioned',
  workerSyncTimeoutMs: 3_000,
  workerUnsyncBackoffMs: 5_000,
};

const key = (task: ConnectorTaskId) => `${task.connector}/${task.task}`;
const items = (work: ConnectorsAndTasks) => [...work.connectors, ...work.tasks.map(key)];

/** Where each connector and task runs right now; a start where it already runs fails the test. */
const owners = new Map<string, string>();
const violations: string[] = [];

/** A coordinator whose calls hang while frozen, like a worker stopped with SIGSTOP. */
class FreezableCoordinator implements GroupCoordinator {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  readonly inner: GroupCoordinator;

  constructor(inner: GroupCoordinator) {
    this.inner = inner;
  }

  freeze(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  thaw(): void {
    this.open?.();
    this.gate = undefined;
  }

  private async pass(): Promise<void> {
    while (this.gate) await this.gate;
  }

  async join(request: Parameters<GroupCoordinator['join']>[0]): ReturnType<GroupCoordinator['join']> {
    await this.pass();
    return this.inner.join(request);
  }

  async sync(request: Parameters<GroupCoordinator['sync']>[0]): ReturnType<GroupCoordinator['sync']> {
    await this.pass();
    return this.inner.sync(request);
  }

  async heartbeat(request: Parameters<GroupCoordinator['heartbeat']>[0]): Promise<void> {
    await this.pass();
    return this.inner.heartbeat(request);
  }

  leave(request: Parameters<GroupCoordinator['leave']>[0]): Promise<void> {
    return this.inner.leave(request);
  }

  close(): Promise<void> {
    this.thaw();
    return this.inner.close();
  }
}

interface Worker {
  name: string;
  member: WorkerGroupMember;
  coordinator: FreezableCoordinator;
  store: KafkaConfigStore;
  runs: Set<string>;
  stops: string[];
}
const workers: Worker[] = [];

async function startWorker(name: string): Promise<Worker> {
  const store = new KafkaConfigStore({
    log: new KafkaTopicLog({
      connection,
      admin,
      spec: { name: configTopic, partitions: 1, replicationFactor: 1, configs: {} },
    }),
  });
  await store.start();
  const coordinator = new FreezableCoordinator(
    new KafkaGroupCoordinator({ connection, groupId, rebalanceTimeoutMs: settings.rebalanceTimeoutMs }),
  );
  const member = new WorkerGroupMember({ coordinator, config: store, settings, url: `http://${name}:8083/` });
  const worker: Worker = { name, member, coordinator, store, runs: new Set(), stops: [] };
  member.onAssignment(async (change) => {
    for (const item of items(change.stop)) {
      worker.runs.delete(item);
      worker.stops.push(item);
      if (owners.get(item) === name) owners.delete(item);
    }
    for (const item of items(change.start)) {
      const owner = owners.get(item);
      if (owner !== undefined && owner !== name)
        violations.push(`${item} started on ${name} while running on ${owner}`);
      owners.set(item, name);
      worker.runs.add(item);
    }
  });
  workers.push(worker);
  await member.join();
  return worker;
}

const CONNECTORS = ['alpha', 'beta', 'gamma'];
const ALL = CONNECTORS.flatMap((connector) => [connector, `${connector}/0`, `${connector}/1`]).sort();

function placement(among: Worker[]): Map<string, string[]> | undefined {
  if (among.some((worker) => worker.member.rebalancing)) return undefined;
  const seen = new Map<string, string[]>();
  for (const worker of among)
    for (const item of worker.runs) seen.set(item, [...(seen.get(item) ?? []), worker.name]);
  const complete = ALL.every((item) => seen.get(item)?.length === 1) && seen.size === ALL.length;
  return complete ? seen : undefined;
}

function balanced(among: Worker[]): boolean {
  const tasks = among.map((worker) => [...worker.runs].filter((item) => item.includes('/')).length);
  const connectors = among.map((worker) => [...worker.runs].filter((item) => !item.includes('/')).length);
  return (
    Math.max(...tasks) - Math.min(...tasks) <= 1 && Math.max(...connectors) - Math.min(...connectors) <= 1
  );
}

beforeAll(async () => {
  // Three connectors with two tasks each, as the leader's herder would have written them.
  const writer = new KafkaConfigStore({
    log: new KafkaTopicLog({
      connection,
      admin,
      spec: { name: configTopic, partitions: 1, replicationFactor: 1, configs: {} },
    }),
  });
  await writer.start();
  for (const name of CONNECTORS)
    await writer.put({
      name,
      config: { name },
      targetState: 'STARTED',
      tasks: [{ task: '0' }, { task: '1' }],
    });
  await writer.stop();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.member.leave().catch(() => undefined)));
  await Promise.all(workers.map((worker) => worker.store.stop().catch(() => undefined)));
  await admin.deleteTopics([configTopic]).catch(() => undefined);
  await admin
    .client()
    .deleteGroups({ groups: [groupId] })
    .catch(() => undefined);
  await admin.close();
});

describe('worker group membership (protocol type "connect")', () => {
  let a: Worker;
  let b: Worker;
  let c: Worker;

  it('assigns every connector and task exactly once over three workers, balanced, with one leader', async () => {
    [a, b, c] = await Promise.all([startWorker('a'), startWorker('b'), startWorker('c')]);
    await waitFor(
      'all work placed once, balanced',
      () => placement([a, b, c]) !== undefined && balanced([a, b, c]),
      {
        timeoutMs: 30_000,
      },
    );
    expect([a, b, c].filter((worker) => worker.member.isLeader)).toHaveLength(1);
    const leader = [a, b, c].find((worker) => worker.member.isLeader);
    for (const worker of [a, b, c]) expect(worker.member.leaderUrl).toBe(`http://${leader?.name}:8083/`);
    expect(new Set([a, b, c].map((worker) => worker.member.generation)).size).toBe(1);
    // The fence lets a worker write for what it runs, and only that.
    const mine = [...a.runs].find((item) => item.includes('/'))?.split('/')[0] ?? '';
    expect(() => a.member.fence.checkConnector(mine, 'committing offsets')).not.toThrow();
    const notMine = CONNECTORS.find((connector) => ![...a.runs].some((item) => item.startsWith(connector)));
    if (notMine)
      expect(() => a.member.fence.checkConnector(notMine, 'committing offsets')).toThrow(/does not run/);
    expect(violations).toEqual([]);
  });

  it("moves a departed worker's work only after scheduled.rebalance.max.delay.ms", async () => {
    const leaving = [a, b, c].find((worker) => !worker.member.isLeader) ?? c;
    const staying = [a, b, c].filter((worker) => worker !== leaving);
    const moved = [...leaving.runs];
    expect(moved.length).toBeGreaterThan(0);
    const leftAt = Date.now();
    await leaving.member.leave();
    workers.splice(workers.indexOf(leaving), 1);
    await leaving.store.stop();
    // The others rebalance at once, but the departed worker's work waits for it to come back.
    await waitFor('a rebalance without it', () =>
      staying.every(
        (worker) => !worker.member.rebalancing && worker.member.generation > leaving.member.generation,
      ),
    );
    expect(staying.flatMap((worker) => [...worker.runs]).filter((item) => moved.includes(item))).toEqual([]);
    await waitFor('its work placed on the others', () => placement(staying), {
      timeoutMs: DELAY_MS + 20_000,
    });
    const movedAfter = Date.now() - leftAt;
    expect(movedAfter).toBeGreaterThanOrEqual(DELAY_MS - 500);
    expect(movedAfter).toBeLessThan(DELAY_MS + 10_000);
    expect(violations).toEqual([]);
    [a, b] = staying as [Worker, Worker];
  });

  it('balances a joining worker by revoking only the work that moves to it', async () => {
    for (const worker of [a, b]) worker.stops.length = 0;
    const before = new Map([a, b].map((worker) => [worker.name, new Set(worker.runs)]));
    c = await startWorker('d');
    await waitFor(
      'balanced over three again',
      () => placement([a, b, c]) !== undefined && balanced([a, b, c]),
      {
        timeoutMs: 30_000,
      },
    );
    // Whatever a and b stopped went to the new worker; what they kept never stopped.
    const stopped = [...a.stops, ...b.stops];
    expect(stopped.sort()).toEqual([...c.runs].sort());
    for (const worker of [a, b])
      for (const item of worker.runs) expect(before.get(worker.name)?.has(item)).toBe(true);
    expect(violations).toEqual([]);
  });

  it("stops a paused worker's work when its lease ends, before anyone else starts it", async () => {
    const paused = [a, b, c].find((worker) => !worker.member.isLeader) ?? c;
    const others = [a, b, c].filter((worker) => worker !== paused);
    const held = [...paused.runs];
    const pausedAt = Date.now();
    paused.coordinator.freeze();
    await waitFor('the paused worker stopped its work', () => paused.runs.size === 0, { timeoutMs: 15_000 });
    const stoppedAfter = Date.now() - pausedAt;
    // Stopped within the session timeout (lease = session timeout - margin), writes refused since.
    expect(stoppedAfter).toBeLessThan(settings.sessionTimeoutMs);
    expect(() => paused.member.fence.checkMember('writing a status')).toThrow(/lost its place/);
    await waitFor('its work moved to the others', () => placement(others), {
      timeoutMs: settings.sessionTimeoutMs + DELAY_MS + 20_000,
    });
    expect(
      others
        .flatMap((worker) => [...worker.runs])
        .filter((item) => held.includes(item))
        .sort(),
    ).toEqual(held.sort());
    // Back from the pause: it rejoins and gets a share again, nothing running twice.
    paused.coordinator.thaw();
    await waitFor(
      'balanced over three after the pause',
      () => placement([a, b, c]) !== undefined && balanced([a, b, c]),
      {
        timeoutMs: 40_000,
      },
    );
    expect(violations).toEqual([]);
  });
});

describe('a group.id in use by a consumer group', () => {
  it('is refused with a clear message', async () => {
    const consumerGroup = `membership-${run}-consumers`;
    const topic = `membership-${run}-data`;
    await admin.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
    const consumer = new Consumer({
      clientId: 'onramp-membership-test',
      bootstrapBrokers: services().kafkaBrokers,
      groupId: consumerGroup,
    });
    const stream = await consumer.consume({ topics: [topic], autocommit: false });
    const store = new KafkaConfigStore({
      log: new KafkaTopicLog({
        connection,
        admin,
        spec: { name: configTopic, partitions: 1, replicationFactor: 1, configs: {} },
      }),
    });
    await store.start();
    const member = new WorkerGroupMember({
      coordinator: new KafkaGroupCoordinator({
        connection,
        groupId: consumerGroup,
        rebalanceTimeoutMs: 20_000,
      }),
      config: store,
      settings: { ...settings, groupId: consumerGroup },
      url: 'http://x:8083/',
    });
    try {
      await expect(member.join()).rejects.toThrow(/in use by a group that is not a Kafka Connect cluster/);
    } finally {
      await member.leave();
      await store.stop();
      await stream.close();
      await consumer.close(true);
      await admin.deleteTopics([topic]).catch(() => undefined);
    }
  });
});
