import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceRuntimeConfig } from '../host/connector-config.ts';
import type { Metrics } from '../host/metrics.ts';
import type { SourceTransform } from '../host/source-runner.ts';
import type { TaskSpec } from '../host/task-runner.ts';
import type {
  ConnectSchema,
  ConnectStruct,
  ConnectValue,
  RecordHeader,
  SourceRecord,
} from '../plugin/index.ts';
import { rowFields } from './breaking-changes.ts';
import type { ProductCatalog } from './catalog.ts';
import type { FreshnessTracker } from './freshness.ts';
import { classify } from './personal-data.ts';
import type { DataProduct, OutputPort, PersonalDataTreatment } from './product-model.ts';
import type { SchemaGuard } from './schema-guard.ts';

// The last stage of a source connector's pipeline, before the converter: product metadata travels
// with the data, and the product's governance is applied whatever the connector config says.
//   - headers onramp.product and onramp.domain on every event of a connector with product.domain
//     and product.name (product.headers.enable=false turns them off);
//   - confirmed personal-data columns of a published product are hashed (HMAC-SHA256 with the
//     host's salt, so equal values still join), masked or dropped in `before` and `after`; with
//     policy.undecided=protect, so are columns suggested but not decided yet, and columns that look
//     like personal data (by name or doc, as personal-data.ts suggests) the moment they first appear
//     in an event, before the catalog has described the table again and recorded the suggestion;
//   - a published product's table topics are guarded against breaking database changes (failing
//     the task, or fanning events out to the topics of its major versions: schema-guard.ts);
//   - freshness (send time against the database's commit time) and per-product event counts.
// The plan for a connector is rebuilt only when the catalog changed, so the hot path is a lookup.

export interface ProductStageOptions {
  catalog: ProductCatalog;
  metrics: Metrics;
  freshness: FreshnessTracker;
  /** The secret HMAC key for hashed columns. */
  salt: Buffer;
  /** Breaking-change governance of published products (absent: not checked). */
  guard?: SchemaGuard;
}

interface Plan {
  revision: number;
  headers: RecordHeader[];
  /** `<namespace>.<table>` -> column -> treatment */
  treatments: Map<string, Map<string, PersonalDataTreatment>>;
  /** policy.undecided=protect of a published product: new columns that look like personal data. */
  suspects: Suspects | undefined;
  /** The product's freshness SLO. */
  maxLagMs: number | undefined;
  /** A published product and its table topics written by this connector: guarded. */
  guarded: { product: DataProduct; ports: Map<string, OutputPort> } | undefined;
}

export function productStage(
  options: ProductStageOptions,
): (spec: TaskSpec, settings: SourceRuntimeConfig) => SourceTransform | undefined {
  return (spec, settings) => {
    if (spec.plugin.kind !== 'source') return undefined;
    const domain = settings['product.domain']?.trim();
    const name = settings['product.name']?.trim();
    if (!domain || !name) return undefined;
    const headersOn = settings['product.headers.enable'];
    let plan: Plan | undefined;
    const currentPlan = (): Plan => {
      if (plan?.revision === options.catalog.revision) return plan;
      plan = buildPlan(options.catalog, spec.connector, domain, name, headersOn);
      return plan;
    };
    // The task's metrics handle (connector, task, product and domain labels), shared with its runner.
    const metrics = options.metrics.forTask(spec.connector, spec.taskId, spec.config, spec);
    const finish = (record: SourceRecord, current: Plan): SourceRecord => {
      let result = record;
      if (current.treatments.size > 0 || current.suspects) {
        result = protect(result, current, options.salt);
        if (current.suspects?.found) {
          current.suspects.found = false;
          options.catalog.describeSoon(spec.connector);
        }
      }
      if (current.headers.length > 0)
        result = { ...result, headers: [...(result.headers ?? []), ...current.headers] };
      return result;
    };
    const transform = (record: SourceRecord): SourceRecord | SourceRecord[] => {
      const current = currentPlan();
      const { guard } = options;
      const port = current.guarded?.ports.get(record.topic);
      let result: SourceRecord | SourceRecord[];
      if (guard && current.guarded && port) {
        const routed = guard.route(current.guarded.product, port, record);
        result =
          routed.length === 1 && routed[0]
            ? finish(routed[0], current)
            : routed.map((r) => finish(r, current));
      } else {
        result = finish(record, current);
      }
      guard?.observe(record);
      metrics.inc('product_events_total');
      const committed = sourceTime(record.value?.value);
      const now = Date.now();
      options.freshness.record(record.topic, committed, now);
      if (committed !== undefined) {
        const behind = Math.max(0, now - committed);
        const topic = { topic: record.topic };
        metrics.set('product_freshness_lag_seconds', topic, behind / 1000);
        if (current.maxLagMs !== undefined && behind > current.maxLagMs)
          metrics.inc('product_freshness_slo_violations_total', topic);
      }
      return result;
    };
    return Object.assign(transform, { className: 'onramp.product.ProductStage' });
  };
}

function buildPlan(
  catalog: ProductCatalog,
  connector: string,
  domain: string,
  name: string,
  headersOn: boolean,
): Plan {
  const id = `${domain}.${name}`;
  const headers: RecordHeader[] = headersOn
    ? [
        { key: 'onramp.product', value: id },
        { key: 'onramp.domain', value: domain },
      ]
    : [];
  const product = catalog.productOfSource(connector);
  const treatments = new Map<string, Map<string, PersonalDataTreatment>>();
  const protectUndecided = product?.status === 'published' && product.policy.undecided === 'protect';
  if (product?.status === 'published') {
    for (const entry of product.classifications) {
      if (entry.state !== 'confirmed' && !(entry.state === 'suggested' && protectUndecided)) continue;
      const dot = entry.column.lastIndexOf('.');
      const table = entry.column.slice(0, dot);
      const column = entry.column.slice(dot + 1);
      let columns = treatments.get(table);
      if (!columns) {
        columns = new Map();
        treatments.set(table, columns);
      }
      columns.set(column, entry.treatment ?? product.policy.personalData);
    }
  }
  const guarded =
    product?.status === 'published'
      ? {
          product,
          ports: new Map(
            product.outputPorts
              .filter((port) => port.connector === connector && port.major === undefined)
              .map((port) => [port.topic, port]),
          ),
        }
      : undefined;
  const suspects: Suspects | undefined =
    product && protectUndecided
      ? {
          treatment: product.policy.personalData,
          decided: new Set(product.classifications.map((entry) => entry.column)),
          suggested: new Set(
            product.classifications
              .filter((entry) => entry.state === 'suggested')
              .map((entry) => entry.column),
          ),
          tables: new Map(),
          found: false,
        }
      : undefined;
  return {
    revision: catalog.revision,
    headers,
    treatments,
    suspects,
    maxLagMs: product?.policy.maxLagMs,
    guarded,
  };
}

interface Suspects {
  treatment: PersonalDataTreatment;
  /** `<namespace>.<table>.<column>` of every classification, whatever its state (decided or suggested). */
  decided: Set<string>;
  /** ... of the suggested ones (not decided yet). */
  suggested: Set<string>;
  /** Per table, the treatments for the last row schema seen (new suspects included). */
  tables: Map<string, { schema: ConnectSchema; columns: Map<string, PersonalDataTreatment> | undefined }>;
  /** A suspect the catalog has no suggestion for was met since the last look (describe the tables). */
  found: boolean;
}

/** The table's treatments for an event of `schema`: its classified columns, and new suspects. */
function columnsOf(
  plan: Plan,
  table: string,
  schema: ConnectSchema | undefined,
): Map<string, PersonalDataTreatment> | undefined {
  const known = plan.treatments.get(table);
  const { suspects } = plan;
  if (!suspects || !schema) return known;
  const cached = suspects.tables.get(table);
  if (cached?.schema === schema) return cached.columns;
  let columns = known;
  for (const field of rowFields(schema) ?? []) {
    const id = `${table}.${field.field}`;
    const fresh = !suspects.decided.has(id) && classify(field.field, field.doc) !== undefined;
    if (!fresh && !suspects.suggested.has(id)) continue;
    if (fresh) suspects.found = true;
    // Hash and mask change text only: an undecided column of another type is dropped until decided.
    const treatment = suspects.treatment !== 'drop' && field.type !== 'string' ? 'drop' : suspects.treatment;
    columns = new Map(columns);
    columns.set(field.field, treatment);
  }
  suspects.tables.set(table, { schema, columns });
  return columns;
}

function isStruct(value: ConnectValue | undefined): value is ConnectStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function sourceTime(value: ConnectValue | undefined): number | undefined {
  if (!isStruct(value) || !isStruct(value.source)) return undefined;
  const ts = value.source.ts_ms;
  return typeof ts === 'number' ? ts : typeof ts === 'bigint' ? Number(ts) : undefined;
}

/** The record with the table's classified columns treated in `before` and `after`. */
function protect(record: SourceRecord, plan: Plan, salt: Buffer): SourceRecord {
  const envelope = record.value;
  if (!envelope || !isStruct(envelope.value) || !isStruct(envelope.value.source)) return record;
  const source = envelope.value.source;
  const namespace = typeof source.schema === 'string' ? source.schema : source.db;
  const table = `${String(namespace)}.${String(source.table)}`;
  const columns = columnsOf(plan, table, envelope.schema ?? undefined);
  if (!columns) return record;
  const value: ConnectStruct = { ...envelope.value };
  for (const side of ['before', 'after'] as const) {
    const row = value[side];
    if (!isStruct(row)) continue;
    const treated: ConnectStruct = {};
    for (const [column, cell] of Object.entries(row)) {
      const treatment = columns.get(column);
      if (treatment === 'drop') continue;
      treated[column] = treatment === undefined || cell === null ? cell : treat(cell, treatment, salt);
    }
    value[side] = treated;
  }
  const schema = envelope.schema && dropColumns(envelope.schema, columns);
  return { ...record, value: { schema: schema ?? envelope.schema, value } };
}

export function treat(cell: ConnectValue, treatment: 'hash' | 'mask', salt: Buffer): ConnectValue {
  if (typeof cell !== 'string') return cell;
  if (treatment === 'hash') return createHmac('sha256', salt).update(cell, 'utf8').digest('hex');
  return cell.length <= 2 ? '**' : `${cell[0]}${'*'.repeat(Math.min(cell.length - 2, 12))}${cell.at(-1)}`;
}

/** The envelope schema without dropped columns in its before/after value schema. */
function dropColumns(schema: ConnectSchema, columns: Map<string, PersonalDataTreatment>): ConnectSchema {
  const dropped = new Set(
    [...columns].filter(([, treatment]) => treatment === 'drop').map(([column]) => column),
  );
  if (dropped.size === 0 || !schema.fields) return schema;
  return {
    ...schema,
    fields: schema.fields.map((field) =>
      (field.field === 'before' || field.field === 'after') && field.fields
        ? { ...field, fields: field.fields.filter((column) => !dropped.has(column.field)) }
        : field,
    ),
  };
}

/** ONRAMP_PRODUCT_HASH_SALT, else <data.dir>/product-hash.salt (made once, 0600). Never shown. */
export function hashSalt(
  dataDir: string,
  env: string | undefined = process.env.ONRAMP_PRODUCT_HASH_SALT,
): Buffer {
  if (env) return Buffer.from(env, 'utf8');
  const file = join(dataDir, 'product-hash.salt');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
