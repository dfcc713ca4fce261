import { connectorPlugins } from '../connectors/index.ts';
import { createRestSecurity } from './api/rest-security.ts';
import { buildServer } from './api/server.ts';
import { planRestListener, type RestListenPlan } from './auth/rest-listener.ts';
import { type HostConfig, HostConfigError, loadHostConfig } from './config/host-config.ts';
import { ConnectorHost } from './host/host.ts';
import { LogLevels } from './host/log-levels.ts';
import { createLogger } from './host/logger.ts';
import { Metrics } from './host/metrics.ts';
import { PluginRegistry } from './host/plugin-registry.ts';
import { createKafkaRuntime } from './kafka/index.ts';
import { errorMessage } from './plugin/errors.ts';
import { openFileStores } from './stores/file-store.ts';

// Entry point: host config -> stores -> Kafka runtime -> connector host -> REST API. The REST API
// listens before connectors resume, and nothing here waits for Kafka, so /health answers within
// moments of start even when Kafka is down. SIGINT/SIGTERM stop tasks, flush the stores and exit.

function readConfig(): [HostConfig, RestListenPlan] {
  try {
    const config = loadHostConfig();
    // Checked before anything starts: the TLS files, and no unauthenticated API where others reach it.
    return [config, planRestListener(config.rest)];
  } catch (error) {
    if (error instanceof HostConfigError) {
      process.stderr.write(`onramp: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const [config, listen] = readConfig();
const root = createLogger(config.logLevel);
const levels = new LogLevels(root);
const log = levels.logger('onramp.main');

process.on('unhandledRejection', (reason) => {
  // A stray rejection (e.g. from a client library) must not take every connector down with it.
  log.error({ err: reason }, 'unhandled promise rejection');
});

const metrics = new Metrics();
const stores = await openFileStores(config.dataDir);
const runtime = createKafkaRuntime({
  kafka: config.kafka,
  schemaRegistryUrl: config.schemaRegistryUrl,
  schemaRegistry: config.schemaRegistry,
  log: root,
  metrics,
  offsets: stores.offsets,
  workerId: config.workerId,
});
const host = new ConnectorHost({
  plugins: new PluginRegistry(connectorPlugins),
  configs: stores.configs,
  offsets: stores.offsets,
  statuses: stores.statuses,
  topics: stores.topics,
  runner: runtime.runner,
  cluster: runtime.cluster,
  log: levels.logger('onramp.host'),
  metrics,
  workerId: config.workerId,
  topicTracking: config.topicTracking,
  kafka: config.kafka,
});
const security = await createRestSecurity({
  auth: config.rest.auth,
  dataDir: config.dataDir,
  hostAllowList: listen.hostAllowList,
  log: levels.logger('onramp.auth'),
});
const server = await buildServer({ host, levels, metrics, security, https: listen.https });

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
    await runtime.close();
    await stores.flush();
    log.info('stopped');
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

await host.start();
