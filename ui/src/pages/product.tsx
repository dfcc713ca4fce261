import { useState } from 'preact/hooks';
import { canWrite, enc, get, type Principal, request } from '../api.ts';
import {
  Badge,
  formatAgo,
  formatMs,
  PageHeading,
  ScrollBox,
  Section,
  Status,
} from '../components/common.tsx';
import { FreshnessChart } from '../components/freshness-chart.tsx';
import { type LineageEdge, LineageGraph, type LineageNode } from '../components/lineage-graph.tsx';
import { UndecidedPolicyForm, undecidedExplanation, undecidedOf } from '../components/undecided-policy.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href } from '../router.ts';
import type { Classification, Health, Product } from '../types.ts';

// One data product: what it is and who owns it, its health and freshness, its schema with column
// docs and personal-data classifications, schema versions, contract, lineage, consumers and the
// latest events of each topic (classified columns treated as its policy says).

interface SchemaAnswer {
  ports: Array<{
    topic: string;
    format: string;
    key: { subject: string; versions: number[]; compatibility?: string };
    value: { subject: string; versions: number[]; compatibility?: string };
  }>;
  error?: string;
}

interface ConsumersAnswer {
  connectors: Array<{ connector: string; group: string; domain?: string; product?: string }>;
  groups: Array<{
    group: string;
    state: string;
    connector?: string;
    topics: Array<{ topic: string; lag?: number }>;
  }>;
  error?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface SamplesAnswer {
  masked: Array<{ column: string; treatment: string }>;
  ports: Array<{
    topic: string;
    format: string;
    error?: string;
    events: Array<{
      partition: number;
      offset: string;
      timestamp: string;
      key: Json;
      value: Json;
      /** A key-only delete: the columns it does not carry, and why. */
      absent?: { columns: string[]; reason: string };
    }>;
  }>;
  error?: string;
}

export function ProductPage({ id, principal }: { id: string; principal: Principal }) {
  usePageTitle(id);
  const product = useLoad(() => get<Product>(`/products/${enc(id)}`), [id], 15_000);
  const health = useLoad(() => get<Health>(`/products/${enc(id)}/health`), [id], 5_000);
  const schema = useLoad(() => get<SchemaAnswer>(`/products/${enc(id)}/schema`), [id]);
  const lineage = useLoad(
    () => get<{ nodes: LineageNode[]; edges: LineageEdge[] }>(`/products/${enc(id)}/lineage`),
    [id],
    30_000,
  );
  const consumers = useLoad(() => get<ConsumersAnswer>(`/products/${enc(id)}/consumers`), [id], 10_000);
  const samples = useLoad(() => get<SamplesAnswer>(`/products/${enc(id)}/samples?limit=5`), [id]);
  const [actionError, setActionError] = useState<string | undefined>(undefined);

  if (!product.data) return <Status error={product.error} loading={product.loading} />;
  const data = product.data;
  const writable = canWrite(principal, data.domain);

  return (
    <>
      <PageHeading
        sub={
          <>
            <Badge value={data.status} label="Status" /> <span class="muted">version {data.version}</span>
          </>
        }
      >
        {data.id}
      </PageHeading>
      <div class="toolbar">
        <a
          class="button button-secondary"
          href={`/products/${enc(id)}/contract`}
          download={`${data.id}.odcs.yaml`}
        >
          Download contract (ODCS YAML)
        </a>
        {writable && data.status === 'draft' ? (
          <a class="button" href={href(`/products/${enc(id)}/publish`)}>
            Review and publish
          </a>
        ) : null}
        {writable && data.status === 'published' ? (
          <button
            type="button"
            class="button-danger"
            onClick={async () => {
              if (!confirm(`Deprecate ${data.id}? Consumers will see it as deprecated.`)) return;
              try {
                await request('POST', `/products/${enc(id)}/deprecate`);
                product.reload();
              } catch (error) {
                setActionError(error instanceof Error ? error.message : String(error));
              }
            }}
          >
            Deprecate
          </button>
        ) : null}
      </div>
      <Status error={actionError} />

      <div class="grid-2">
        <Section title="About" id="about">
          <p>{data.description || <span class="muted">No description yet.</span>}</p>
          <dl class="facts">
            <div>
              <dt>Owner</dt>
              <dd>{data.owner || '—'}</dd>
            </div>
            <div>
              <dt>Domain</dt>
              <dd>
                <a href={href(`/domains#domain-${data.domain}`)}>{data.domain}</a>
              </dd>
            </div>
            <div>
              <dt>SLA tier</dt>
              <dd>{data.slaTier}</dd>
            </div>
            <div>
              <dt>Quality</dt>
              <dd>{data.quality}</dd>
            </div>
            <div>
              <dt>Personal data</dt>
              <dd>{data.policy.personalData}</dd>
            </div>
            <div data-fact="undecided">
              <dt>Undecided personal data</dt>
              <dd>
                {undecidedOf(data) === 'protect' ? `protect (${data.policy.personalData})` : 'send as is'}
              </dd>
            </div>
            <div>
              <dt>Compatibility</dt>
              <dd>{data.policy.compatibility}</dd>
            </div>
            <div>
              <dt>Freshness SLO</dt>
              <dd>{data.policy.maxLagMs ? formatMs(data.policy.maxLagMs) : 'none'}</dd>
            </div>
            {data.publishedAt ? (
              <div>
                <dt>Published</dt>
                <dd>{new Date(data.publishedAt).toLocaleString()}</dd>
              </div>
            ) : null}
          </dl>
          {writable && data.status !== 'deprecated' ? (
            <UndecidedPolicyForm product={data} onSaved={product.reload} />
          ) : (
            <p class="help">
              Undecided personal data: {undecidedExplanation(undecidedOf(data), data.policy.personalData)}
            </p>
          )}
          {data.tags.length > 0 ? (
            <ul class="tags" aria-label="Tags">
              {data.tags.map((tag) => (
                <li key={tag}>{tag}</li>
              ))}
            </ul>
          ) : null}
        </Section>
        <Section title="Health" id="health">
          <HealthView health={health.data} error={health.error} />
        </Section>
      </div>

      <Section title="Freshness, last hour" id="freshness">
        {(health.data?.freshnessHistory ?? []).length === 0 ? (
          <p class="muted">No events sent since the host started.</p>
        ) : (
          <div class="charts">
            {(health.data?.freshnessHistory ?? []).map((entry) => (
              <FreshnessChart
                key={entry.topic}
                topic={entry.topic}
                minutes={entry.minutes}
                sloMs={health.data?.maxLagMs}
              />
            ))}
          </div>
        )}
      </Section>

      <Section title="Schema" id="schema">
        <SchemaView product={data} />
      </Section>

      <Section title="Versions" id="versions">
        <Status error={schema.error ?? schema.data?.error} loading={schema.loading} />
        {schema.data && schema.data.ports.length > 0 ? (
          <table>
            <caption class="visually-hidden">Registry subjects of each output topic</caption>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col">Format</th>
                <th scope="col">Value subject</th>
                <th scope="col">Versions</th>
                <th scope="col">Compatibility</th>
              </tr>
            </thead>
            <tbody>
              {schema.data.ports.map((port) => (
                <tr key={port.topic}>
                  <td>
                    <code>{port.topic}</code>
                  </td>
                  <td>{port.format}</td>
                  <td>
                    <code>{port.value.subject}</code>
                  </td>
                  <td>{port.value.versions.length > 0 ? port.value.versions.join(', ') : '—'}</td>
                  <td>{port.value.compatibility ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : schema.data ? (
          <p class="muted">No output topics yet.</p>
        ) : null}
      </Section>

      <Section title="Lineage" id="lineage">
        <Status error={lineage.error} loading={lineage.loading && !lineage.data} />
        {lineage.data ? <LineageGraph nodes={lineage.data.nodes} edges={lineage.data.edges} /> : null}
      </Section>

      <Section title="Consumers" id="consumers">
        <ConsumersView answer={consumers.data} error={consumers.error} />
      </Section>

      <Section
        title="Sample events"
        id="samples"
        actions={
          <button type="button" class="button-secondary" onClick={() => samples.reload()}>
            Refresh samples
          </button>
        }
      >
        <SamplesView answer={samples.data} error={samples.error} loading={samples.loading} product={data} />
      </Section>
    </>
  );
}

function HealthView({ health, error }: { health: Health | undefined; error: string | undefined }) {
  if (!health) return <Status error={error} loading={!error} />;
  return (
    <>
      <p>
        <Badge value={health.status} label="Health" />{' '}
        {health.problems.length === 0
          ? health.maxLagMs === undefined
            ? 'Every connector runs (no freshness SLO is set).'
            : 'Every connector runs and the product keeps its freshness SLO.'
          : null}
      </p>
      {health.problems.length > 0 ? (
        <ul class="problems">
          {health.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <ul class="plain">
        {health.connectors.map((connector) => (
          <li key={connector.name}>
            {connector.role} <a href={href(`/connectors/${enc(connector.name)}`)}>{connector.name}</a>{' '}
            <Badge value={connector.state} label="State" />
          </li>
        ))}
      </ul>
      {health.freshness.map((reading) => (
        <p key={reading.topic} class="muted">
          <code>{reading.topic}</code>: lag {formatMs(reading.lagMs)}, last event{' '}
          {formatAgo(reading.lastEventTime)}
          {reading.sloViolated ? ' — over its SLO' : ''}
        </p>
      ))}
    </>
  );
}

function classificationOf(product: Product, column: string): Classification | undefined {
  return product.classifications.find((entry) => entry.column === column);
}

function SchemaView({ product }: { product: Product }) {
  const tables = Object.values(product.captured).flatMap((source) => source.tables);
  if (tables.length === 0) return <p class="muted">No tables described yet.</p>;
  return (
    <>
      {tables.map((table) => (
        <div key={`${table.namespace}.${table.name}`} class="schema-table">
          <h3>
            <code>
              {table.namespace}.{table.name}
            </code>{' '}
            <span class="muted">→ {table.topic}</span>
          </h3>
          {table.comment ? <p>{table.comment}</p> : null}
          <ScrollBox label={`Columns of ${table.namespace}.${table.name}`}>
            <table>
              <caption class="visually-hidden">
                Columns of {table.namespace}.{table.name}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                  <th scope="col">Key</th>
                  <th scope="col">Nullable</th>
                  <th scope="col">Description</th>
                  <th scope="col">Classification</th>
                </tr>
              </thead>
              <tbody>
                {table.columns.map((column) => {
                  const classification = classificationOf(
                    product,
                    `${table.namespace}.${table.name}.${column.name}`,
                  );
                  return (
                    <tr key={column.name}>
                      <th scope="row">
                        <code>{column.name}</code>
                      </th>
                      <td>
                        <code>{column.physicalType}</code>
                        {column.enumValues ? (
                          <div class="muted">one of {column.enumValues.join(', ')}</div>
                        ) : null}
                      </td>
                      <td>{column.primaryKeyPosition ? `PK ${column.primaryKeyPosition}` : ''}</td>
                      <td>{column.nullable ? 'yes' : 'no'}</td>
                      <td>{column.comment ?? ''}</td>
                      <td>
                        {classification ? (
                          <span>
                            {classification.category} <Badge value={classification.state} />
                            {classification.state !== 'rejected' ? (
                              <span class="muted">
                                {' '}
                                {classification.treatment ?? product.policy.personalData}
                              </span>
                            ) : null}
                          </span>
                        ) : (
                          ''
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollBox>
        </div>
      ))}
    </>
  );
}

function ConsumersView({
  answer,
  error,
}: {
  answer: ConsumersAnswer | undefined;
  error: string | undefined;
}) {
  if (!answer) return <Status error={error} loading={!error} />;
  if (answer.connectors.length === 0 && answer.groups.length === 0)
    return <p class="muted">Nobody reads this product yet.</p>;
  return (
    <table>
      <caption class="visually-hidden">Consumers and their lag</caption>
      <thead>
        <tr>
          <th scope="col">Consumer group</th>
          <th scope="col">Sink connector</th>
          <th scope="col">State</th>
          <th scope="col">Lag (records)</th>
        </tr>
      </thead>
      <tbody>
        {answer.groups.map((group) => (
          <tr key={group.group}>
            <td>
              <code>{group.group}</code>
            </td>
            <td>
              {group.connector ? (
                <a href={href(`/connectors/${enc(group.connector)}`)}>{group.connector}</a>
              ) : (
                '—'
              )}
            </td>
            <td>{group.state}</td>
            <td>{group.topics.reduce((sum, topic) => sum + (topic.lag ?? 0), 0)}</td>
          </tr>
        ))}
        {answer.connectors
          .filter((connector) => !answer.groups.some((group) => group.group === connector.group))
          .map((connector) => (
            <tr key={connector.connector}>
              <td>
                <code>{connector.group}</code>
              </td>
              <td>
                <a href={href(`/connectors/${enc(connector.connector)}`)}>{connector.connector}</a>
              </td>
              <td>no offsets yet</td>
              <td>—</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function rowOf(value: Json): { op?: string; row: Record<string, Json> } {
  if (value === null) return { row: {} }; // a tombstone
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const after = value.after;
    const before = value.before;
    const op = typeof value.op === 'string' ? value.op : undefined;
    const row =
      after && typeof after === 'object' && !Array.isArray(after)
        ? after
        : before && typeof before === 'object' && !Array.isArray(before)
          ? before
          : 'op' in value
            ? {}
            : value;
    return { ...(op !== undefined && { op }), row: row as Record<string, Json> };
  }
  return { row: { value } };
}

const OPS: Record<string, string> = { c: 'insert', u: 'update', d: 'delete', r: 'snapshot', t: 'truncate' };

const HASH = /^[0-9a-f]{64}$/;
const TREATED: Record<string, string> = { hash: 'hashed', mask: 'masked', drop: 'dropped' };

/** Column name -> its database type, for the table a topic carries. */
function typesOf(product: Product, topic: string): Map<string, string> {
  const table = Object.values(product.captured)
    .flatMap((source) => source.tables)
    .find((entry) => entry.topic === topic);
  return new Map((table?.columns ?? []).map((column) => [column.name, column.physicalType]));
}

function SamplesView({
  answer,
  error,
  loading,
  product,
}: {
  answer: SamplesAnswer | undefined;
  error: string | undefined;
  loading: boolean;
  product: Product;
}) {
  if (!answer) return <Status error={error} loading={loading} />;
  if (answer.ports.length === 0) return <p class="muted">{answer.error ?? 'No output topics yet.'}</p>;
  const maskedColumns = new Map(
    answer.masked.map((entry) => [entry.column.slice(entry.column.lastIndexOf('.') + 1), entry.treatment]),
  );
  return (
    <>
      {answer.masked.length > 0 ? (
        <p class="note">
          Personal data is protected here as the product's policy says:{' '}
          {answer.masked.map((entry) => `${entry.column} (${entry.treatment})`).join(', ')}.
        </p>
      ) : null}
      {answer.ports.map((port) => {
        const rows = port.events.map((event) => ({ event, ...rowOf(event.value) }));
        const columns = [
          ...new Set(
            rows.flatMap((entry) => [...Object.keys(entry.row), ...(entry.event.absent?.columns ?? [])]),
          ),
        ];
        const absentReason = port.events.find((event) => event.absent)?.absent?.reason;
        const types = typesOf(product, port.topic);
        return (
          <div key={port.topic} class="samples">
            <h3>
              <code>{port.topic}</code> <span class="muted">({port.format})</span>
            </h3>
            {port.error ? (
              <p class="error" role="alert">
                {port.error}
              </p>
            ) : null}
            {rows.length === 0 && !port.error ? <p class="muted">No events in this topic yet.</p> : null}
            {rows.length > 0 ? (
              <ScrollBox label={`Newest events of ${port.topic}`}>
                <table class="samples-table">
                  <caption class="visually-hidden">Newest events of {port.topic}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Offset</th>
                      <th scope="col">Time</th>
                      <th scope="col">Change</th>
                      {columns.map((column) => (
                        <th scope="col" key={column}>
                          {column}
                          {maskedColumns.has(column) ? (
                            <span class="masked-tag">
                              {' '}
                              {TREATED[maskedColumns.get(column) ?? ''] ?? maskedColumns.get(column)}
                            </span>
                          ) : null}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(({ event, op, row }) => (
                      <tr key={`${event.partition}-${event.offset}`}>
                        <td>
                          {event.partition}:{event.offset}
                        </td>
                        <td>{new Date(event.timestamp).toLocaleTimeString()}</td>
                        <td>{op ? (OPS[op] ?? op) : 'tombstone'}</td>
                        {columns.map((column) => {
                          if (event.absent?.columns.includes(column))
                            return (
                              <td
                                key={column}
                                class="absent"
                                data-column={column}
                                title={event.absent.reason}
                              >
                                <span aria-hidden="true">—</span>
                                <span class="visually-hidden">{event.absent.reason}</span>
                              </td>
                            );
                          const text = show(row[column], types.get(column));
                          // A hash says only "a stable token": its first 16 digits show that, the
                          // whole value is in the tooltip (and in the data-value for copying).
                          const hashed = maskedColumns.has(column) && HASH.test(text);
                          return (
                            <td
                              key={column}
                              class={maskedColumns.has(column) ? 'masked' : undefined}
                              data-column={column}
                              {...(hashed && { title: text, 'data-value': text })}
                            >
                              {hashed ? `${text.slice(0, 16)}…` : text}
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollBox>
            ) : null}
            {absentReason ? (
              <p class="note absent-note">
                <span aria-hidden="true">—</span> {absentReason}: PostgreSQL logs only a deleted row's key
                under REPLICA IDENTITY DEFAULT, and the event fills the other columns with null or zero
                values, which are not shown.
              </p>
            ) : null}
          </div>
        );
      })}
    </>
  );
}

const DATE = /^date$/i;
const TIMESTAMP = /^(timestamp|datetime)(\(\d\))?( without time zone)?$/i;

/**
 * A value as a person reads it. Debezium sends a DATE as days since 1970 and a TIMESTAMP without
 * zone as milli-, micro- or nanoseconds since 1970 (told apart by size, as the precision mode may
 * be any); those are shown as dates. Zoned timestamps come as ISO strings already.
 */
function show(value: Json | undefined, type?: string): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'number' && type !== undefined) {
    if (DATE.test(type)) return isoOf(value * 86_400_000)?.slice(0, 10) ?? String(value);
    if (TIMESTAMP.test(type)) {
      const abs = Math.abs(value);
      const ms = abs > 1e17 ? value / 1e6 : abs > 1e14 ? value / 1e3 : value;
      return (
        isoOf(ms)
          ?.replace('T', ' ')
          .replace(/(\.000)?Z$/, '') ?? String(value)
      );
    }
  }
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function isoOf(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
