// JSON schemas of the Kafka Connect REST bodies. They validate requests and document the API in
// /openapi.json. Response objects allow additional properties everywhere, because fastify serializes
// responses with these schemas and must never drop a field a client relies on.

const open = { type: 'object', additionalProperties: true } as const;

export const errorSchema = {
  description: 'Error ({"error_code": <HTTP status>, "message": "..."})',
  type: 'object',
  additionalProperties: true,
  properties: { error_code: { type: 'integer' }, message: { type: 'string' } },
} as const;

/** A flat connector config: every value a string (numbers and booleans are accepted and stringified). */
export const configMap = {
  type: 'object',
  description: 'Flat map of config keys to string values',
  additionalProperties: { type: 'string' },
} as const;

export const configPatch = {
  type: 'object',
  description: 'Partial config: a string sets a key, null removes it',
  additionalProperties: { type: 'string', nullable: true },
} as const;

export const connectorNameParams = {
  type: 'object',
  properties: { name: { type: 'string', description: 'Connector name (URL-encoded)' } },
  required: ['name'],
} as const;

export const taskParams = {
  type: 'object',
  properties: { name: { type: 'string' }, task: { type: 'string', description: 'Task id (0, 1, ...)' } },
  required: ['name', 'task'],
} as const;

export const connectorInfo = {
  ...open,
  description: 'ConnectorInfo',
  properties: {
    name: { type: 'string' },
    config: { ...open },
    tasks: {
      type: 'array',
      items: { ...open, properties: { connector: { type: 'string' }, task: { type: 'integer' } } },
    },
    type: { type: 'string', enum: ['source', 'sink', 'unknown'] },
    warnings: {
      type: 'array',
      description:
        'Not in Kafka Connect: keys kept without effect, offsets left behind by a remap (only when any)',
      items: { ...open, properties: { name: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

const state = {
  ...open,
  properties: { state: { type: 'string' }, worker_id: { type: 'string' }, trace: { type: 'string' } },
} as const;

export const taskState = {
  ...open,
  description: 'TaskState',
  properties: { id: { type: 'integer' }, ...state.properties },
} as const;

export const connectorStateInfo = {
  ...open,
  description: 'ConnectorStateInfo',
  properties: {
    name: { type: 'string' },
    connector: state,
    tasks: { type: 'array', items: taskState },
    type: { type: 'string', enum: ['source', 'sink', 'unknown'] },
    warnings: {
      type: 'array',
      description:
        'Not in Kafka Connect: keys kept without effect, offsets left behind by a remap (only when any)',
      items: { ...open, properties: { name: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

export const offsetsBody = {
  ...open,
  description: 'ConnectorOffsets (KIP-875)',
  properties: {
    offsets: {
      type: 'array',
      items: { ...open, properties: { partition: { ...open }, offset: { ...open, nullable: true } } },
    },
  },
} as const;

/** PATCH body: entries are checked by the host, so Kafka Connect's messages come out for bad ones. */
export const offsetsRequest = {
  ...open,
  description: 'ConnectorOffsets to write; "offset": null resets that partition',
  properties: {
    offsets: {
      type: 'array',
      items: {
        ...open,
        properties: { partition: { ...open, nullable: true }, offset: { ...open, nullable: true } },
      },
    },
  },
} as const;

export const messageBody = {
  ...open,
  description: 'Message',
  properties: { message: { type: 'string' } },
} as const;

export const configInfos = {
  ...open,
  description: 'ConfigInfos: every config with its definition, value and errors',
  properties: {
    name: { type: 'string' },
    error_count: { type: 'integer' },
    groups: { type: 'array', items: { type: 'string' } },
    configs: { type: 'array', items: { ...open } },
    warnings: {
      type: 'array',
      description:
        'Not in Kafka Connect: keys kept without effect, offsets left behind by a remap (only when any)',
      items: { ...open, properties: { name: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

export const anyObject = { ...open } as const;

export const stringList = { type: 'array', items: { type: 'string' } } as const;

export const noContent = { description: 'No content', type: 'null' } as const;

export const accepted = { description: 'Accepted', type: 'null' } as const;

/** Standard error responses to document next to a route's success response. */
export function withErrors<T extends Record<number, unknown>>(responses: T, ...statuses: number[]) {
  return { ...responses, ...Object.fromEntries(statuses.map((status) => [status, errorSchema])) };
}
