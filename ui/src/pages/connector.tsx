import { useRef, useState } from 'preact/hooks';
import { canWrite, enc, get, type Principal, request } from '../api.ts';
import { Badge, PageHeading, Section, Status } from '../components/common.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import type { ConnectorInfo, ConnectorStatus } from '../types.ts';
import { FailedTasks } from './connectors.tsx';

// One connector: its state and tasks (live), config (secrets come back from the host as
// [hidden]), topics and offsets, and the lifecycle actions its token may take.

interface Offsets {
  offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> }>;
}

export function ConnectorPage({ name, principal }: { name: string; principal: Principal }) {
  usePageTitle(name);
  // While the connector is being deleted the page stops polling it (each poll would end in a 404).
  const leaving = useRef(false);
  const poll = <T,>(path: string) =>
    leaving.current ? new Promise<T>(() => undefined) : get<T>(`/connectors/${enc(name)}${path}`);
  const status = useLoad(() => poll<ConnectorStatus>('/status'), [name], 2_000);
  const info = useLoad(() => poll<ConnectorInfo>(''), [name], 10_000);
  const topics = useLoad(() => poll<Record<string, { topics: string[] }>>('/topics'), [name], 10_000);
  const offsets = useLoad(() => poll<Offsets>('/offsets'), [name], 10_000);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  if (!info.data) return <Status error={info.error ?? status.error} loading={info.loading} />;
  const config = info.data.config;
  const writable = canWrite(principal, config['product.domain']);
  const state = status.data?.connector.state;

  const act = async (label: string, method: string, path: string, after?: () => void) => {
    setBusy(label);
    setError(undefined);
    setDone(undefined);
    try {
      if (method === 'DELETE') leaving.current = true;
      await request(method, path);
      // After a delete there is nothing left to reload (it would answer 404): leave instead.
      if (after) return after();
      setDone(`${label}: done.`);
      status.reload();
    } catch (failure) {
      leaving.current = false;
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(undefined);
    }
  };
  const base = `/connectors/${enc(name)}`;
  const product =
    config['product.domain'] && config['product.name']
      ? `${config['product.domain']}.${config['product.name']}`
      : undefined;

  return (
    <>
      <PageHeading
        sub={
          <>
            {state ? <Badge value={state} label="State" /> : null}
            <FailedTasks
              count={(status.data?.tasks ?? []).filter((task) => task.state === 'FAILED').length}
            />{' '}
            <span class="muted">{info.data.type}</span>
            {product ? (
              <>
                {' '}
                · product <a href={href(`/products/${enc(product)}`)}>{product}</a>
              </>
            ) : null}
          </>
        }
      >
        {name}
      </PageHeading>
      {writable ? (
        <fieldset class="toolbar actions">
          <legend class="visually-hidden">Connector actions</legend>
          <button
            type="button"
            disabled={!!busy || state === 'PAUSED'}
            onClick={() => act('Pause', 'PUT', `${base}/pause`)}
          >
            Pause
          </button>
          <button
            type="button"
            disabled={!!busy || state === 'RUNNING'}
            onClick={() => act('Resume', 'PUT', `${base}/resume`)}
          >
            Resume
          </button>
          <button
            type="button"
            class="button-secondary"
            disabled={!!busy}
            onClick={() => act('Restart', 'POST', `${base}/restart?includeTasks=true&onlyFailed=false`)}
          >
            Restart
          </button>
          <button
            type="button"
            class="button-secondary"
            disabled={!!busy || state === 'STOPPED'}
            onClick={() => act('Stop', 'PUT', `${base}/stop`)}
          >
            Stop
          </button>
          <button
            type="button"
            class="button-danger"
            disabled={!!busy}
            onClick={() => {
              if (confirm(`Delete connector ${name}? Its config and offsets are removed.`))
                void act('Delete', 'DELETE', base, () => navigate('/connectors'));
            }}
          >
            Delete
          </button>
        </fieldset>
      ) : null}
      <div aria-live="polite">
        {busy ? <p class="muted">{busy}…</p> : null}
        {done ? <p class="ok">{done}</p> : null}
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}

      <Section title="Tasks" id="tasks">
        <Status error={status.error} />
        {status.data ? (
          <>
            <Failures status={status.data} />
            <table>
              <caption class="visually-hidden">Tasks of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">State</th>
                  <th scope="col">Worker</th>
                </tr>
              </thead>
              <tbody>
                {status.data.tasks.map((task) => (
                  <tr key={task.id}>
                    <td>{task.id}</td>
                    <td>
                      <Badge value={task.state} />
                    </td>
                    <td>{task.worker_id}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {status.data.tasks.length === 0 ? <p class="muted">No tasks.</p> : null}
          </>
        ) : null}
      </Section>

      <div class="grid-2">
        <Section title="Topics" id="topics">
          <Status error={topics.error} />
          <ul class="plain">
            {(topics.data?.[name]?.topics ?? []).map((topic) => (
              <li key={topic}>
                <code>{topic}</code>
              </li>
            ))}
          </ul>
          {topics.data && (topics.data[name]?.topics ?? []).length === 0 ? (
            <p class="muted">No topics used yet.</p>
          ) : null}
        </Section>
        <Section title="Offsets" id="offsets">
          <Status error={offsets.error} />
          {(offsets.data?.offsets ?? []).length === 0 && offsets.data ? (
            <p class="muted">No offsets stored yet.</p>
          ) : null}
          {(offsets.data?.offsets ?? []).length > 0 ? (
            <table class="offsets">
              <caption class="visually-hidden">Stored offsets of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Offset</th>
                </tr>
              </thead>
              <tbody>
                {(offsets.data?.offsets ?? []).map((entry) => (
                  <tr key={JSON.stringify(entry.partition)}>
                    <td>
                      <Pairs value={entry.partition} />
                    </td>
                    <td>
                      <Pairs value={entry.offset} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </Section>
      </div>

      <Section title="Configuration" id="config">
        <table class="config">
          <caption class="visually-hidden">Configuration of {name}; secrets are hidden</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(config)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, value]) => (
                <tr key={key}>
                  <th scope="row">
                    <code>{key}</code>
                  </th>
                  <td>
                    <code>{value}</code>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </Section>
    </>
  );
}

/** An offset's or partition's fields one a line (`lsn 36003304`), rather than one long JSON string. */
function Pairs({ value }: { value: Record<string, unknown> }) {
  return (
    <ul class="pairs">
      {Object.entries(value).map(([key, entry]) => (
        <li key={key}>
          <span class="pair-key">{key}</span>{' '}
          <code>{typeof entry === 'string' ? entry : JSON.stringify(entry)}</code>
        </li>
      ))}
    </ul>
  );
}

/**
 * Each distinct error of the connector and its tasks, once: the whole message where it is read
 * first, the stack trace (when there is one) folded under it.
 */
function Failures({ status }: { status: ConnectorStatus }) {
  const failures: Array<{ who: string; trace: string }> = [];
  const add = (who: string, trace: string | undefined) => {
    if (!trace) return;
    const same = failures.find((entry) => entry.trace === trace);
    if (same) same.who += `, ${who.toLowerCase()}`;
    else failures.push({ who, trace });
  };
  add('Connector', status.connector.trace);
  for (const task of status.tasks) add(`Task ${task.id}`, task.trace);
  return (
    <>
      {failures.map(({ who, trace }) => {
        const lines = trace.split('\n');
        const stackAt = lines.findIndex((line, index) => index > 0 && /^\s+at |^Caused by/.test(line));
        const message = (stackAt < 0 ? lines : lines.slice(0, stackAt))
          .join('\n')
          .trim()
          // "OnrampError " says nothing the code after it does not
          .replace(/^OnrampError (?=\[)/, '');
        const stack = stackAt < 0 ? '' : lines.slice(stackAt).join('\n');
        return (
          <div key={who} class="error failure">
            <p>
              <strong>Last error</strong> ({who}):
            </p>
            <p class="failure-message">{message}</p>
            {stack ? (
              <details>
                <summary>Stack trace</summary>
                <pre>{stack}</pre>
              </details>
            ) : null}
          </div>
        );
      })}
    </>
  );
}
