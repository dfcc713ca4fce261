import { connectorPlugins } from '../connectors/index.ts';
import { clusterRouting } from './api/cluster-forwarding.ts';
import { createRestSecurity } from './api/rest-security.ts';
import { buildServer } from './api/server.ts';
import { planRestListener, type RestListenPlan } from './auth/rest-listener.ts';
import { type HostConfig, HostConfigError, loadHostConfig } from './config/host-config.ts';
import { type ClusterRuntime, openClusterRuntime } from './host/cluster-runtime.ts';
import { isSecretSetting } from './host/connector-config.ts';
import { connectorTelemetry } from './host/connector-telemetry.ts';
import { ConnectorHost } from './host/host.ts';
import { createKafkaRuntime } from './host/kafka-runtime.ts';
import { LogLevels } from './host/log-levels.ts';
import { createLogger } from './host/logger.ts';
import { Metrics } from './host/metrics.ts';
import { PluginRegistry } from './host/plugin-registry.ts';
import { ClientPool } from './kafka/client-pool.ts';
import { KafkaTopicLog } from './kafka/kafka-topic-log.ts';
import { ProductCatalog } from './mesh/catalog.ts';
import {
  type ConnectorListener,
  fanOut,
  followConfigTopic,
  observeConfigs,
  observeTopics,
} from './mesh/connector-observer.ts';
import { ConnectorView } from './mesh/connector-view.ts';
import { FreshnessTracker } from './mesh/freshness.ts';
import { applyCompatibility, enableSchemaComments } from './mesh/governance.ts';
import { MeshServices } from './mesh/mesh-services.ts';
import { LineageFeed, OpenLineageExporter } from './mesh/openlineage.ts';
import { ProductSamples } from './mesh/product-samples.ts';
import { hashSalt, productStage } from './mesh/product-stage.ts';
import { SchemaGuard } from './mesh/schema-guard.ts';
import { errorMessage } from './plugin/errors.ts';
import { ConverterFactory } from './schema/converter-factory.ts';
import { type CatalogStore, openCatalogStore } from './stores/catalog-store.ts';
import { openFileStores } from './stores/file-store.ts';
import { catalogTopicSpec, KafkaCatalogStore } from './stores/kafka-catalog-store.ts';
import { loadSecretKey, SecretCodec, SecretKeyError } from './stores/secret-codec.ts';
import type { ConfigStore, OffsetStore, StatusStore } from './stores/stores.ts';
import type { TopicStore } from './stores/topic-store.ts';

// Entry point: host config -> stores -> Kafka runtime -> connector host -> REST API. The REST API
// listens before connectors resume, and nothing here waits for Kafka, so /health answers within
// moments of start even when Kafka is down. SIGINT/SIGTERM stop tasks, flush the stores and exit.

function readConfig(): [HostConfig, RestListenPlan, ReturnType<typeof loadSecretKey>] {
  try {
    const config = loadHostConfig();
    // Checked before anything starts: the TLS files, and no unauthenticated API where others reach it.
    const secretKey = loadSecretKey({
      envKey: process.env.ONRAMP_SECRET_KEY,
      keyFile: config.secretsKeyFile,
    });
    return [config, planRestListener(config.rest), secretKey];
  } catch (error) {
    if (error instanceof HostConfigError || error instanceof SecretKeyError) {
      process.stderr.write(`onramp: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const [config, listen, secretKey] = readConfig();
const root = createLogger({ level: config.logLevel, format: config.logFormat });
const levels = new LogLevels(root);
const log = levels.logger('onramp.main');

process.on('unhandledRejection', (reason) => {
  // A stray rejection (e.g. from a client library) must not take every connector down with it.
  log.error({ err: reason }, 'unhandled promise rejection');
});

const metrics = new Metrics();
const plugins = new PluginRegistry(connectorPlugins);
if (!secretKey) {
  log.warn(
    config.distributed ? { configTopic: config.distributed.configTopic.name } : { dataDir: config.dataDir },
    config.distributed
      ? 'no secret key (ONRAMP_SECRET_KEY or secrets.key.file): connector secrets are stored unencrypted in the config topic, as Kafka Connect stores them (restrict it with ACLs, or use config providers)'
      : 'no secret key (ONRAMP_SECRET_KEY or secrets.key.file): connector secrets are stored unencrypted in the data dir (files readable by this user only)',
  );
}
for (const warning of config.warnings) log.warn(warning);
for (const provider of config.configProviders.values()) {
  if (provider.kind !== 'env' && !provider.allowedPaths) {
    log.warn(
      { provider: provider.name },
      `config provider ${provider.name} may read any file this host can read: set config.providers.${provider.name}.param.allowed.paths`,
    );
  }
}
/** The herder's stores: the data dir's files (standalone) or Kafka Connect's internal topics (distributed). */
interface HostStores {
  configs: ConfigStore;
  offsets: OffsetStore;
  statuses: StatusStore;
  topics: TopicStore;
  close(): Promise<void>;
}
let stores: HostStores;
let cluster: ClusterRuntime | undefined;
let catalogStore: CatalogStore;
/** Closes the catalog's own Kafka clients (cluster mode). */
let closeCatalogStore = async () => {};
const storeSecrets = {
  codec: secretKey && new SecretCodec(secretKey.key),
  isSecret: (connectorConfig: Readonly<Record<string, string>>, key: string, value: string) =>
    isSecretSetting(key, value, plugins.resolve(connectorConfig['connector.class'] ?? '')),
};
try {
  if (config.distributed) {
    cluster = await openClusterRuntime({
      distributed: config.distributed,
      kafka: config.kafka,
      secrets: storeSecrets,
      log: levels.logger('onramp.cluster'),
    });
    const opened = cluster;
    stores = { ...opened.stores, configs: opened.configs, close: () => opened.close() };
    // The product catalog beside the config topic, so every worker sees every product.
    const pool = new ClientPool(config.kafka);
    const connection = pool.connection('admin');
    const spec = catalogTopicSpec(config.distributed.configTopic);
    const kafkaCatalog = new KafkaCatalogStore({
      log: new KafkaTopicLog({
        connection,
        admin: pool.admin(connection),
        spec,
        onError: (error) => log.warn({ err: error, topic: spec.name }, 'reading the product topic fails'),
      }),
      onSkipped: (key, reason) => log.warn({ key, topic: spec.name }, `product record skipped: ${reason}`),
    });
    await kafkaCatalog.start();
    catalogStore = kafkaCatalog;
    closeCatalogStore = async () => {
      await kafkaCatalog.flush();
      await kafkaCatalog.stop();
      await pool.close();
    };
  } else {
    const files = await openFileStores(config.dataDir, storeSecrets);
    stores = { ...files, close: () => files.flush() };
    catalogStore = await openCatalogStore(config.dataDir);
  }
} catch (error) {
  const where = config.distributed
    ? `the cluster's topics (group.id ${config.distributed.groupId})`
    : `the data dir ${config.dataDir}`;
  log.fatal({ err: error }, `cannot open ${where}: ${errorMessage(error)}`);
  process.exit(2);
}
// The data-product catalog watches the host's connector and topic stores (src/mesh).
const registry = config.schemaRegistryUrl
  ? new ConverterFactory({
      schemaRegistryUrl: config.schemaRegistryUrl,
      schemaRegistry: config.schemaRegistry,
    }).registry({ ...config.schemaRegistry, url: config.schemaRegistry?.url ?? config.schemaRegistryUrl })
  : undefined;
const view = new ConnectorView(plugins, { providers: config.configProviders }, config.converters);
const catalog: ProductCatalog = new ProductCatalog({
  store: catalogStore,
  view,
  log: levels.logger('onramp.mesh'),
  beforePublish: async (product) => {
    await applyCompatibility(registry, product);
    await enableSchemaComments(product, {
      config: (name) => catalog.connectorConfig(name),
      patch: (name, patch) => host.patchConnectorConfig(name, patch),
    });
  },
  firstSchemaVersions: (product) => guard.firstVersions(product),
  onNewMajorVersion: (product, topic) => applyCompatibility(registry, product, [topic]),
  // In a cluster only the leader makes the catalog's automatic updates (followers read them).
  ...(cluster && { automatic: () => cluster?.member.isLeader === true }),
});
// Breaking database changes of published products are caught here, before the registry sees them.
const guard: SchemaGuard = new SchemaGuard({ store: catalog, log: levels.logger('onramp.mesh') });
const freshness = new FreshnessTracker();
const salt = hashSalt(config.dataDir);
if (config.distributed && !process.env.ONRAMP_PRODUCT_HASH_SALT)
  log.warn(
    'no ONRAMP_PRODUCT_HASH_SALT: this worker hashes personal data with its own salt (<data.dir>/product-hash.salt), so hashes differ between workers and change when a task moves; give every worker the same one',
  );
const runtime = createKafkaRuntime({
  kafka: config.kafka,
  schemaRegistryUrl: config.schemaRegistryUrl,
  schemaRegistry: config.schemaRegistry,
  workerConverters: config.converters,
  taskStopTimeoutMs: config.taskShutdownTimeoutMs,
  log: root,
  metrics,
  offsets: stores.offsets,
  sourceStage: productStage({ catalog, metrics, freshness, salt, guard }),
  ...(cluster && { ownership: cluster.member.fence }),
});

// OpenLineage export (lineage.openlineage.url): the mesh's lineage after each connector change. In a
// cluster only the leader exports (one run per connector, not one per worker); a worker that stops
// leading exports an empty mesh, which completes its runs, and the new leader starts its own.
const lineageFeed = config.lineage.openlineageUrl
  ? new LineageFeed({
      exporter: new OpenLineageExporter({
        url: config.lineage.openlineageUrl,
        namespace: config.lineage.namespace,
        kafkaServer: config.kafka.brokers[0] ?? '',
        log: levels.logger('onramp.mesh'),
      }),
      graph: async () => {
        if (cluster && !cluster.member.isLeader) return { nodes: [], edges: [] };
        await catalog.idle();
        return mesh.lineage(catalog.list());
      },
    })
  : undefined;
// Metrics and loggers follow the connectors too: loggers to target, product labels, series to drop.
const telemetry = connectorTelemetry(metrics, levels);
for (const stored of stores.configs.list()) telemetry.connectorStored(stored);
const connectorListener: ConnectorListener = fanOut([
  catalog,
  ...(lineageFeed ? [lineageFeed] : []),
  telemetry,
]);
// In a cluster the leader writes connector configs: this worker hears of them from the config
// topic (its own writes too, again: the listeners take a repeat as no change).
if (cluster) followConfigTopic(stores.configs, connectorListener);
// ...and of the topics other workers' tasks met from the status topic (the leader's catalog
// describes a new table's topic that a follower's task found).
stores.topics.subscribe?.((connector, topics) => catalog.topicsRecorded(connector, topics));

const host: ConnectorHost = new ConnectorHost({
  plugins,
  configs: observeConfigs(stores.configs, connectorListener),
  offsets: stores.offsets,
  statuses: stores.statuses,
  topics: observeTopics(stores.topics, connectorListener),
  runner: runtime.runner,
  cluster: runtime.cluster,
  log: levels.logger('onramp.host'),
  metrics,
  workerId: config.workerId,
  topicTracking: config.topicTracking,
  kafka: config.kafka,
  workerConverters: config.converters,
  taskStopTimeoutMs: config.taskShutdownTimeoutMs,
  placeholders: { providers: config.configProviders },
  ...(cluster && { assignment: cluster.assignment }),
});
const security = await createRestSecurity({
  auth: config.rest.auth,
  dataDir: config.dataDir,
  hostAllowList: listen.hostAllowList,
  log: levels.logger('onramp.auth'),
});
const mesh = new MeshServices({
  catalog,
  view,
  registry,
  groups: runtime.groups,
  contract: {
    kafkaBootstrap: config.kafka.brokers.join(','),
    schemaRegistryUrl: config.schemaRegistryUrl || undefined,
  },
  freshness,
  samples: new ProductSamples({ tail: runtime.tail, registry, salt }),
});
const server = await buildServer({
  host,
  levels,
  metrics,
  security,
  https: listen.https,
  mesh,
  ...(cluster && { cluster: clusterRouting(cluster, { workerId: config.workerId }) }),
});

try {
  await server.listen({ host: listen.host, port: listen.port });
} catch (error) {
  log.fatal({ err: error }, `cannot listen on ${listen.host}:${listen.port}: ${errorMessage(error)}`);
  await runtime.close();
  process.exit(1);
}
const address = server.server.address();
const port = typeof address === 'object' && address ? address.port : listen.port;
const shownHost = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
log.info(
  {
    dataDir: config.dataDir,
    brokers: config.kafka.brokers,
    workerId: config.workerId,
    startupMs: Math.round(performance.now()),
    auth: config.rest.auth.mode,
  },
  `REST API listening on ${listen.scheme}://${shownHost}:${port}`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    log.warn(`${signal} again: exiting without waiting`);
    process.exit(1);
  }
  stopping = true;
  log.info(`${signal}: stopping`);
  try {
    await server.close();
    await host.close();
    // A cluster worker leaves the group before its Kafka clients close: its work moves at once.
    await cluster?.member.leave();
    await runtime.close();
    await stores.close();
    await catalog.idle();
    await closeCatalogStore();
    log.info('stopped');
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await catalog.start(stores.configs.list());
await host.start();
// Joins after the herder follows the assignment: what the leader gives this worker starts at once.
cluster?.start();
lineageFeed?.schedule();
// Leadership may move with any rebalance: the new leader exports, the old one completes its runs.
// After every rebalance (onRebalanced), not only those that moved this worker's own work
// (onAssignment): a worker often becomes or stops being the leader with its work unchanged.
if (lineageFeed) cluster?.member.onRebalanced(() => lineageFeed.schedule());
// A worker that leads takes over the catalog's automatic updates, catching up on what it missed.
cluster?.member.onRebalanced(() => {
  void catalog.lead().catch((error: unknown) => log.error({ err: error }, 'catalog catch-up failed'));
});
