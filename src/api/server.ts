import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { ConnectorHost } from '../host/host.ts';
import type { LogLevels } from '../host/log-levels.ts';
import type { RootLogger } from '../host/logger.ts';
import type { Metrics } from '../host/metrics.ts';
import { adminRoutes } from './admin-routes.ts';
import { type BuildInfo, buildInfo } from './build-info.ts';
import { connectorRoutes } from './connectors-routes.ts';
import { installErrorHandling } from './http-errors.ts';
import { pluginRoutes } from './plugins-routes.ts';

// The REST API: Kafka Connect's routes plus /health, /metrics, /openapi.json and /docs. Built
// without listening, so tests can start it in-process on port 0.

export interface ServerOptions {
  host: ConnectorHost;
  levels: LogLevels;
  metrics: Metrics;
  /** Request logs go here; defaults to the "onramp.api" logger. */
  log?: RootLogger;
  build?: BuildInfo;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const build = options.build ?? buildInfo();
  const loggerInstance: FastifyBaseLogger = options.log ?? options.levels.logger('onramp.api');
  const app = Fastify({
    loggerInstance,
    // Per-request lines are noise for a management API; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Connector names can be long and the Kafka Connect API tolerates a trailing slash.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2_000 },
    bodyLimit: 16 * 1024 * 1024,
  });
  installErrorHandling(app);
  // Response schemas document the API; serializing with JSON.stringify keeps every field and skips
  // compiling a serializer per route and status at start-up.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Onramp REST API',
        description:
          'The Kafka Connect REST API (route for route, status code for status code; every error is ' +
          '{"error_code", "message"}) plus /health, /metrics and this description.',
        version: build.version,
      },
      tags: [
        { name: 'connectors', description: 'Connector management (Kafka Connect ConnectorsResource)' },
        { name: 'connector-plugins', description: 'Plugins and config validation' },
        { name: 'admin', description: 'Run-time log levels' },
        { name: 'worker', description: 'Version, health and metrics' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  connectorRoutes(app, options.host);
  pluginRoutes(app, options.host);
  adminRoutes(app, { host: options.host, levels: options.levels, metrics: options.metrics, build });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
