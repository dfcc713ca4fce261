// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${topic} and ${source.*} are the sink's own variables
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostProcess,
  mysqlSourceConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// Hostile input against the shipped host process (issue 12, item 5): configs with out-of-range
// numbers, NUL characters, huge values, unknown ${variables}, prototype keys and odd names, sent
// through validate and create. Each must get a 4xx (or validate's 200 with errors) that names the
// field, and the host must keep answering — also after the ~10 s in which a leaked socket used to
// emit the 'error' that ended the process. A table whose name is not a legal topic name is captured
// into Debezium's sanitized topic without failing its task.

const suffix = randomUUID().slice(0, 8);
const logFile = join(tmpdir(), `onramp-hostile-${suffix}.log`);
const PG = 'PostgresConnector';
const MYSQL = 'MySqlConnector';
const JDBC = 'JdbcSinkConnector';

let host: HostProcess;
let db: pg.Client;
let firstHostileRequest = 0;
const created = new Set<string>();

interface ConfigInfos {
  error_count: number;
  configs: { definition: { name: string; type: string }; value: { name: string; errors: string[] } }[];
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

async function raw(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const response = await fetch(`${host.base}${path}`, {
    method,
    ...(init.headers && { headers: init.headers }),
    ...(init.body !== undefined && { body: init.body }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const connectorPath = (name: string) => `/connectors/${encodeURIComponent(name)}`;

function pgBase(): Record<string, string> {
  return { ...postgresSourceConfig(`hostile_pg_${suffix}`, 'public.hostile_nothing'), name: `pg-${suffix}` };
}

function mysqlBase(): Record<string, string> {
  return {
    ...mysqlSourceConfig(`hostile_my_${suffix}`, 'onramp', 4100 + Number.parseInt(suffix.slice(0, 3), 16)),
    name: `my-${suffix}`,
  };
}

function jdbcBase(): Record<string, string> {
  const url = new URL(services().pgUrl);
  return {
    name: `sink-${suffix}`,
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'connection.url': `jdbc:postgresql://${url.hostname}:${url.port || '5432'}${url.pathname}`,
    'connection.username': decodeURIComponent(url.username),
    'connection.password': decodeURIComponent(url.password),
    topics: `hostile_in_${suffix}`,
  };
}

const BASES: Record<string, () => Record<string, string>> = {
  [PG]: pgBase,
  [MYSQL]: mysqlBase,
  [JDBC]: jdbcBase,
};

async function validate(plugin: string, config: Record<string, string>): Promise<ConfigInfos> {
  firstHostileRequest ||= Date.now();
  const { status, body } = await host.call('PUT', `/connector-plugins/${plugin}/config/validate`, config);
  expect(status, JSON.stringify(body)?.slice(0, 500)).toBe(200);
  return body as ConfigInfos;
}

function errorsOf(infos: ConfigInfos, field: string): string[] {
  return infos.configs.find((entry) => entry.value.name === field)?.value.errors ?? [];
}

/** POST /connectors (STOPPED): a 4xx whose message names `field`; anything created is removed. */
async function expectCreateRefused(config: Record<string, string>, field: string): Promise<void> {
  const name = config.name ?? `x-${suffix}`;
  const { status, body } = await host.call('POST', '/connectors', { name, config, initial_state: 'STOPPED' });
  if (status === 201) {
    created.add(name);
    await host.call('DELETE', connectorPath(name));
  }
  expect(
    status,
    `create with a hostile ${field}: ${JSON.stringify(body)?.slice(0, 300)}`,
  ).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(body.error_code).toBe(status);
  expect(body.message).toContain(field);
}

async function expectAlive(): Promise<void> {
  const health = await fetch(`${host.base}/health`);
  expect(health.status).toBe(200);
  const list = await host.call('GET', '/connectors');
  expect(list.status).toBe(200);
  expect(Array.isArray(list.body)).toBe(true);
}

beforeAll(async () => {
  process.env.ONRAMP_E2E_HOST_LOG = logFile;
  host = await startHostProcess();
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
});

afterAll(async () => {
  for (const name of created) await host?.call('DELETE', connectorPath(name)).catch(() => undefined);
  await host?.stop();
  delete process.env.ONRAMP_E2E_HOST_LOG;
  rmSync(logFile, { force: true });
  await db?.end();
});

describe('hostile configs through validate and create', () => {
  const cases: Array<{ plugin: string; field: string; patch: Record<string, string> }> = [
    ...['70000', '-1', '0', '65536', 'abc', '99999999999999999999', '1.5'].flatMap((port) => [
      { plugin: PG, field: 'database.port', patch: { 'database.port': port } },
      { plugin: MYSQL, field: 'database.port', patch: { 'database.port': port } },
    ]),
    { plugin: PG, field: 'topic.prefix', patch: { 'topic.prefix': 'p'.repeat(1024 * 1024) } },
    { plugin: PG, field: 'topic.prefix', patch: { 'topic.prefix': 'bad prefix' } },
    { plugin: PG, field: 'topic.prefix', patch: { 'topic.prefix': '..' } },
    { plugin: MYSQL, field: 'topic.prefix', patch: { 'topic.prefix': 'quo"te;semi' } },
    { plugin: MYSQL, field: 'topic.prefix', patch: { 'topic.prefix': 'x'.repeat(250) } },
    { plugin: PG, field: 'database.hostname', patch: { 'database.hostname': '127.0.0.1\u0000evil' } },
    { plugin: PG, field: 'slot.name', patch: { 'slot.name': 'a\u0000b' } },
    { plugin: JDBC, field: 'topics', patch: { topics: `in_${suffix}\u0000x` } },
    { plugin: JDBC, field: 'topics', patch: { topics: 'not a topic' } },
    {
      plugin: JDBC,
      field: 'connection.url',
      patch: { 'connection.url': 'jdbc:postgresql://127.0.0.1:70000/onramp' },
    },
    {
      plugin: JDBC,
      field: 'connection.url',
      patch: { 'connection.url': 'jdbc:postgresql://127.0.0.1/onramp?currentSchema=public%00x' },
    },
    { plugin: JDBC, field: 'collection.name.format', patch: { 'collection.name.format': '${nope}' } },
    {
      plugin: JDBC,
      field: 'collection.name.format',
      patch: { 'table.name.format': 'x_${topic}_${source.db' },
    },
    { plugin: JDBC, field: 'collection.name.format', patch: { 'collection.name.format': '${source}' } },
  ];

  it.each(cases)('$plugin $field = hostile value: named in validate and in create', async ({
    plugin,
    field,
    patch,
  }) => {
    const base = (BASES[plugin] as () => Record<string, string>)();
    const config = { ...base, ...patch };
    const infos = await validate(plugin, config);
    expect(infos.error_count).toBeGreaterThan(0);
    const named =
      errorsOf(infos, field).length > 0 ||
      infos.configs.some((entry) => entry.value.errors.some((message) => message.includes(field)));
    expect(named, `validate names ${field}`).toBe(true);
    await expectCreateRefused(config, field);
    await expectAlive();
  });

  it('sends generated variants of every setting through validate, and the invalid ones through create', async () => {
    for (const plugin of [PG, MYSQL, JDBC]) {
      const base = (BASES[plugin] as () => Record<string, string>)();
      const definitions = (await validate(plugin, base)).configs.map((entry) => entry.definition);
      expect(definitions.length).toBeGreaterThan(10);
      for (const { name: field, type } of definitions) {
        if (field === 'name' || field === 'connector.class') continue;
        // A NUL character in any value: refused, naming the field.
        const nul = { ...base, [field]: 'x\u0000y' };
        expect(errorsOf(await validate(plugin, nul), field).join('\n'), `${plugin} ${field} NUL`).toMatch(
          /NUL/,
        );
        await expectCreateRefused(nul, field);
        // Numbers no numeric setting takes.
        const numeric = ['INT', 'LONG', 'SHORT'].includes(type);
        for (const value of numeric
          ? ['abc', '1.5', '99999999999999999999999']
          : type === 'BOOLEAN'
            ? ['maybe']
            : []) {
          const bad = { ...base, [field]: value };
          expect(errorsOf(await validate(plugin, bad), field), `${plugin} ${field}=${value}`).not.toEqual([]);
          await expectCreateRefused(bad, field);
        }
        // Odd but well-formed values: whatever validate says, it says it with a 200.
        for (const value of numeric
          ? ['-1', '0', '2147483648', '-9223372036854775809']
          : [`${'v'.repeat(65_536)}`]) {
          await validate(plugin, { ...base, [field]: value });
        }
      }
      // Keys named after Object.prototype members are settings like any other (unknown ones).
      // (`__proto__` cannot be written in an object literal, so it goes into the JSON text.)
      const proto = { ...base, constructor: 'y', toString: 'z', hasOwnProperty: 'w' };
      const body = JSON.stringify(proto).replace('{', '{"__proto__":"x",');
      const { status, text } = await raw('PUT', `/connector-plugins/${plugin}/config/validate`, {
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(status).toBe(200);
      const names = (JSON.parse(text) as ConfigInfos).configs.map((entry) => entry.value.name);
      expect(names).toEqual(
        expect.arrayContaining(['__proto__', 'constructor', 'toString', 'hasOwnProperty']),
      );
      await expectAlive();
    }
  }, 600_000);
});

describe('connector names', () => {
  it.each([
    ['an empty name', '', 'cannot be empty'],
    ['a 10,004-character name', 'n'.repeat(10_004), '10004 characters long'],
    ['a control character', `a\u0001b-${suffix}`, 'ISO control characters'],
    ['a slash', `a/b-${suffix}`, "'/'"],
    ['".."', '..', '".."'],
    ['an unpaired surrogate', `a\uD800-${suffix}`, 'surrogate'],
  ])('refuses %s at creation with 400, by POST and by PUT', async (_what, name, message) => {
    const config = { ...jdbcBase(), name };
    const posted = await raw('POST', '/connectors', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, config, initial_state: 'STOPPED' }),
    });
    expect(posted.status).toBe(400);
    expect(JSON.parse(posted.text)).toEqual({ error_code: 400, message: expect.stringContaining(message) });
    expect(posted.text.length).toBeLessThan(1000);
    if (name !== '' && name !== '..' && !name.includes('/') && name.isWellFormed()) {
      const put = await host.call('PUT', `${connectorPath(name)}/config`, config);
      expect([400, 414]).toContain(put.status);
      expect(put.body.error_code).toBe(put.status);
    }
    expect((await host.call('GET', '/connectors')).body).not.toContain(name);
    await expectAlive();
  });

  it('answers an over-long path segment with 414 in Kafka Connect’s error body', async () => {
    const response = await raw('GET', `/connectors/${'x'.repeat(5_000)}/status`);
    expect(response.status).toBe(414);
    expect(JSON.parse(response.text)).toEqual({ error_code: 414, message: expect.stringContaining('249') });
  });

  it('serves odd but legal names on every route: __proto__ shows in ?expand=status', async () => {
    const names = [
      '__proto__',
      'constructor',
      'toString',
      `we ird"name ${suffix}`,
      `ü😀?#%\\ ${suffix}`,
      'x'.repeat(249),
    ];
    for (const name of names) {
      const { status, body } = await host.call('POST', '/connectors', {
        name,
        config: { ...jdbcBase(), name },
        initial_state: 'STOPPED',
      });
      expect(status, JSON.stringify(body)).toBe(201);
      created.add(name);
      expect((await host.call('GET', `${connectorPath(name)}/status`)).body).toMatchObject({
        name,
        connector: { state: 'STOPPED' },
      });
      expect((await host.call('GET', `${connectorPath(name)}/config`)).body.name).toBe(name);
    }
    const expanded = await raw('GET', '/connectors?expand=status&expand=info');
    const listed = JSON.parse(expanded.text) as Record<
      string,
      { status: { name: string }; info: { name: string } }
    >;
    for (const name of names) {
      expect(Object.hasOwn(listed, name), `${name} in ?expand`).toBe(true);
      expect(listed[name]?.status.name).toBe(name);
      expect(listed[name]?.info.name).toBe(name);
    }
    expect((await host.call('GET', '/connectors')).body).toEqual(expect.arrayContaining(names));
    for (const name of names) {
      expect((await host.call('DELETE', connectorPath(name))).status).toBe(204);
      created.delete(name);
    }
    await expectAlive();
  });

  it('keeps config keys named after Object.prototype members as plain keys', async () => {
    const name = `proto-keys-${suffix}`;
    const config = JSON.stringify({ ...jdbcBase(), name });
    // (`__proto__` cannot be written in an object literal, so it goes into the JSON text.)
    const body = `{"name":${JSON.stringify(name)},"initial_state":"STOPPED","config":{"__proto__":"a","constructor":"b","toString":"c",${config.slice(1)}}`;
    const response = await raw('POST', '/connectors', {
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status, response.text).toBe(201);
    created.add(name);
    const shown = JSON.parse((await raw('GET', `${connectorPath(name)}/config`)).text) as Record<
      string,
      unknown
    >;
    expect(shown.constructor).toBe('b');
    expect(shown.toString).toBe('c');
    expect(Object.hasOwn(shown, '__proto__'), 'the __proto__ key is kept').toBe(true);
    expect((await host.call('GET', `${connectorPath(name)}/tasks`)).status).toBe(200);
    await expectAlive();
  });
});

describe('REST edge cases', () => {
  it('405 answers carry Allow', async () => {
    const response = await raw('DELETE', '/connectors');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(JSON.parse(response.text)).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });
    const onConnector = await raw('POST', `/connectors/anything-${suffix}/config`);
    expect(onConnector.status).toBe(405);
    expect(onConnector.headers.get('allow')).toBe('GET, HEAD, PATCH, PUT');
  });

  it('a body that is not JSON is 415; an empty one passes with any content type', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await raw('POST', '/connectors', {
        headers: { 'content-type': type },
        body: JSON.stringify({ name: `ct-${suffix}`, config: jdbcBase() }),
      });
      expect(response.status, type).toBe(415);
      expect(JSON.parse(response.text)).toEqual({
        error_code: 415,
        message: expect.stringContaining('Unsupported Media Type'),
      });
    }
    const name = `ct-${suffix}`;
    const create = await host.call('POST', '/connectors', {
      name,
      config: { ...jdbcBase(), name },
      initial_state: 'STOPPED',
    });
    expect(create.status).toBe(201);
    created.add(name);
    const stopped = await raw('PUT', `${connectorPath(name)}/stop`, {
      headers: { 'content-type': 'text/plain' },
      body: '',
    });
    expect(stopped.status).toBe(204);
    await expectAlive();
  });

  it('answers a path that is not percent-encoded UTF-8 with 400 in Kafka Connect’s body', async () => {
    const response = await raw('GET', '/connectors/%E0%A4%A/status');
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      error_code: 400,
      message: expect.stringContaining('percent-encoded'),
    });
  });

  it('lists a logger named __proto__ like any other', async () => {
    expect((await host.call('PUT', '/admin/loggers/__proto__', { level: 'INFO' })).status).toBe(200);
    const listed = JSON.parse((await raw('GET', '/admin/loggers')).text) as Record<string, { level: string }>;
    expect(Object.hasOwn(listed, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(listed, '__proto__')?.value?.level).toBe('INFO');
  });

  it('PATCH offsets for a topic that does not exist is a 4xx', async () => {
    const name = `offsets-${suffix}`;
    const create = await host.call('POST', '/connectors', {
      name,
      config: { ...jdbcBase(), name },
      initial_state: 'STOPPED',
    });
    expect(create.status).toBe(201);
    created.add(name);
    for (const topic of [`no_such_topic_${suffix}`, 'not a topic']) {
      const patched = await host.call('PATCH', `${connectorPath(name)}/offsets`, {
        offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 5 } }],
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(400);
      expect(patched.body.message).toContain(topic);
    }
    await expectAlive();
  });
});

describe('a table whose name is no legal topic name', () => {
  const schema = `hostile_${suffix}`;
  const prefix = `hostile${suffix}`;
  const tables = ['we ird"name', 'back\\slash;semi', "quo'te"];
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

  afterAll(async () => {
    await host?.call('DELETE', connectorPath(prefix)).catch(() => undefined);
    await db?.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch(() => undefined);
    await db?.query(`DROP PUBLICATION IF EXISTS ${ident(prefix)}`).catch(() => undefined);
  });

  it('is captured into the sanitized topic, the mapping logged and listed in /topics', async () => {
    await db.query(`CREATE SCHEMA ${ident(schema)}`);
    for (const table of tables) {
      await db.query(`CREATE TABLE ${ident(schema)}.${ident(table)} (id int PRIMARY KEY, note text)`);
      await db.query(`INSERT INTO ${ident(schema)}.${ident(table)} VALUES (1, 'snapshot')`);
    }
    const config = postgresSourceConfig(prefix, `${schema}\\..*`);
    const put = await host.call('PUT', `${connectorPath(prefix)}/config`, config);
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    created.add(prefix);
    const expected = ['we_ird_name', 'back_slash_semi', 'quo_te'].map(
      (table) => `${prefix}.${schema}.${table}`,
    );
    await waitFor(
      'the three sanitized topics in /topics',
      async () => {
        const { body } = await host.call('GET', `${connectorPath(prefix)}/topics`);
        const status = (await host.call('GET', `${connectorPath(prefix)}/status`)).body;
        if (status?.tasks?.[0]?.state === 'FAILED') throw new Error(`task failed: ${status.tasks[0].trace}`);
        return expected.every((topic) => body?.[prefix]?.topics.includes(topic));
      },
      { timeoutMs: 60_000 },
    );
    const snapshotOffset = JSON.stringify((await host.call('GET', `${connectorPath(prefix)}/offsets`)).body);
    await db.query(`INSERT INTO ${ident(schema)}.${ident(tables[0] as string)} VALUES (2, 'streamed')`);
    await waitFor('the streamed change stored as an offset', async () => {
      const { body } = await host.call('GET', `${connectorPath(prefix)}/offsets`);
      return JSON.stringify(body) !== snapshotOffset;
    });
    const status = (await host.call('GET', `${connectorPath(prefix)}/status`)).body;
    expect(status.tasks[0].state).toBe('RUNNING');
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(
      `isn't a valid topic name, replacing it with \\"${prefix}.${schema}.we_ird_name\\"`,
    );
  });
});

describe('after all of it', () => {
  it('still answers /health and GET /connectors once delayed socket errors would have fired', async () => {
    // Waiting for time is the point here: pg's connection timer (10 s) used to emit an unhandled
    // socket 'error' that long after a probe with a port Node refuses.
    const since = Date.now() - (firstHostileRequest || Date.now());
    if (since < 12_500) await new Promise((resolve) => setTimeout(resolve, 12_500 - since));
    await expectAlive();
  }, 60_000);
});
