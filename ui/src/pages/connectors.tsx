import { useRef } from 'preact/hooks';
import { canCreate, enc, get, type Principal } from '../api.ts';
import { Badge, formatMs, PageHeading, ScrollBox, Status } from '../components/common.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href } from '../router.ts';
import type { ConnectorInfo, ConnectorStatus } from '../types.ts';

// Every connector, live (polled every 2 s): state, tasks, events per second (from the change of
// the host's record counters between two polls), lag, and the first line of its last error.

type Expanded = Record<string, { status: ConnectorStatus; info: ConnectorInfo }>;
interface Figures {
  time: number;
  connectors: Record<string, { records: number; lagMs?: number }>;
}

export interface ConnectorRow {
  name: string;
  type: string;
  state: string;
  domain: string | undefined;
  tasksRunning: number;
  tasksFailed: number;
  tasks: number;
  rate: number | undefined;
  lagMs: number | undefined;
  error: string | undefined;
}

export function lastError(status: ConnectorStatus): string | undefined {
  const trace = status.connector.trace ?? status.tasks.find((task) => task.trace)?.trace;
  // "OnrampError " says nothing the code after it does not; the row has three lines for the reason.
  return trace?.split('\n')[0]?.replace(/^OnrampError (?=\[)/, '');
}

export function ConnectorsPage({ principal }: { principal: Principal }) {
  usePageTitle('Connectors');
  const previous = useRef<Figures | undefined>(undefined);
  const rates = useRef<Record<string, number>>({});
  const rows = useLoad(
    async (): Promise<ConnectorRow[]> => {
      const [expanded, figures] = await Promise.all([
        get<Expanded>('/connectors?expand=status&expand=info'),
        get<Figures>('/ui/api/connector-figures'),
      ]);
      const before = previous.current;
      if (before && figures.time > before.time) {
        for (const [name, entry] of Object.entries(figures.connectors)) {
          const old = before.connectors[name];
          if (old)
            rates.current[name] = Math.max(
              0,
              ((entry.records - old.records) * 1000) / (figures.time - before.time),
            );
        }
      }
      previous.current = figures;
      return Object.entries(expanded)
        .map(([name, { status, info }]) => ({
          name,
          type: status.type ?? info.type,
          state: status.connector.state,
          domain: info.config['product.domain'],
          tasksRunning: status.tasks.filter((task) => task.state === 'RUNNING').length,
          tasksFailed: status.tasks.filter((task) => task.state === 'FAILED').length,
          tasks: status.tasks.length,
          rate: rates.current[name],
          lagMs: figures.connectors[name]?.lagMs,
          error: lastError(status),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    [],
    2_000,
  );

  return (
    <>
      <PageHeading sub="Live: refreshed every 2 seconds.">Connectors</PageHeading>
      {canCreate(principal) ? (
        <div class="toolbar">
          <a class="button" href={href('/connectors/new')}>
            New connector
          </a>
        </div>
      ) : null}
      <Status error={rows.error} loading={rows.loading && !rows.data} />
      {rows.data && rows.data.length > 0 ? <Tally rows={rows.data} /> : null}
      {rows.data?.length === 0 ? (
        <p>
          No connectors yet.{' '}
          {canCreate(principal) ? <a href={href('/connectors/new')}>Create the first one</a> : null}
        </p>
      ) : null}
      {rows.data && rows.data.length > 0 ? (
        <ScrollBox label="Connectors">
          <table class="connectors">
            <caption class="visually-hidden">Connectors and their live figures</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Domain</th>
                <th scope="col">State</th>
                <th scope="col">Tasks running</th>
                <th scope="col" class="num">
                  Events/s
                </th>
                <th scope="col" class="num">
                  Lag
                </th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((row) => (
                <tr key={row.name} data-connector={row.name}>
                  <th scope="row">
                    <a href={href(`/connectors/${enc(row.name)}`)}>{row.name}</a>
                  </th>
                  <td>{row.type}</td>
                  <td>{row.domain ?? '—'}</td>
                  <td class="state">
                    <Badge value={row.state} />
                    <FailedTasks count={row.tasksFailed} />
                  </td>
                  <td>
                    {row.tasksRunning}/{row.tasks}
                  </td>
                  <td class="num">{formatRate(row.rate)}</td>
                  <td class="num">{formatMs(row.lagMs)}</td>
                  <td class="error-cell">
                    {/* three lines at most here; the whole trace is on the connector's page */}
                    {row.error ? <span title={row.error}>{row.error}</span> : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
    </>
  );
}

function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '—';
  if (rate === 0) return '0';
  return rate.toFixed(rate < 10 ? 1 : 0);
}

/** The mesh at a glance: how many connectors are in each state, and the events per second of all. */
function Tally({ rows }: { rows: ConnectorRow[] }) {
  const count = (state: string) => rows.filter((row) => row.state === state).length;
  const failing = (row: ConnectorRow) => row.state === 'FAILED' || row.tasksFailed > 0;
  const failed = rows.filter(failing).length;
  const rates = rows.map((row) => row.rate).filter((rate): rate is number => rate !== undefined);
  const total = rates.reduce((sum, rate) => sum + rate, 0);
  const entries: Array<{ label: string; value: string; tone: string }> = [
    { label: rows.length === 1 ? 'connector' : 'connectors', value: String(rows.length), tone: 'plain' },
    {
      label: 'running',
      value: String(rows.filter((row) => row.state === 'RUNNING' && !failing(row)).length),
      tone: 'good',
    },
    { label: 'paused or stopped', value: String(count('PAUSED') + count('STOPPED')), tone: 'warn' },
    { label: 'failing', value: String(failed), tone: failed > 0 ? 'bad' : 'plain' },
    { label: 'events/s in all', value: rates.length > 0 ? formatRate(total) : '—', tone: 'plain' },
  ];
  return (
    <ul class="tally" aria-label="Summary">
      {entries.map((entry) => (
        <li key={entry.label} class={`tally-item tally-${entry.tone}`}>
          <strong>{entry.value}</strong> {entry.label}
        </li>
      ))}
    </ul>
  );
}

/** A connector can run while a task of it has failed (Kafka Connect's states): that is said beside it. */
export function FailedTasks({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <>
      {' '}
      <span class="badge badge-bad">{count === 1 ? 'task FAILED' : `${count} tasks FAILED`}</span>
    </>
  );
}
