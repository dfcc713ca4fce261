import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
  LogController,
} from 'fastify';
import type { HttpsOptions } from '../auth/rest-listener.ts';
import type { ConnectorHost } from '../host/host.ts';
import type { LogLevels } from '../host/log-levels.ts';
import type { RootLogger } from '../host/logger.ts';
import type { Metrics } from '../host/metrics.ts';
import type { MeshServices } from '../mesh/mesh-services.ts';
import { adminRoutes } from './admin-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { type BuildInfo, buildInfo } from './build-info.ts';
import {
  type ClusterRouting,
  checkForwardedRequests,
  installClusterForwarding,
  isForwardedRequest,
} from './cluster-forwarding.ts';
import { connectorRoutes } from './connectors-routes.ts';
import { frameworkErrorReply, installErrorHandling } from './http-errors.ts';
import { pluginRoutes } from './plugins-routes.ts';
import { hostConnectorStates, productRoutes } from './products-routes.ts';
import { installRestSecurity, type RestSecurity, type StoredDomainLookup } from './rest-security.ts';
import { uiRoutes } from './ui-routes.ts';

// The REST API: Kafka Connect's routes plus /health, /metrics, /openapi.json, /docs and
// /admin/audit, behind the guards of rest-security.ts when given. Built without listening, so tests
// can start it in-process on port 0.

export interface ServerOptions {
  host: ConnectorHost;
  levels: LogLevels;
  metrics: Metrics;
  /** Request logs go here; defaults to the "onramp.api" logger. */
  log?: RootLogger;
  build?: BuildInfo;
  /** Authentication, audit and the Host allow-list; without it every caller may do everything. */
  security?: RestSecurity;
  /** Serve HTTPS with these (an https:// listener). */
  https?: HttpsOptions;
  /** The data-product catalog's routes (/domains, /products, /lineage) when given. */
  mesh?: MeshServices;
  /** mode distributed: writes go to the leader (cluster-forwarding.ts). */
  cluster?: ClusterRouting;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const build = options.build ?? buildInfo();
  const loggerInstance: FastifyBaseLogger = options.log ?? options.levels.logger('onramp.api');
  const app = Fastify({
    loggerInstance,
    // Per-request lines are noise for a management API; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // The Kafka Connect API tolerates a trailing slash. A connector name (at most 249 UTF-16 units,
    // see checkConnectorName) takes up to 9 characters per unit percent-encoded.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 249 * 9 },
    bodyLimit: 16 * 1024 * 1024,
    frameworkErrors: frameworkErrorReply,
    ...(options.https && { serverFactory: httpsServerFactory(options.https) }),
  });
  installErrorHandling(app);
  const mesh = options.mesh;
  // Before the security hooks: a hop's signed identity is what they authorize.
  if (options.cluster) checkForwardedRequests(app, options.cluster);
  if (options.security)
    installRestSecurity(
      app,
      options.security,
      storedDomainOf(options.host),
      mesh && ((id) => mesh.catalog.domainOf(id)),
      options.cluster && isForwardedRequest,
    );
  if (options.cluster) installClusterForwarding(app, options.cluster);
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
      ...(options.security?.authenticator && {
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer' },
            basic: { type: 'http', scheme: 'basic', description: 'Token name as user, token as password' },
          },
        },
        security: [{ bearer: [] }, { basic: [] }],
      }),
      tags: [
        { name: 'connectors', description: 'Connector management (Kafka Connect ConnectorsResource)' },
        { name: 'connector-plugins', description: 'Plugins and config validation' },
        { name: 'admin', description: 'Run-time log levels and the audit log' },
        { name: 'worker', description: 'Version, health and metrics' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  connectorRoutes(app, options.host);
  pluginRoutes(app, options.host);
  adminRoutes(app, { host: options.host, levels: options.levels, metrics: options.metrics, build });
  if (mesh) productRoutes(app, mesh, hostConnectorStates(options.host));
  if (options.security?.audit) auditRoutes(app, options.security.audit);
  uiRoutes(app, {
    host: options.host,
    metrics: options.metrics,
    authenticator: options.security?.authenticator,
    sessions: options.security?.sessions,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** The product.domain a stored connector belongs to, for domain-scoped tokens. */
function storedDomainOf(host: ConnectorHost): StoredDomainLookup {
  return (name) => {
    if (!host.connectorNames().includes(name)) return undefined;
    return { domain: host.connectorConfig(name)['product.domain'] };
  };
}

/**
 * fastify types its instance by server class; an HTTPS server handles requests exactly like the
 * HTTP one, so it is handed over through serverFactory and the routes keep one instance type.
 */
function httpsServerFactory(https: HttpsOptions): FastifyServerFactory {
  return (handler) => createHttpsServer(https, handler) as unknown as Server;
}
