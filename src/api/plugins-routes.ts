import type { FastifyInstance } from 'fastify';
import type { ConnectorHost } from '../host/host.ts';
import { OnrampError } from '../plugin/errors.ts';
import { anyObject, configInfos, configMap, withErrors } from './schemas.ts';

// /connector-plugins/*: Kafka Connect's ConnectorPluginsResource (KIP-769 included).

const tags = ['connector-plugins'];

interface PluginParams {
  plugin: string;
}

const pluginParams = {
  type: 'object',
  properties: {
    plugin: { type: 'string', description: 'Class name or alias ("Connector" suffix optional)' },
  },
  required: ['plugin'],
} as const;

export function pluginRoutes(app: FastifyInstance, host: ConnectorHost): void {
  app.get<{ Querystring: { connectorsOnly?: string } }>(
    '/connector-plugins',
    {
      schema: {
        tags,
        summary: 'Installed plugins; connectorsOnly=false adds converters and transforms (KIP-769)',
        querystring: { type: 'object', properties: { connectorsOnly: { type: 'string' } } },
        response: { 200: { type: 'array', items: anyObject } },
      },
    },
    async (request) => {
      const value = request.query.connectorsOnly?.toLowerCase();
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new OnrampError(
          'BAD_REQUEST',
          `Invalid value ${request.query.connectorsOnly} for connectorsOnly: true or false`,
        );
      }
      return host.plugins.list(value !== 'false');
    },
  );

  app.get<{ Params: PluginParams }>(
    '/connector-plugins/:plugin/config',
    {
      schema: {
        tags,
        summary: "A plugin's config definitions (ConfigKeyInfo list)",
        params: pluginParams,
        response: withErrors({ 200: { type: 'array', items: anyObject } }, 404),
      },
    },
    async (request) => host.pluginConfig(request.params.plugin),
  );

  app.put<{ Params: PluginParams; Body: Record<string, string> }>(
    '/connector-plugins/:plugin/config/validate',
    {
      schema: {
        tags,
        summary: 'Validate a connector config: 200 with every error (error_count), even when invalid',
        params: pluginParams,
        body: configMap,
        response: withErrors({ 200: configInfos }, 400),
      },
    },
    async (request) => host.validate(request.params.plugin, request.body ?? {}),
  );
}
