// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Kafka Connect and Debezium placeholders, not JavaScript templates
import type {
  ConnectField,
  ConnectSchema,
  ConnectStruct,
  ConnectValue,
  Logger,
  RecordHeader,
} from '../plugin/index.ts';
import { jsonSchema, jsonValue, parseJsonDocument } from './json-payload.ts';
import { headerValue, isStruct } from './record-parts.ts';
import { topicRenamer } from './routers.ts';
import {
  booleanSetting,
  enumSetting,
  listSetting,
  named,
  type RecordTransform,
  SettingError,
  type TransformSettings,
  transformFailure,
} from './transform.ts';

// Debezium's outbox io.debezium.transforms.outbox.EventRouter: every insert into an outbox table
// (id, aggregatetype, aggregateid, type, payload) becomes a domain event on the topic
// `route.topic.replacement` makes of the `route.by.field` value (default outbox.event.<aggregatetype>),
// keyed by `table.field.event.key`, with the payload as value, the event id in the `id` header and
// `table.fields.additional.placement` columns as headers, envelope fields or the partition.
// Deletes and tombstones are dropped (the outbox row may be deleted right after the insert);
// updates are dropped with a warning (table.op.invalid.behavior=warn), an error log or a failure.

export const OUTBOX_EVENT_ROUTER = 'io.debezium.transforms.outbox.EventRouter';
export const OUTBOX_EVENT_ROUTER_SETTINGS = [
  'table.field.event.id',
  'table.field.event.key',
  'table.field.event.type',
  'table.field.event.payload',
  'table.field.event.timestamp',
  'table.fields.additional.placement',
  'table.field.additional.missing',
  'table.field.event.schema.version',
  'table.op.invalid.behavior',
  'table.expand.json.payload',
  'table.json.payload.null.behavior',
  'table.json.payload.empty.array.behavior',
  'route.by.field',
  'route.topic.regex',
  'route.topic.replacement',
  'route.tombstone.on.empty.payload',
] as const;
/** OpenTelemetry span propagation: Onramp has no tracing to continue spans into. */
export const OUTBOX_EVENT_ROUTER_UNSUPPORTED: Readonly<Record<string, string>> = {
  'tracing.span.context.field': 'OpenTelemetry tracing is not implemented; remove the setting',
  'tracing.operation.name': 'OpenTelemetry tracing is not implemented; remove the setting',
  'tracing.with.context.field.only': 'OpenTelemetry tracing is not implemented; remove the setting',
};

interface Additional {
  field: string;
  placement: 'header' | 'envelope' | 'partition';
  alias: string;
}

function additionalFields(settings: TransformSettings): Additional[] {
  return listSetting(settings, 'table.fields.additional.placement').map((entry) => {
    const parts = entry.split(':').map((part) => part.trim());
    const placement = parts[1]?.toLowerCase();
    if (
      parts.length < 2 ||
      parts.length > 3 ||
      !parts[0] ||
      (placement !== 'header' && placement !== 'envelope' && placement !== 'partition')
    )
      throw new SettingError(
        'table.fields.additional.placement',
        `Invalid value ${entry} for configuration table.fields.additional.placement: expected <column>:<header|envelope|partition>[:<alias>]`,
      );
    return { field: parts[0], placement, alias: parts[2] || parts[0] };
  });
}

const MICROS = 'io.debezium.time.MicroTimestamp';
const NANOS = 'io.debezium.time.NanoTimestamp';
const MILLIS = new Set(['org.apache.kafka.connect.data.Timestamp', 'io.debezium.time.Timestamp']);

export function outboxEventRouter(
  settings: TransformSettings,
  className: string,
  log?: Logger,
): RecordTransform {
  for (const key of Object.keys(settings))
    if (OUTBOX_EVENT_ROUTER_UNSUPPORTED[key])
      throw new SettingError(key, `${key}: ${OUTBOX_EVENT_ROUTER_UNSUPPORTED[key]}`);
  const idField = settings['table.field.event.id']?.trim() || 'id';
  const keyField = settings['table.field.event.key']?.trim() || 'aggregateid';
  const payloadField = settings['table.field.event.payload']?.trim() || 'payload';
  const timestampField = settings['table.field.event.timestamp']?.trim() || undefined;
  const versionField = settings['table.field.event.schema.version']?.trim() || undefined;
  const routeBy = settings['route.by.field']?.trim() || 'aggregatetype';
  const route = topicRenamer(
    'route.topic.regex',
    settings['route.topic.regex'] ?? '(?<routedByValue>.*)',
    settings['route.topic.replacement'] ?? 'outbox.event.${routedByValue}',
  );
  const tombstoneOnEmpty = booleanSetting(settings, 'route.tombstone.on.empty.payload', false);
  const invalidOp = enumSetting(
    settings,
    'table.op.invalid.behavior',
    ['warn', 'error', 'fatal'] as const,
    'warn',
  );
  const missing = enumSetting(
    settings,
    'table.field.additional.missing',
    ['error', 'ignore'] as const,
    'error',
  );
  const expand = booleanSetting(settings, 'table.expand.json.payload', false);
  const expansion = {
    nullBehavior: enumSetting(
      settings,
      'table.json.payload.null.behavior',
      ['ignore', 'optional_bytes'] as const,
      'ignore',
    ),
    emptyArrayBehavior: enumSetting(
      settings,
      'table.json.payload.empty.array.behavior',
      ['ignore', 'optional_string'] as const,
      'ignore',
    ),
  };
  const additional = additionalFields(settings);
  const onlyHeaders = !additional.some((extra) => extra.placement === 'envelope');
  const valueSchemas = new Map<string, ConnectSchema>();

  const eventTimestamp = (
    envelope: ConnectStruct,
    row: ConnectStruct,
    rowSchema: ConnectSchema,
  ): number | undefined => {
    const fallback = typeof envelope.ts_ms === 'number' ? envelope.ts_ms : undefined;
    if (!timestampField) return fallback;
    const field = rowSchema.fields?.find((candidate) => candidate.field === timestampField);
    if (!field)
      throw transformFailure(className, `Unable to find timestamp field ${timestampField} in event`);
    const raw = row[timestampField];
    if (raw === null || raw === undefined) return fallback;
    const value = Number(raw);
    if (field.name && MILLIS.has(field.name)) return value;
    if (field.name === MICROS) return Math.floor(value / 1000);
    if (field.name === NANOS) return Math.floor(value / 1_000_000);
    throw transformFailure(
      className,
      `Unsupported field type ${field.name ?? field.type} for event timestamp`,
    );
  };

  return named(className, (record) => {
    const value = record.value;
    if (value === null || value.value === null) return null;
    const envelope = value.value;
    if (!value.schema?.name?.endsWith('.Envelope') || !isStruct(envelope)) return record;
    const op = envelope.op;
    if (op === 'd') return null;
    if (op === 'u') {
      const message = `Unexpected update message received ${JSON.stringify(record.key?.value ?? null)} and ignored`;
      if (invalidOp === 'fatal') throw transformFailure(className, message.replace('and ignored', ', fail.'));
      if (invalidOp === 'error') log?.error({ topic: record.topic }, message);
      else log?.warn({ topic: record.topic }, message);
      return null;
    }
    const row = envelope.after;
    const rowSchema = value.schema.fields?.find((field) => field.field === 'after');
    if (!isStruct(row) || !rowSchema) return record;
    const field = (name: string): ConnectField | undefined =>
      rowSchema.fields?.find((candidate) => candidate.field === name);
    const payloadSchemaField = field(payloadField);
    if (!payloadSchemaField)
      throw transformFailure(className, `Unable to find payload field ${payloadField} in event`);
    if (!field(idField))
      throw transformFailure(className, `Unable to find event-id field ${idField} in event`);
    let payload: ConnectValue = row[payloadField] ?? null;
    let { field: _payloadName, ...payloadSchema } = payloadSchemaField as ConnectField;
    if (expand && typeof payload === 'string') {
      const document = parseJsonDocument(payload);
      const schema = document === undefined ? undefined : jsonSchema(payloadField, document, expansion);
      if (document !== undefined && schema) {
        payloadSchema = schema;
        payload = jsonValue(schema, document);
      }
    }
    const headers: RecordHeader[] = [
      ...(record.headers ?? []),
      { key: 'id', value: headerValue(row[idField] ?? null) },
    ];
    const routedBy = row[routeBy];
    if (typeof routedBy !== 'string')
      throw transformFailure(
        className,
        `Unable to route the event: ${routeBy} is ${JSON.stringify(routedBy ?? null)}`,
      );
    let partition: number | undefined;
    const envelopeFields: Array<[string, ConnectValue]> = [];
    for (const extra of additional) {
      const extraField = field(extra.field);
      if (!extraField) {
        if (missing === 'ignore') continue;
        throw transformFailure(className, `Unable to find field ${extra.field} in event`);
      }
      const extraValue = row[extra.field] ?? null;
      if (extra.placement === 'header') headers.push({ key: extra.alias, value: headerValue(extraValue) });
      else if (extra.placement === 'partition')
        partition = typeof extraValue === 'number' ? extraValue : undefined;
      else envelopeFields.push([extra.alias, extraValue]);
    }
    const empty = payload === null || (typeof payload === 'string' && payload.trim() === '');
    let outValue: typeof record.value;
    if (empty && tombstoneOnEmpty) outValue = null;
    else if (onlyHeaders) outValue = { schema: payloadSchema, value: payload };
    else {
      const version = versionField ? row[versionField] : undefined;
      const cacheKey = `${routedBy}\u0000${version ?? ''}\u0000${JSON.stringify(payloadSchema)}`;
      let schema = valueSchemas.get(cacheKey);
      if (!schema) {
        const base = value.schema.name as string;
        const dot = base.lastIndexOf('.');
        schema = {
          type: 'struct',
          name:
            dot < 0 ? `${routedBy}.${base}` : `${base.slice(0, dot + 1)}${routedBy}.${base.slice(dot + 1)}`,
          ...(typeof version === 'number' && { version }),
          fields: [
            { ...payloadSchema, field: 'payload' },
            ...additional
              .filter((extra) => extra.placement === 'envelope' && field(extra.field))
              .map(
                (extra): ConnectField => ({ ...(field(extra.field) as ConnectField), field: extra.alias }),
              ),
          ],
        };
        if (valueSchemas.size > 10_000) valueSchemas.clear();
        valueSchemas.set(cacheKey, schema);
      }
      outValue = { schema, value: Object.fromEntries([['payload', payload], ...envelopeFields]) };
    }
    const keySchema = field(keyField);
    const key = keySchema
      ? { schema: (({ field: _name, ...rest }) => rest)(keySchema), value: row[keyField] ?? null }
      : { schema: { type: 'string' as const, optional: true }, value: null };
    const timestamp = eventTimestamp(envelope, row, rowSchema);
    const out = {
      ...record,
      topic: route(routedBy),
      key,
      value: outValue,
      headers,
      ...(timestamp !== undefined && { timestamp }),
    };
    if (partition !== undefined) out.kafkaPartition = partition;
    return out;
  });
}
