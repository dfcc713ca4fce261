import type { FastifyInstance } from 'fastify';
import type { ConnectorHost } from '../host/host.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { TargetState } from '../stores/stores.ts';
import {
  accepted,
  anyObject,
  configMap,
  configPatch,
  connectorInfo,
  connectorNameParams,
  connectorStateInfo,
  messageBody,
  noContent,
  offsetsBody,
  offsetsRequest,
  stringList,
  taskParams,
  taskState,
  withErrors,
} from './schemas.ts';

// /connectors/*: Kafka Connect's ConnectorsResource, route for route and status code for status code.

interface NameParams {
  name: string;
}
interface TaskParams extends NameParams {
  task: string;
}

const tags = ['connectors'];

const INITIAL_STATES: Readonly<Record<string, TargetState>> = {
  RUNNING: 'STARTED',
  PAUSED: 'PAUSED',
  STOPPED: 'STOPPED',
};

function taskId(raw: string, name: string): number {
  // Jersey answers 404 when {task} is not an int; so do we (after the connector check).
  if (!/^\d+$/.test(raw)) throw new OnrampError('TASK_NOT_FOUND', `No status found for task ${name}-${raw}`);
  return Number(raw);
}

function location(name: string): string {
  return `/connectors/${encodeURIComponent(name)}`;
}

function flag(value: string | undefined): boolean {
  return value?.toLowerCase() === 'true';
}

export function connectorRoutes(app: FastifyInstance, host: ConnectorHost): void {
  app.get<{ Querystring: { expand?: string[] } }>(
    '/connectors',
    {
      schema: {
        tags,
        summary: 'List connectors; with expand=status and/or expand=info, details keyed by name',
        querystring: {
          type: 'object',
          properties: { expand: { type: 'array', items: { type: 'string' } } },
        },
        response: { 200: { description: 'Names, or details keyed by name', anyOf: [stringList, anyObject] } },
      },
    },
    async (request) => {
      const names = host.connectorNames();
      const expand = request.query.expand;
      if (expand === undefined) return names;
      // Keyed by user-chosen names: no prototype, so one named __proto__ is an entry like any other.
      const out: Record<string, Record<string, unknown>> = Object.create(null);
      for (const name of names) {
        const entry: Record<string, unknown> = {};
        for (const expansion of expand) {
          // Unknown expansions are ignored, as in Kafka Connect.
          if (expansion === 'status') entry.status = host.connectorStatus(name);
          if (expansion === 'info') entry.info = host.connectorInfo(name);
        }
        out[name] = entry;
      }
      return out;
    },
  );

  app.post<{ Body: { name?: string; config?: Record<string, string>; initial_state?: string } }>(
    '/connectors',
    {
      schema: {
        tags,
        summary: 'Create a connector',
        body: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            config: configMap,
            initial_state: {
              type: 'string',
              enum: ['RUNNING', 'PAUSED', 'STOPPED', 'running', 'paused', 'stopped'],
            },
          },
          required: ['config'],
        },
        response: withErrors({ 201: connectorInfo }, 400, 409, 500),
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body === undefined || body === null)
        throw new OnrampError('BAD_REQUEST', 'Request body is required');
      const initial =
        body.initial_state === undefined ? 'STARTED' : INITIAL_STATES[body.initial_state.toUpperCase()];
      if (initial === undefined)
        throw new OnrampError('BAD_REQUEST', `Invalid initial_state ${body.initial_state}`);
      const info = await host.createConnector(body.name ?? '', body.config ?? {}, initial);
      return reply.status(201).header('Location', location(info.name)).send(info);
    },
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name',
    {
      schema: {
        tags,
        summary: 'Connector details',
        params: connectorNameParams,
        response: withErrors({ 200: connectorInfo }, 404),
      },
    },
    async (request) => host.connectorInfo(request.params.name),
  );

  app.delete<{ Params: NameParams }>(
    '/connectors/:name',
    {
      schema: {
        tags,
        summary: 'Delete a connector',
        params: connectorNameParams,
        response: withErrors({ 204: noContent }, 404),
      },
    },
    async (request, reply) => {
      await host.deleteConnector(request.params.name);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/config',
    {
      schema: {
        tags,
        summary: 'Connector config as stored (placeholders unresolved, passwords hidden)',
        params: connectorNameParams,
        response: withErrors({ 200: anyObject }, 404),
      },
    },
    async (request) => host.connectorConfig(request.params.name),
  );

  app.put<{ Params: NameParams; Body: Record<string, string> }>(
    '/connectors/:name/config',
    {
      schema: {
        tags,
        summary: 'Create (201) or reconfigure (200) a connector',
        params: connectorNameParams,
        body: configMap,
        response: withErrors({ 200: connectorInfo, 201: connectorInfo }, 400, 500),
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { created, info } = await host.putConnectorConfig(name, request.body ?? {});
      if (created) return reply.status(201).header('Location', location(name)).send(info);
      return info;
    },
  );

  app.patch<{ Params: NameParams; Body: Record<string, string | null> }>(
    '/connectors/:name/config',
    {
      schema: {
        tags,
        summary: 'Patch a connector config (KIP-477); null removes a key',
        params: connectorNameParams,
        body: configPatch,
        response: withErrors({ 200: connectorInfo }, 400, 404),
      },
    },
    async (request) => host.patchConnectorConfig(request.params.name, request.body ?? {}),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/status',
    {
      schema: {
        tags,
        summary: 'Connector and task states',
        params: connectorNameParams,
        response: withErrors({ 200: connectorStateInfo }, 404),
      },
    },
    async (request) => host.connectorStatus(request.params.name),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/tasks',
    {
      schema: {
        tags,
        summary: 'Task configs',
        params: connectorNameParams,
        response: withErrors({ 200: { type: 'array', items: anyObject } }, 404),
      },
    },
    async (request) => host.taskConfigs(request.params.name),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/tasks-config',
    {
      schema: {
        tags,
        summary: 'Task configs keyed by task id (deprecated in Kafka 3.7, KIP-970)',
        deprecated: true,
        params: connectorNameParams,
        response: withErrors({ 200: anyObject }, 404),
      },
    },
    async (request) => host.tasksConfig(request.params.name),
  );

  app.get<{ Params: TaskParams }>(
    '/connectors/:name/tasks/:task/status',
    {
      schema: {
        tags,
        summary: 'One task state',
        params: taskParams,
        response: withErrors({ 200: taskState }, 404),
      },
    },
    async (request) => {
      const { name, task } = request.params;
      host.assertConnector(name);
      return host.taskStatus(name, taskId(task, name));
    },
  );

  app.post<{ Params: TaskParams }>(
    '/connectors/:name/tasks/:task/restart',
    {
      schema: {
        tags,
        summary: 'Restart one task',
        params: taskParams,
        response: withErrors({ 204: noContent }, 404),
      },
    },
    async (request, reply) => {
      const { name, task } = request.params;
      host.assertConnector(name);
      if (!/^\d+$/.test(task)) throw new OnrampError('TASK_NOT_FOUND', `Task ${name}-${task} not found`);
      await host.restartTask(name, Number(task));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: NameParams; Querystring: { includeTasks?: string; onlyFailed?: string } }>(
    '/connectors/:name/restart',
    {
      schema: {
        tags,
        summary:
          'Restart the connector; with includeTasks/onlyFailed (KIP-745) 202 and the states being restarted',
        params: connectorNameParams,
        querystring: {
          type: 'object',
          properties: { includeTasks: { type: 'string' }, onlyFailed: { type: 'string' } },
        },
        response: withErrors({ 202: connectorStateInfo, 204: noContent }, 404),
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const includeTasks = flag(request.query.includeTasks);
      const onlyFailed = flag(request.query.onlyFailed);
      if (!includeTasks && !onlyFailed) {
        await host.restartConnector(name);
        return reply.status(204).send();
      }
      return reply.status(202).send(await host.restartConnectorAndTasks(name, { includeTasks, onlyFailed }));
    },
  );

  for (const [action, summary, status] of [
    ['pause', 'Pause the connector and its tasks (idempotent)', 202],
    ['resume', 'Resume a paused or stopped connector (idempotent)', 202],
    ['stop', 'Stop the connector: its tasks shut down, none remain (KIP-875)', 204],
  ] as const) {
    app.put<{ Params: NameParams }>(
      `/connectors/:name/${action}`,
      {
        schema: {
          tags,
          summary,
          params: connectorNameParams,
          response: withErrors({ [status]: status === 202 ? accepted : noContent }, 404),
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        if (action === 'pause') await host.pauseConnector(name);
        else if (action === 'resume') await host.resumeConnector(name);
        else await host.stopConnector(name);
        return reply.status(status).send();
      },
    );
  }

  app.post<{ Params: NameParams; Body: Record<string, unknown> }>(
    '/connectors/:name/snapshots',
    {
      schema: {
        tags,
        summary:
          'Take an ad hoc snapshot (Onramp): the body is Debezium\'s execute-snapshot signal data, {"type":"incremental"|"blocking","data-collections":[...],"additional-conditions":[{"data-collection":"...","filter":"..."}],"surrogate-key":"..."}; 202 with the signal id and the progress',
        params: connectorNameParams,
        body: { type: 'object' },
        response: withErrors({ 202: anyObject }, 400, 403, 404, 409),
      },
    },
    async (request, reply) =>
      reply.status(202).send(await host.requestSnapshot(request.params.name, request.body)),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/snapshots',
    {
      schema: {
        tags,
        summary:
          "Progress of the ad hoc (incremental and blocking) snapshots of the connector's task (Onramp): per table its state, rows read, estimated remaining rows and chunk",
        params: connectorNameParams,
        response: withErrors({ 200: anyObject }, 400, 404, 409),
      },
    },
    async (request) => host.snapshotProgress(request.params.name),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/offsets',
    {
      schema: {
        tags,
        summary: 'Connector offsets (KIP-875)',
        params: connectorNameParams,
        response: withErrors({ 200: offsetsBody }, 404),
      },
    },
    async (request) => host.connectorOffsets(request.params.name),
  );

  app.patch<{ Params: NameParams; Body: unknown }>(
    '/connectors/:name/offsets',
    {
      schema: {
        tags,
        summary: 'Alter offsets of a STOPPED connector; a null offset resets that partition',
        params: connectorNameParams,
        body: offsetsRequest,
        response: withErrors({ 200: messageBody }, 400, 404),
      },
    },
    async (request) => host.alterConnectorOffsets(request.params.name, request.body),
  );

  app.delete<{ Params: NameParams }>(
    '/connectors/:name/offsets',
    {
      schema: {
        tags,
        summary: 'Reset all offsets of a STOPPED connector',
        params: connectorNameParams,
        response: withErrors({ 200: messageBody }, 400, 404),
      },
    },
    async (request) => host.resetConnectorOffsets(request.params.name),
  );

  app.get<{ Params: NameParams }>(
    '/connectors/:name/topics',
    {
      schema: {
        tags,
        summary: 'Topics the connector wrote or read (KIP-558)',
        params: connectorNameParams,
        response: withErrors({ 200: anyObject }, 403, 404),
      },
    },
    async (request) => host.activeTopics(request.params.name),
  );

  app.put<{ Params: NameParams }>(
    '/connectors/:name/topics/reset',
    {
      schema: {
        tags,
        summary: 'Forget the topics the connector used',
        params: connectorNameParams,
        response: withErrors({ 202: accepted }, 403, 404),
      },
    },
    async (request, reply) => {
      await host.resetActiveTopics(request.params.name);
      return reply.status(202).send();
    },
  );
}
