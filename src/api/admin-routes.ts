import type { FastifyInstance } from 'fastify';
import type { ConnectorHost } from '../host/host.ts';
import type { LogLevels } from '../host/log-levels.ts';
import type { Metrics } from '../host/metrics.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { BuildInfo } from './build-info.ts';
import { anyObject, noContent, stringList, withErrors } from './schemas.ts';

// GET / (RootResource), GET /health (KIP-1017), /admin/loggers (KIP-495, KIP-976) and our GET /metrics.

export function adminRoutes(
  app: FastifyInstance,
  deps: { host: ConnectorHost; levels: LogLevels; metrics: Metrics; build: BuildInfo },
): void {
  const { host, levels, metrics, build } = deps;

  app.get(
    '/',
    {
      schema: {
        tags: ['worker'],
        summary: 'Version, commit and Kafka cluster id',
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            properties: {
              version: { type: 'string' },
              commit: { type: 'string' },
              kafka_cluster_id: { type: 'string', nullable: true },
            },
          },
        },
      },
    },
    async () => ({
      version: build.version,
      commit: build.commit,
      kafka_cluster_id: await host.clusterId(500),
    }),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['worker'],
        summary:
          'Liveness/readiness: 200 healthy; 503 while starting or stopping, or while Kafka cannot be reached or refuses the host’s login (the message says why)',
        response: { 200: anyObject, 503: anyObject },
      },
    },
    async (_request, reply) => {
      const phase = host.phase;
      if (phase === 'created' || phase === 'starting') {
        return reply.status(503).send({ status: 'starting', message: 'Worker is still starting up.' });
      }
      if (phase !== 'running') {
        return reply.status(503).send({ status: 'unhealthy', message: 'Worker is shutting down.' });
      }
      // Bounded wait: a health probe must answer fast even while Kafka connects slowly or not at all.
      // A worker that cannot reach or log in to Kafka is unhealthy, as a Kafka Connect worker is:
      // the REST API keeps answering, but a load balancer should not count on this worker.
      const kafka = await host.kafkaHealth(200);
      if (!kafka.reachable)
        return reply.status(503).send({
          status: 'unhealthy',
          message: `Worker cannot use Kafka. ${kafka.detail}.`,
          kafka: { reachable: false },
        });
      return {
        status: 'healthy',
        message: `Worker has completed startup and is ready to handle requests. ${kafka.detail}.`,
        kafka: { reachable: kafka.reachable },
      };
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['worker'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => {
      host.refreshStateMetrics();
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );

  const loggerTags = ['admin'];
  const loggerParams = {
    type: 'object',
    properties: { logger: { type: 'string' } },
    required: ['logger'],
  } as const;

  app.get(
    '/admin/loggers',
    {
      schema: { tags: loggerTags, summary: 'Log levels of the known loggers', response: { 200: anyObject } },
    },
    async () => levels.list(),
  );

  app.get<{ Params: { logger: string } }>(
    '/admin/loggers/:logger',
    {
      schema: {
        tags: loggerTags,
        summary: 'One logger level',
        params: loggerParams,
        response: withErrors({ 200: anyObject }, 404),
      },
    },
    async (request) => {
      const level = levels.get(request.params.logger);
      if (!level) throw new OnrampError('LOGGER_NOT_FOUND', `Logger ${request.params.logger} not found.`);
      return level;
    },
  );

  app.put<{
    Params: { logger: string };
    Querystring: { scope?: string };
    Body: { level?: string } | undefined;
  }>(
    '/admin/loggers/:logger',
    {
      schema: {
        tags: loggerTags,
        summary: 'Set a level (ERROR, WARN, INFO, DEBUG, TRACE, FATAL, OFF) on a logger namespace',
        params: loggerParams,
        querystring: { type: 'object', properties: { scope: { type: 'string' } } },
        body: { type: 'object', properties: { level: { type: 'string' } } },
        response: withErrors({ 200: stringList, 204: noContent }, 400, 404),
      },
    },
    async (request, reply) => {
      const level = request.body?.level;
      if (level === undefined) {
        throw new OnrampError('BAD_REQUEST', "Desired 'level' parameter was not specified in request.");
      }
      const affected = levels.set(request.params.logger, level);
      if (!affected) throw new OnrampError('INVALID_LOG_LEVEL', `invalid log level '${level}'.`);
      // One worker is the whole cluster: scope=cluster has the same effect, answered as Kafka Connect does.
      if (request.query.scope?.toLowerCase() === 'cluster') return reply.status(204).send();
      return affected;
    },
  );
}
