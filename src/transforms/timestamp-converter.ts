import type { ConnectField, ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/index.ts';
import { DATE, TIME, TIMESTAMP } from '../schema/logical-types.ts';
import { JavaDateFormat } from './java-date-format.ts';
import { copyBasics, fieldValue, operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  enumSetting,
  named,
  type RecordTransform,
  SettingError,
  type TransformSettings,
  transformFailure,
} from './transform.ts';

// org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value: converts a timestamp field
// (`field`, empty = the whole key or value) between string (`format`, a SimpleDateFormat pattern,
// UTC), unix (int64 in `unix.precision`), Date, Time and Timestamp. Beyond Kafka's: Debezium's
// io.debezium.time.{Timestamp,MicroTimestamp,NanoTimestamp,Date} inputs are read in their own unit
// (Kafka would read them as unix milliseconds), and ISO-8601 strings (io.debezium.time.ZonedTimestamp)
// parse without a `format`.

export const TIMESTAMP_CONVERTER = 'org.apache.kafka.connect.transforms.TimestampConverter';
export const TIMESTAMP_CONVERTER_SETTINGS = [
  'field',
  'target.type',
  'format',
  'unix.precision',
  'replace.null.with.default',
] as const;

const TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
const PRECISIONS = ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;
type Precision = (typeof PRECISIONS)[number];
const PER_MILLI: Record<Precision, number> = {
  seconds: 0.001,
  milliseconds: 1,
  microseconds: 1000,
  nanoseconds: 1e6,
};
const DAY = 86_400_000;

const DEBEZIUM_UNITS: Record<string, Precision> = {
  'io.debezium.time.Timestamp': 'milliseconds',
  'io.debezium.time.MicroTimestamp': 'microseconds',
  'io.debezium.time.NanoTimestamp': 'nanoseconds',
};

export function timestampConverter(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'converting timestamp formats';
  const field = settings.field?.trim() ?? '';
  if (settings['target.type'] === undefined || settings['target.type'].trim() === '')
    throw new SettingError(
      'target.type',
      'Missing required configuration "target.type" which has no default value.',
    );
  const target = enumSetting(settings, 'target.type', TYPES, 'Timestamp');
  const precision = enumSetting(settings, 'unix.precision', PRECISIONS, 'milliseconds');
  const pattern = settings.format ?? '';
  if (target === 'string' && pattern.trim() === '')
    throw new SettingError(
      'format',
      'TimestampConverter requires format option to be specified when using string timestamps',
    );
  let format: JavaDateFormat | undefined;
  if (pattern.trim() !== '') {
    try {
      format = new JavaDateFormat(pattern);
    } catch (error) {
      throw new SettingError(
        'format',
        `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);

  const targetSchema = (optional: boolean | undefined): ConnectSchema => {
    const base: ConnectSchema =
      target === 'string'
        ? { type: 'string' }
        : target === 'unix'
          ? { type: 'int64' }
          : target === 'Date'
            ? { type: 'int32', name: DATE, version: 1 }
            : target === 'Time'
              ? { type: 'int32', name: TIME, version: 1 }
              : { type: 'int64', name: TIMESTAMP, version: 1 };
    return optional ? { ...base, optional: true } : base;
  };

  /** The instant in milliseconds a value of `schema` (or an inferred type) stands for. */
  const toMillis = (schema: ConnectSchema | undefined, value: ConnectValue): number => {
    const name = schema?.name;
    if (name === TIMESTAMP || name === TIME) return Number(value);
    if (name === DATE || name === 'io.debezium.time.Date') return Number(value) * DAY;
    if (name !== undefined && DEBEZIUM_UNITS[name]) return Number(value) / PER_MILLI[DEBEZIUM_UNITS[name]];
    if (typeof value === 'string') {
      const parsed = format ? format.parse(value) : Date.parse(value);
      if (parsed === undefined || Number.isNaN(parsed))
        throw transformFailure(
          className,
          `Could not parse timestamp: value (${value}) does not match pattern (${pattern})`,
        );
      return parsed;
    }
    if (typeof value === 'number' || typeof value === 'bigint') {
      if (schema && schema.type !== 'int64')
        throw transformFailure(
          className,
          `Schema ${schema.type} does not correspond to a known timestamp type format`,
        );
      return Number(value) / PER_MILLI[precision];
    }
    throw transformFailure(
      className,
      `Expected a timestamp, found ${value === null ? 'null' : typeof value}`,
    );
  };

  const convert = (schema: ConnectSchema | undefined, value: ConnectValue): ConnectValue => {
    if (value === null) return null;
    const millis = Math.floor(toMillis(schema, value));
    switch (target) {
      case 'string':
        return (format as JavaDateFormat).format(millis);
      case 'unix':
        return precision === 'milliseconds' ? millis : Math.floor(millis * PER_MILLI[precision]);
      case 'Date':
        return Math.floor(millis / DAY);
      case 'Time':
        return ((millis % DAY) + DAY) % DAY;
      default:
        return millis;
    }
  };

  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => ({
    ...copyBasics(schema, 'struct'),
    fields: (schema.fields ?? []).map(
      (candidate): ConnectField =>
        candidate.field === field ? { ...targetSchema(candidate.optional), field } : candidate,
    ),
  });

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null) return record;
    if (field === '') {
      const schema = data.schema ? targetSchema(data.schema.optional) : null;
      return withPart(record, part, { schema, value: convert(data.schema ?? undefined, data.value) });
    }
    if (data.value === null) return record;
    if (data.schema === null) {
      const updated: ConnectStruct = { ...requireMap(className, data.value, purpose) };
      updated[field] = convert(undefined, updated[field] ?? null);
      return withPart(record, part, { schema: null, value: updated });
    }
    const struct = requireStruct(className, data, purpose);
    const updated: ConnectStruct = {};
    for (const candidate of struct.schema.fields ?? []) {
      const value = fieldValue(struct.value, candidate, useDefault);
      updated[candidate.field] = candidate.field === field ? convert(candidate, value) : value;
    }
    return withPart(record, part, { schema: schemas.get(struct.schema, derive), value: updated });
  });
}
