// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
// Config providers and secrets through the shipped host process (issue 12, items 3 and 4):
// - a literal password survives GET-then-PUT (and PATCH) round trips: "[hidden]" keeps the stored one;
// - passwords inside connection.url never appear in a response (GET, /tasks, ?expand=info, validate,
//   400 messages);
// - secrets are encrypted in the data dir and a restarted host decrypts them;
// - placeholders of providers the host did not enable, or outside allowed.paths / allowlist.pattern,
//   are refused naming the field; where a provider is enabled without limits the values resolve but no
//   response, status or log line shows them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase as createMysqlDatabase } from '../fixtures/mysql/task-harness.ts';
import { connectionSettings, createTestDatabase, slotName } from '../fixtures/postgres/task-harness.ts';
import { expectHostServes, waitRunning } from '../support/connector-status.ts';
import { type HostProcess, mysqlSourceConfig, startHostProcess } from '../support/host-process.ts';
import { unique } from '../support/runtime/runtime-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_secrets_${process.pid}`;
const ROLE = `onramp_secrets_${process.pid}`;
const URL_ROLE = `onramp_secrets_url_${process.pid}`;
const PASSWORD = `Lit3ral-Pw-${randomBytes(6).toString('hex')}`;
const URL_PASSWORD = `Url-Pw-${randomBytes(6).toString('hex')}`;
const SECRET_KEY = randomBytes(32).toString('base64');
const ENV_SECRET = `Env-Secret-${randomBytes(6).toString('hex')}`;

const PG = 'PostgresConnector';
const SINK = 'io.debezium.connector.jdbc.JdbcSinkConnector';

let client: pg.Client;
let drop: () => Promise<void>;
const secretsDir = mkdtempSync(join(tmpdir(), 'onramp-provider-files-'));
const hosts: HostProcess[] = [];

async function host(env: Record<string, string>, options: { dataDir?: string } = {}): Promise<HostProcess> {
  const started = await startHostProcess(env, options);
  hosts.push(started);
  return started;
}

beforeAll(async () => {
  ({ client, drop } = await createTestDatabase(services().pgUrl, DATABASE));
  await client.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
  await client.query("INSERT INTO orders VALUES (1, 'lamp')");
  for (const [role, password] of [
    [ROLE, PASSWORD],
    [URL_ROLE, URL_PASSWORD],
  ] as const) {
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    await client.query(`CREATE ROLE ${role} LOGIN REPLICATION PASSWORD '${password}'`);
    await client.query(`GRANT SELECT ON orders TO ${role}`);
    await client.query(`GRANT ALL ON SCHEMA public TO ${role}`);
  }
  await client.query(`CREATE PUBLICATION ${ROLE} FOR TABLE orders`);
  writeFileSync(join(secretsDir, 'db.properties'), `password=${PASSWORD}\n`);
});

afterAll(async () => {
  await Promise.all(hosts.map((started) => started.stop()));
  await drop?.();
  const admin = new pg.Client({ connectionString: services().pgUrl });
  await admin.connect();
  for (const role of [ROLE, URL_ROLE]) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

function sourceConfig(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': PG,
    ...connectionSettings(services().pgUrl, DATABASE),
    'database.user': ROLE,
    'database.password': PASSWORD,
    'topic.prefix': prefix,
    'table.include.list': 'public.orders',
    'slot.name': slotName(prefix.replaceAll('-', '_')),
    'slot.drop.on.stop': 'true',
    'publication.name': ROLE,
    'publication.autocreate.mode': 'disabled',
    'snapshot.mode': 'never',
    ...overrides,
  };
}

function sinkUrl(password = URL_PASSWORD, port = new URL(services().pgUrl).port || '5432'): string {
  return `jdbc:postgresql://127.0.0.1:${port}/${DATABASE}?user=${URL_ROLE}&password=${password}&sslmode=disable`;
}

function sinkConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': SINK,
    'connection.url': sinkUrl(),
    topics: unique('secrets-sink'),
    ...overrides,
  };
}

/** Every file under the data dir, as text. */
function dataDirText(dir: string): string {
  const texts: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) texts.push(readFileSync(path, 'utf8'));
  }
  return texts.join('\n');
}

function expectNoneOf(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) expect(text, `${where} shows a secret`).not.toContain(secret);
}

describe('secrets through the host process', () => {
  let plain: HostProcess;

  beforeAll(async () => {
    plain = await host({ ONRAMP_SECRET_KEY: SECRET_KEY });
  });

  it('keeps a literal password through GET-then-PUT and PATCH, encrypted at rest, across a restart', async () => {
    const name = unique('pg-roundtrip');
    const created = await plain.call('PUT', `/connectors/${name}/config`, sourceConfig(name));
    expect(created.status).toBe(201);
    await waitRunning(plain, name);

    const shown = await plain.call('GET', `/connectors/${name}/config`);
    expect(shown.body['database.password']).toBe('[hidden]');
    // GET-then-PUT, unchanged and changed: the password sent back as "[hidden]" is the stored one (the
    // probe logs in with it, then the task does).
    expect((await plain.call('PUT', `/connectors/${name}/config`, shown.body)).status).toBe(200);
    const changed = { ...shown.body, 'product.description': 'round trip' };
    const put = await plain.call('PUT', `/connectors/${name}/config`, changed);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.config['database.password']).toBe('[hidden]');
    await waitRunning(plain, name);
    const patched = await plain.call('PATCH', `/connectors/${name}/config`, {
      'database.password': '[hidden]',
      'product.description': 'patched',
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitRunning(plain, name);

    for (const path of [
      `/connectors/${name}`,
      `/connectors/${name}/config`,
      `/connectors/${name}/tasks`,
      `/connectors/${name}/tasks-config`,
      `/connectors/${name}/status`,
      '/connectors?expand=info&expand=status',
    ]) {
      const reply = await plain.call('GET', path);
      expect(reply.status).toBe(200);
      expectNoneOf(JSON.stringify(reply.body), [PASSWORD], path);
    }
    expect(dataDirText(plain.dataDir)).not.toContain(PASSWORD);

    // The restarted host opens the sealed password and the connector runs again.
    await plain.stop();
    plain = await host({ ONRAMP_SECRET_KEY: SECRET_KEY }, { dataDir: plain.dataDir });
    await waitRunning(plain, name);
    expect((await plain.call('DELETE', `/connectors/${name}`)).status).toBe(204);
  });

  it('never shows a password inside connection.url, in GET, /tasks, ?expand=info, validate or a 400', async () => {
    const name = unique('sink-url');
    const config = sinkConfig();
    const validated = await plain.call('PUT', '/connector-plugins/JdbcSinkConnector/config/validate', {
      name,
      ...config,
    });
    expect(validated.status).toBe(200);
    expect(validated.body.error_count, JSON.stringify(validated.body)).toBe(0);
    const created = await plain.call('PUT', `/connectors/${name}/config`, config);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.config['connection.url']).toBe(sinkUrl('[hidden]'));

    const bodies: unknown[] = [validated.body, created.body];
    for (const path of [
      `/connectors/${name}`,
      `/connectors/${name}/config`,
      `/connectors/${name}/tasks`,
      `/connectors/${name}/tasks-config`,
      `/connectors/${name}/status`,
      '/connectors?expand=info',
    ]) {
      const reply = await plain.call('GET', path);
      expect(reply.status).toBe(200);
      bodies.push(reply.body);
    }
    const tasks = (await plain.call('GET', `/connectors/${name}/tasks`)).body;
    expect(tasks[0].config['connection.url']).toBe(sinkUrl('[hidden]'));

    // GET-then-PUT with another setting changed: the URL's password is kept (the probe logs in).
    const shown = (await plain.call('GET', `/connectors/${name}/config`)).body;
    const put = await plain.call('PUT', `/connectors/${name}/config`, { ...shown, 'batch.size': '100' });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    bodies.push(put.body);
    // ...but not to another server: [hidden] with a changed address is a 400, nothing is sent there.
    const moved = await plain.call('PUT', `/connectors/${name}/config`, {
      ...shown,
      'connection.url': sinkUrl('[hidden]', '1'),
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(400);
    expect(moved.body.message).toContain('connection.url changed');
    bodies.push(moved.body);

    // 400s that quote the URL: a server that does not answer, a URL the parser refuses.
    const refused = [
      sinkConfig({ 'connection.url': sinkUrl(URL_PASSWORD, '1') }),
      sinkConfig({ 'connection.url': `jdbc:postgresql://${URL_ROLE}:${URL_PASSWORD}@127.0.0.1/${DATABASE}` }),
      sinkConfig({ 'connection.url': `jdbc:nope://h/d?password=${URL_PASSWORD}` }),
    ];
    for (const bad of refused) {
      const reply = await plain.call('POST', '/connectors', { name: unique('sink-bad'), config: bad });
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.message).toContain('connection.url');
      bodies.push(reply.body);
      const check = await plain.call('PUT', '/connector-plugins/JdbcSinkConnector/config/validate', {
        name: 'x',
        ...bad,
      });
      expect(check.status).toBe(200);
      expect(check.body.error_count).toBeGreaterThan(0);
      bodies.push(check.body);
    }
    expectNoneOf(JSON.stringify(bodies), [URL_PASSWORD], 'a response');
    expect(dataDirText(plain.dataDir)).not.toContain(URL_PASSWORD);
    expect((await plain.call('DELETE', `/connectors/${name}`)).status).toBe(204);
  });
});

describe('[hidden] and the connection target (each plugin declares its own)', () => {
  let target: HostProcess;
  const MYSQL_DATABASE = `secrets_targets_${process.pid}`;
  let mysqlDrop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    target = await host({});
    const mysqlDb = await createMysqlDatabase(services().mysqlUrl, MYSQL_DATABASE);
    mysqlDrop = mysqlDb.drop;
    await mysqlDb.client.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
  });

  afterAll(async () => {
    await mysqlDrop?.();
  });

  const pgPort = new URL(services().pgUrl).port || '5432';
  const sinkWithPasswordField = (): Record<string, string> => ({
    'connector.class': SINK,
    'connection.url': `jdbc:postgresql://127.0.0.1:${pgPort}/${DATABASE}?sslmode=disable`,
    'connection.username': URL_ROLE,
    'connection.password': URL_PASSWORD,
    topics: unique('secrets-target'),
  });
  const cases: ReadonlyArray<{
    label: string;
    config: (prefix: string) => Record<string, string>;
    secret: string;
    moves: ReadonlyArray<[string, string]>;
  }> = [
    {
      label: 'PostgreSQL source',
      config: (prefix) => sourceConfig(prefix),
      secret: 'database.password',
      moves: [
        ['database.hostname', 'evil.invalid'],
        ['database.port', '15432'],
      ],
    },
    {
      label: 'MySQL source',
      config: (prefix) => mysqlSourceConfig(prefix, MYSQL_DATABASE, 6000 + (process.pid % 1000)),
      secret: 'database.password',
      moves: [
        ['database.hostname', 'evil.invalid'],
        ['database.port', '13306'],
      ],
    },
    {
      label: 'JDBC sink',
      config: () => sinkWithPasswordField(),
      secret: 'connection.password',
      moves: [['connection.url', `jdbc:postgresql://evil.invalid:${pgPort}/${DATABASE}?sslmode=disable`]],
    },
  ];

  for (const { label, config, secret, moves } of cases) {
    it(`${label}: [hidden] with a changed ${moves.map(([key]) => key).join(' or ')} is a 400 naming both keys; with any other change the stored secret is kept`, async () => {
      const name = unique('target');
      const created = await target.call('POST', '/connectors', {
        name,
        config: config(name),
        initial_state: 'STOPPED',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const shown = (await target.call('GET', `/connectors/${name}/config`)).body;
      expect(shown[secret]).toBe('[hidden]');
      for (const [key, value] of moves) {
        for (const [method, body] of [
          ['PUT', { ...shown, [key]: value }],
          ['PATCH', { [secret]: '[hidden]', [key]: value }],
        ] as const) {
          const moved = await target.call(method, `/connectors/${name}/config`, body);
          expect(moved.status, `${method} ${key}: ${JSON.stringify(moved.body)}`).toBe(400);
          expect(moved.body.message).toContain(`configuration ${secret}`);
          expect(moved.body.message).toContain(`${key} changed`);
        }
      }
      // The stored config is untouched by the refusals.
      const after = (await target.call('GET', `/connectors/${name}/config`)).body;
      for (const [key] of moves) expect(after[key]).toBe(shown[key]);
      // Another setting changed, [hidden] sent back: accepted, and the connectivity probe logged in
      // with the stored secret (a wrong one would be a 400).
      const kept = await target.call('PUT', `/connectors/${name}/config`, {
        ...shown,
        'product.description': 'unrelated change',
      });
      expect(kept.status, JSON.stringify(kept.body)).toBe(200);
      expect(kept.body.config[secret]).toBe('[hidden]');
      const validated = await target.call(
        'PUT',
        `/connector-plugins/${String(shown['connector.class']).split('.').at(-1)}/config/validate`,
        { name, ...shown, [secret]: config(name)[secret] },
      );
      expect(validated.body.error_count, JSON.stringify(validated.body).slice(0, 1000)).toBe(0);
      expect((await target.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    });
  }

  it('a wrong stored secret would show: the probe refuses a wrong password', async () => {
    // The check above relies on the probe logging in; here it does not, so it says so.
    const name = unique('target-wrong');
    const reply = await target.call('POST', '/connectors', {
      name,
      config: { ...sinkWithPasswordField(), 'connection.password': 'not-the-password' },
      initial_state: 'STOPPED',
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.message).toContain('connection');
  });
});

// --- placeholders against hostile values

const HOSTILE = ['${dir:/etc:shadow}', '${file:/etc/passwd:root}', '${env:HOME}'] as const;

/** What those placeholders would reveal on this machine (when the host can read it). */
function revealed(): string[] {
  const values: string[] = [ENV_SECRET, PASSWORD];
  const home = process.env.HOME;
  if (home && home.length >= 4) values.push(home);
  for (const file of ['/etc/shadow', '/etc/passwd']) {
    try {
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim());
      values.push(...lines.filter((line) => line.length >= 8 && line.includes(':')));
    } catch {
      // not readable by the tests, so not by the host either
    }
  }
  return values;
}

/** String fields of each connector that a placeholder may sit in. */
const FIELDS: ReadonlyArray<{
  plugin: string;
  field: string;
  base: (prefix: string) => Record<string, string>;
}> = [
  ...[
    'database.dbname',
    'topic.prefix',
    'database.hostname',
    'database.user',
    'slot.name',
    'table.include.list',
  ].map((field) => ({ plugin: PG, field, base: (prefix: string) => sourceConfig(prefix) })),
  ...['connection.url', 'topics', 'collection.name.format'].map((field) => ({
    plugin: 'JdbcSinkConnector',
    field,
    base: () => sinkConfig(),
  })),
];

async function hostileMatrix(
  target: HostProcess,
  expectRefused: boolean,
): Promise<{ bodies: string[]; created: number }> {
  const bodies: string[] = [];
  let created = 0;
  const placeholders = [...HOSTILE, '${env:ONRAMP_TEST_ENV_SECRET}'];
  for (const { plugin, field, base } of FIELDS) {
    for (const placeholder of placeholders) {
      const prefix = unique('hostile');
      const config = { ...base(prefix), [field]: placeholder };
      const validated = await target.call('PUT', `/connector-plugins/${plugin}/config/validate`, {
        name: prefix,
        ...config,
      });
      expect(validated.status, `${field}=${placeholder}`).toBe(200);
      bodies.push(JSON.stringify(validated.body));
      const errors = Object.fromEntries(
        (validated.body.configs as { value: { name: string; errors: string[] } }[]).map((entry) => [
          entry.value.name,
          entry.value.errors,
        ]),
      );
      if (expectRefused) {
        expect(errors[field]?.join('\n'), `${field}=${placeholder}`).toContain(placeholder);
      }
      const reply = await target.call('POST', '/connectors', {
        name: prefix,
        config,
        initial_state: 'STOPPED',
      });
      bodies.push(JSON.stringify(reply.body));
      if (expectRefused) {
        expect(reply.status, `${field}=${placeholder}`).toBe(400);
        expect(reply.body.message).toContain(field);
      } else if (reply.status === 201) {
        created++;
        for (const path of [
          `/connectors/${prefix}`,
          `/connectors/${prefix}/status`,
          `/connectors/${prefix}/tasks`,
        ])
          bodies.push(JSON.stringify((await target.call('GET', path)).body));
        expect((await target.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
      } else {
        expect(reply.status, `${field}=${placeholder}: ${JSON.stringify(reply.body)}`).toBe(400);
      }
    }
  }
  await expectHostServes(target);
  return { bodies, created };
}

describe('config providers against hostile placeholders', () => {
  it('refuses every placeholder when no provider is enabled (the default)', async () => {
    const target = await host({ ONRAMP_TEST_ENV_SECRET: ENV_SECRET });
    const { bodies } = await hostileMatrix(target, true);
    const text = bodies.join('\n');
    expect(text).toContain('not enabled on this host');
    expectNoneOf(text, revealed(), 'a response');
  });

  it('refuses paths outside allowed.paths (also through .. and symlinks) and variables outside allowlist.pattern', async () => {
    const target = await host({
      ONRAMP_TEST_ENV_SECRET: ENV_SECRET,
      ONRAMP_CONFIG_PROVIDERS: 'env,file,dir',
      ONRAMP_CONFIG_PROVIDERS_FILE_ALLOWED_PATHS: secretsDir,
      ONRAMP_CONFIG_PROVIDERS_DIR_ALLOWED_PATHS: secretsDir,
      ONRAMP_CONFIG_PROVIDERS_ENV_ALLOWLIST_PATTERN: 'ONRAMP_ALLOWED_.*',
    });
    const { bodies } = await hostileMatrix(target, true);
    const text = bodies.join('\n');
    expect(text).toContain('allowed.paths');
    expect(text).toContain('allowlist.pattern');
    expectNoneOf(text, revealed(), 'a response');

    // What allowed.paths allows works: the password read from a file in it logs in.
    const name = unique('pg-file');
    const fromFile = sourceConfig(name, {
      'database.password': `\${file:${secretsDir}/db.properties:password}`,
    });
    const outside = sourceConfig(name, {
      'database.password': `\${file:${secretsDir}/../../etc/passwd:root}`,
    });
    const refused = await target.call('POST', '/connectors', {
      name,
      config: outside,
      initial_state: 'STOPPED',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('database.password');
    const created = await target.call('POST', '/connectors', {
      name,
      config: fromFile,
      initial_state: 'STOPPED',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.config['database.password']).toBe(`\${file:${secretsDir}/db.properties:password}`);
    expect((await target.call('DELETE', `/connectors/${name}`)).status).toBe(204);
  });

  it('takes a provider alias as Kafka Connect workers declare it, held to its own allowed.paths', async () => {
    writeFileSync(join(secretsDir, 'pg-password'), PASSWORD);
    const configFile = join(secretsDir, 'host-aliases.yaml');
    writeFileSync(
      configFile,
      [
        'config.providers: secrets',
        'config.providers.secrets.class: org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        `config.providers.secrets.param.allowed.paths: ${secretsDir}`,
        '',
      ].join('\n'),
    );
    const target = await host({ ONRAMP_CONFIG: configFile });
    const name = unique('pg-alias');
    const config = sourceConfig(name, { 'database.password': `\${secrets:${secretsDir}:pg-password}` });
    const created = await target.call('POST', '/connectors', { name, config, initial_state: 'STOPPED' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.config['database.password']).toBe(`\${secrets:${secretsDir}:pg-password}`);
    expect((await target.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    for (const [placeholder, reason] of [
      ['${secrets:/etc:passwd}', 'allowed.paths'],
      [`\${dir:${secretsDir}:pg-password}`, 'not enabled'],
    ] as const) {
      const refused = await target.call('POST', '/connectors', {
        name,
        config: sourceConfig(name, { 'database.password': placeholder }),
        initial_state: 'STOPPED',
      });
      expect(refused.status, placeholder).toBe(400);
      expect(refused.body.message).toContain('database.password');
      expect(refused.body.message).toContain(reason);
      expectNoneOf(JSON.stringify(refused.body), revealed(), 'a response');
    }
  });

  it('a resolved value in any string setting of the three connectors shows in no response', async () => {
    // Every STRING, PASSWORD, LIST and CLASS setting the plugins declare, one at a time, holding a
    // placeholder that resolves: validate, and create (STOPPED) then read back where it was accepted.
    const target = await host({ ONRAMP_TEST_ENV_SECRET: ENV_SECRET, ONRAMP_CONFIG_PROVIDERS: 'env' });
    const mysqlDb = await createMysqlDatabase(services().mysqlUrl, DATABASE);
    await mysqlDb.client.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
    const placeholder = '${env:ONRAMP_TEST_ENV_SECRET}';
    const bases: Record<string, (prefix: string) => Record<string, string>> = {
      [PG]: (prefix) => sourceConfig(prefix),
      MySqlConnector: (prefix) => mysqlSourceConfig(prefix, DATABASE, 5000 + (process.pid % 1000)),
      JdbcSinkConnector: () => sinkConfig(),
    };
    const bodies: string[] = [];
    let fields = 0;
    let accepted = 0;
    for (const [plugin, base] of Object.entries(bases)) {
      const described = await target.call('PUT', `/connector-plugins/${plugin}/config/validate`, {
        name: 'x',
        ...base('x'),
      });
      expect(described.body.error_count, `${plugin}: ${JSON.stringify(described.body).slice(0, 2000)}`).toBe(
        0,
      );
      const definitions = (described.body.configs as { definition: { name: string; type: string } }[])
        .map((entry) => entry.definition)
        .filter(
          ({ name, type }) =>
            name !== 'connector.class' && ['STRING', 'PASSWORD', 'LIST', 'CLASS'].includes(type),
        );
      expect(definitions.length, plugin).toBeGreaterThan(10);
      for (const { name: field } of definitions) {
        fields++;
        const prefix = unique('anyfield');
        const config = { ...base(prefix), [field]: placeholder };
        const validated = await target.call('PUT', `/connector-plugins/${plugin}/config/validate`, {
          name: prefix,
          ...config,
        });
        expect(validated.status, `${plugin} ${field}`).toBe(200);
        bodies.push(JSON.stringify(validated.body));
        const created = await target.call('POST', '/connectors', {
          name: prefix,
          config,
          initial_state: 'STOPPED',
        });
        expect(created.status, `${plugin} ${field}: ${JSON.stringify(created.body)}`).toBeLessThan(500);
        bodies.push(JSON.stringify(created.body));
        if (created.status === 201) {
          accepted++;
          for (const path of [
            `/connectors/${prefix}`,
            `/connectors/${prefix}/status`,
            `/connectors/${prefix}/tasks`,
          ])
            bodies.push(JSON.stringify((await target.call('GET', path)).body));
          expect((await target.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
        }
      }
    }
    expect(fields).toBeGreaterThan(60);
    // Many take any string (the rest are enums, Kafka client keys that need TLS or SASL, ...): there
    // the value was resolved, used and stored (64 of 324 when written).
    expect(accepted).toBeGreaterThan(40);
    expectNoneOf(bodies.join('\n'), [ENV_SECRET], 'a response');
    await expectHostServes(target);
    await mysqlDb.drop();
  }, 300_000);

  it('with providers enabled without limits, resolves but shows no value in any response, status or log', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'onramp-secrets-log-')), 'host.log');
    const before = process.env.ONRAMP_E2E_HOST_LOG;
    process.env.ONRAMP_E2E_HOST_LOG = log;
    let target: HostProcess;
    try {
      target = await host({ ONRAMP_TEST_ENV_SECRET: ENV_SECRET, ONRAMP_CONFIG_PROVIDERS: 'env,file,dir' });
    } finally {
      if (before === undefined) delete process.env.ONRAMP_E2E_HOST_LOG;
      else process.env.ONRAMP_E2E_HOST_LOG = before;
    }
    const { bodies } = await hostileMatrix(target, false);
    // The values did reach the database driver, whose error names them: shown as the placeholder.
    const dbname = await target.call('PUT', `/connector-plugins/${PG}/config/validate`, {
      name: 'x',
      ...sourceConfig('x', { 'database.dbname': '${env:ONRAMP_TEST_ENV_SECRET}' }),
    });
    const message = JSON.stringify(dbname.body);
    expect(message).toContain('${env:ONRAMP_TEST_ENV_SECRET}');
    bodies.push(message);
    expectNoneOf(bodies.join('\n'), revealed(), 'a response');
    await target.stop();
    expectNoneOf(readFileSync(log, 'utf8'), revealed(), 'the log');
  });
});
