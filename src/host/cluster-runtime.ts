import { type ClusterStores, openClusterStores } from '../cluster/cluster-stores.ts';
import type { SessionKey } from '../cluster/config-topic-state.ts';
import type { DistributedConfig } from '../cluster/distributed-config.ts';
import { DEFAULT_KEY_TTL_MS, newSessionKey, sessionKeyExpired } from '../cluster/session-key.ts';
import { WorkerGroupMember } from '../cluster/worker-group-member.ts';
import { ClientPool } from '../kafka/client-pool.ts';
import type { KafkaClientConfig } from '../kafka/client-properties.ts';
import { KafkaGroupCoordinator } from '../kafka/kafka-group-coordinator.ts';
import { KafkaTopicLog } from '../kafka/kafka-topic-log.ts';
import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { StoreSecrets } from '../stores/file-store.ts';
import type { ConfigStore, StoredConnector } from '../stores/stores.ts';
import type { WorkAssignment } from './assignment.ts';
import type { RootLogger } from './logger.ts';

// mode: distributed, composed from src/cluster and src/kafka: Kafka Connect's three internal topics
// as the herder's stores, and the worker's membership in the group (who leads, what runs here). The
// herder (host.ts) is the standalone one; it gets these stores and `assignment` instead of the file
// store and standaloneAssignment. Config records are written by the leader (Kafka Connect's rule: the
// REST layer forwards writes to it), except the task configs a connector's own worker plans.

/** How soon a leader that could not write the session key (rebalancing, write failed) tries again. */
const KEY_RETRY_MS = 1000;

/** Kafka Connect's answer to a write during a rebalance (its RebalanceNeededException, as its REST API shows it). */
export const REBALANCE_MESSAGE =
  'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)';

export interface ClusterRuntime {
  stores: ClusterStores;
  /** The config store the herder writes through: leader-only writes, see LeaderConfigStore. */
  configs: ConfigStore;
  member: WorkerGroupMember;
  assignment: WorkAssignment;
  /** This worker's advertised REST URL. */
  url: string;
  /** The session key the leader distributed last (signs forwarded requests); undefined before the first. */
  sessionKey(): SessionKey | undefined;
  /** Joins the group (in the background: the REST API answers meanwhile) and keeps the session key fresh. */
  start(): void;
  /** Leaves the group (work stops first), then closes the stores. */
  close(): Promise<void>;
}

export interface ClusterRuntimeOptions {
  distributed: DistributedConfig & { advertisedUrl: string };
  kafka: KafkaClientConfig;
  secrets?: StoreSecrets;
  log: RootLogger;
  /** inter.worker.key.ttl.ms (1 h). */
  keyTtlMs?: number;
}

export async function openClusterRuntime(options: ClusterRuntimeOptions): Promise<ClusterRuntime> {
  const { distributed, log } = options;
  const pool = new ClientPool(options.kafka);
  const connection = pool.connection('admin');
  const admin = pool.admin(connection);
  // The membership exists before the stores so its fence guards their writes from the first one.
  let member: WorkerGroupMember | undefined;
  const fence = {
    checkMember: (action: string) => member?.fence.checkMember(action),
    checkConnector: (connector: string, action: string) => member?.fence.checkConnector(connector, action),
    confirm: async (connector: string, action: string) => member?.fence.confirm(connector, action),
    confirmMember: async (action: string) => member?.fence.confirmMember(action),
  };
  const stores = await openClusterStores({
    config: distributed,
    openLog: (spec) =>
      new KafkaTopicLog({
        connection,
        admin,
        spec,
        onError: (error) => log.warn({ err: error, topic: spec.name }, 'reading an internal topic fails'),
      }),
    fence,
    // A worker writes config records only while it is in a live generation (see LeaderConfigStore).
    configGuard: (action) => member?.fence.confirmMember(action),
    ...(options.secrets && { secrets: options.secrets }),
    onSkippedConfig: (key, reason) => log.warn({ key }, `config record skipped: ${reason}`),
  });
  const joined = new WorkerGroupMember({
    coordinator: new KafkaGroupCoordinator({
      connection: pool.connection('consumer'),
      groupId: distributed.groupId,
      rebalanceTimeoutMs: distributed.rebalanceTimeoutMs,
    }),
    config: stores.configs,
    settings: distributed,
    url: distributed.advertisedUrl,
    // Source tasks read their offsets synchronously at start: the store has read to its end first.
    beforeStart: () => stores.offsets.refresh(),
    log: (level, message) => log[level]({ groupId: distributed.groupId }, message),
  });
  member = joined;
  const configs = new LeaderConfigStore(stores.configs, joined);
  const keyTtlMs = options.keyTtlMs ?? DEFAULT_KEY_TTL_MS;
  let keyTimer: NodeJS.Timeout | undefined;

  let keyRetry: NodeJS.Timeout | undefined;
  /** Followers refuse forwarded writes until a key exists, so a leader that could not write it tries again soon. */
  const retryKeySoon = () => {
    if (keyRetry) return;
    keyRetry = setTimeout(() => {
      keyRetry = undefined;
      void rotateKey();
    }, KEY_RETRY_MS);
    keyRetry.unref();
  };
  /** The leader writes a new session key when there is none or it expired (KIP-507). */
  const rotateKey = async (): Promise<void> => {
    if (!joined.isLeader) return;
    if (!sessionKeyExpired(stores.configs.sessionKey(), keyTtlMs)) return;
    if (joined.rebalancing) return retryKeySoon();
    try {
      await stores.configs.putSessionKey(newSessionKey());
      log.info({ groupId: distributed.groupId }, 'session key distributed');
    } catch (error) {
      log.warn({ err: error }, `writing the session key failed: ${errorMessage(error)}`);
      retryKeySoon();
    }
  };
  joined.onRebalanced(() => {
    // After each rebalance, so a new leader writes its key once it leads — also a leader that runs
    // nothing itself (no assignment change here: it used to wait for the key timer, up to a minute,
    // while every request forwarded to it was refused with a 409).
    setImmediate(() => void rotateKey());
  });

  return {
    stores,
    configs,
    member: joined,
    assignment: joined.workAssignment(),
    url: distributed.advertisedUrl,
    sessionKey: () => stores.configs.sessionKey(),
    start() {
      joined.join().catch((error: unknown) => {
        log.error(
          { err: error, groupId: distributed.groupId },
          `joining the cluster: ${errorMessage(error)}`,
        );
      });
      keyTimer = setInterval(() => void rotateKey(), Math.min(keyTtlMs / 4, 60_000));
      keyTimer.unref();
    },
    async close() {
      if (keyTimer) clearInterval(keyTimer);
      if (keyRetry) clearTimeout(keyRetry);
      await joined.leave().catch((error: unknown) => log.warn({ err: error }, 'leaving the group failed'));
      await stores.stop();
      await pool.close();
    },
  };
}

/**
 * The herder's config store on a distributed worker. Kafka Connect writes config records on the
 * leader only, so two workers never interleave writes from stale views: the REST layer forwards
 * user writes to the leader, and this refuses them elsewhere (a 409, as Connect's
 * RebalanceNeededException, when leadership moved under a request). The one exception is a
 * connector's task configs: the worker running its instance plans them and writes them itself
 * (Connect forwards them to the leader's PUT /connectors/{n}/tasks; the record is the same).
 */
export class LeaderConfigStore implements ConfigStore {
  private readonly store: ConfigStore;
  private readonly member: WorkerGroupMember;

  constructor(store: ConfigStore, member: WorkerGroupMember) {
    this.store = store;
    this.member = member;
  }

  list(): StoredConnector[] {
    return this.store.list();
  }

  get(name: string): StoredConnector | undefined {
    return this.store.get(name);
  }

  put(connector: StoredConnector): Promise<void> {
    if (!this.member.isLeader && !this.member.work().connectors.includes(connector.name)) this.refuse();
    return this.store.put(connector);
  }

  delete(name: string): Promise<void> {
    if (!this.member.isLeader) this.refuse();
    return this.store.delete(name);
  }

  putRestartRequest(request: Parameters<ConfigStore['putRestartRequest']>[0]): Promise<void> {
    if (!this.member.isLeader) this.refuse();
    return this.store.putRestartRequest(request);
  }

  subscribe(listener: Parameters<ConfigStore['subscribe']>[0]): () => void {
    return this.store.subscribe(listener);
  }

  private refuse(): never {
    throw new OnrampError('REBALANCE_NEEDED', REBALANCE_MESSAGE);
  }
}
