import type { ConnectStruct, ConnectValue, SourceRecord } from '../../../src/plugin/index.ts';

// A signal as Debezium's channels deliver it: an id, a type (the action) and its data, a JSON
// document. From the signal table it is a row (id, type, data: the first three columns, by
// position, as Debezium reads them); from Kafka a message `{"id":..,"type":..,"data":{..}}` keyed
// by the connector's topic.prefix; through the REST API the data alone.

export interface SignalRecord {
  id: string;
  type: string;
  /** The data document; {} when the signal has none. */
  data: Record<string, unknown>;
  /** Where it came from, for logs: 'source', 'kafka' or 'rest'. */
  channel: string;
  /** Why the data could not be read (the action then reports it). */
  dataError?: string;
}

export const OPEN_WINDOW = 'snapshot-window-open';
export const CLOSE_WINDOW = 'snapshot-window-close';

function text(value: ConnectValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Parses a data document (text); a document that is not a JSON object is an error with why. */
export function parseSignalData(raw: string | null | undefined): Record<string, unknown> {
  if (raw === null || raw === undefined || raw.trim() === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('the signal data is not a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * The signal a change event of the signal table carries: an insert's row, or (watermarking
 * strategy insert_delete) the deletion of an open-window row, which closes that window.
 */
export function signalFromChange(record: SourceRecord): SignalRecord | undefined {
  const envelope = record.value?.value as ConnectStruct | null | undefined;
  if (!envelope) return undefined;
  const op = envelope.op;
  const row = (op === 'd' ? envelope.before : envelope.after) as ConnectStruct | null | undefined;
  if ((op !== 'c' && op !== 'd') || !row) return undefined;
  const values = Object.values(row);
  if (values.length !== 3) return undefined;
  const [id, type, data] = values.map(text);
  if (id === undefined) return undefined;
  if (op === 'd') {
    // Debezium's DeleteWindowCloser: deleting "<chunk>-open" closes that chunk's window.
    return { id: id.replace('open', 'close'), type: CLOSE_WINDOW, data: {}, channel: 'source' };
  }
  if (type === undefined) return undefined;
  try {
    return { id, type, data: parseSignalData(data), channel: 'source' };
  } catch (error) {
    return { id, type, data: {}, channel: 'source', dataError: (error as Error).message };
  }
}

/** A Kafka signal message's signal, when its key names this connector (topic.prefix). */
export function signalFromMessage(
  key: string | null,
  value: string | null,
  topicPrefix: string,
): SignalRecord | { ignored: string } {
  if (key !== topicPrefix)
    return { ignored: `its key ${JSON.stringify(key)} is not this connector's topic.prefix` };
  if (value === null || value.trim() === '') return { ignored: 'it has no value' };
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    return { ignored: 'its value is not JSON' };
  }
  const fields = (typeof document === 'object' && document !== null ? document : {}) as Record<
    string,
    unknown
  >;
  if (typeof fields.type !== 'string') return { ignored: 'it has no type' };
  const data = fields.data;
  return {
    id: typeof fields.id === 'string' ? fields.id : '',
    type: fields.type,
    data:
      typeof data === 'object' && data !== null && !Array.isArray(data)
        ? (data as Record<string, unknown>)
        : {},
    channel: 'kafka',
  };
}
