import { type ChildProcess, execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostNodeArgs } from '../../src/host-command.ts';
import { hasExited, killGroup, spawnGroup } from '../support/child-processes.ts';
import { freePort } from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// REST authentication through the shipped host process: tokens made with `npm run token`'s script,
// a role x route matrix (401/403/2xx), domain-scoped connectors, the audit log, basic auth, a revoke
// without restart, the Host allow-list and an HTTPS listener with client certificates. Connectors
// are JDBC sinks to the stack's PostgreSQL created STOPPED, so nothing here needs Kafka to be up.

const root = join(import.meta.dirname, '..', '..');
const suffix = `${process.pid}_${Date.now().toString(36)}`;

interface Host {
  port: number;
  stop(): Promise<void>;
}

/** Starts `node src/main.ts`; ready once /health answers at all (503 while Kafka is away is fine). */
async function startHost(env: Record<string, string>, ready: () => Promise<boolean>): Promise<Host> {
  const { kafkaBrokers, schemaRegistryUrl } = services();
  const child: ChildProcess = spawnGroup(process.execPath, hostNodeArgs(root), {
    cwd: root,
    env: {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      ONRAMP_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const answered = await waitFor('the host to answer', async () => {
      if (hasExited(child)) return 'exited';
      return (await ready().catch(() => false)) && 'answered';
    });
    if (answered === 'exited') throw new Error(`the host exited with ${child.exitCode ?? child.signalCode}`);
  } catch (error) {
    await killGroup(child);
    throw error;
  }
  return {
    port: Number(env.ONRAMP_REST_PORT ?? 0),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A host config file in `dir` with these lines. */
function writeConfig(dir: string, lines: string[]): string {
  const file = join(dir, 'host.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs scripts/token.ts as `npm run token` does; returns stdout. */
function tokenCli(env: Record<string, string>, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'scripts', 'token.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are checked field by field
  body: any;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // /metrics, the console's HTML
  }
}

/** One request over node:http, which (unlike fetch) lets a test choose the Host header. */
function send(
  port: number,
  method: string,
  path: string,
  options: {
    token?: string;
    basic?: [string, string];
    body?: unknown;
    host?: string;
    /** Sends body (a string) as is with this content type. */
    contentType?: string;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.basic)
    headers.authorization = `Basic ${Buffer.from(options.basic.join(':')).toString('base64')}`;
  if (options.host) headers.host = options.host;
  const raw = options.contentType !== undefined && typeof options.body === 'string';
  const payload =
    options.body === undefined || raw ? (options.body as string | undefined) : JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parse(text) }),
      );
    });
    request.on('error', reject);
    request.end(payload);
  });
}

function sinkConfig(domain: string | undefined): Record<string, string> {
  const url = new URL(services().pgUrl);
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    topics: `onramp_auth_${suffix}`,
    'connection.url': `jdbc:postgresql://${url.hostname}:${url.port || '5432'}${url.pathname}`,
    'connection.username': decodeURIComponent(url.username),
    'connection.password': decodeURIComponent(url.password),
    ...(domain !== undefined && { 'product.domain': domain }),
  };
}

describe('REST API with rest.auth=token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-rest-auth-'));
  const configFile = join(dir, 'host.yaml');
  let env: Record<string, string>;
  let host: Host;
  const tokens: Record<'admin' | 'viewer' | 'sales' | 'finance', string> = {
    admin: '',
    viewer: '',
    sales: '',
    finance: '',
  };
  const orders = `orders-${suffix}`;
  const ledger = `ledger-${suffix}`;
  // An identity provider's signing key; its public half is the host's JWKS file.
  const idp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  function idpToken(claims: Record<string, unknown>): string {
    const data = `${b64({ alg: 'ES256', kid: 'idp-1' })}.${b64({ iss: 'https://idp.test', ...claims })}`;
    const signature = sign('sha256', Buffer.from(data), { key: idp.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${data}.${signature.toString('base64url')}`;
  }

  beforeAll(async () => {
    const jwks = join(dir, 'jwks.json');
    writeFileSync(
      jwks,
      JSON.stringify({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'idp-1' }] }),
    );
    writeFileSync(
      configFile,
      [
        'rest.auth: token',
        'rest.allowed.hosts: onramp.test',
        `rest.auth.jwt.jwks.file: ${jwks}`,
        'rest.auth.jwt.issuer: https://idp.test',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    env = { ONRAMP_CONFIG: configFile, ONRAMP_DATA_DIR: join(dir, 'data'), ONRAMP_REST_PORT: String(port) };
    for (const [name, role] of [
      ['admin', 'admin'],
      ['viewer', 'viewer'],
      ['sales', 'domain:sales'],
      ['finance', 'domain:finance'],
    ] as const) {
      const lines = tokenCli(env, 'create', '--name', name, '--role', role).trimEnd().split('\n');
      tokens[name] = lines.at(-1) ?? '';
      expect(tokens[name]).toMatch(/^onramp_/);
    }
    host = await startHost(env, async () => (await send(port, 'GET', '/health')).status > 0);
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('asks for a token everywhere but /health', async () => {
    const health = await send(host.port, 'GET', '/health');
    expect([200, 503]).toContain(health.status);
    for (const [method, path] of [
      ['GET', '/connectors'],
      ['GET', '/'],
      ['GET', '/openapi.json'],
      ['POST', '/connectors'],
      ['GET', '/no/such/route'],
    ] as const) {
      const answer = await send(host.port, method, path, { body: method === 'POST' ? {} : undefined });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer, Basic realm="onramp"');
      expect(answer.body).toEqual({
        error_code: 401,
        message: expect.stringContaining('Authorization: Bearer'),
      });
    }
    const wrong = await send(host.port, 'GET', '/connectors', { token: `${tokens.admin}x` });
    expect(wrong.body).toEqual({ error_code: 401, message: 'The token is not valid (unknown or revoked).' });
  });

  it('answers every route of /openapi.json by role: 401 without a token, 403 where the role stops, never 5xx', async () => {
    // Every route the host documents x {no token, viewer, domain:sales, admin}. Writes name a
    // connector and a data product that do not exist, with empty bodies, so that what passes the
    // role check ends in a 4xx of the route itself (or a 2xx) and changes nothing.
    type Outcome = 401 | 403 | 'passes';
    const ghost = `ghost-${suffix}`;
    const spec = await send(host.port, 'GET', '/openapi.json', { token: tokens.admin });
    const routes = Object.entries(spec.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([pattern, operations]) =>
        Object.keys(operations).map((method) => ({ method: method.toUpperCase(), pattern })),
    );
    expect(routes.length).toBeGreaterThan(35);
    function expected(
      role: 'anonymous' | 'viewer' | 'sales' | 'admin',
      method: string,
      pattern: string,
    ): Outcome {
      if (role === 'anonymous') return pattern === '/health' ? 'passes' : 401;
      if (role === 'admin') return 'passes';
      if (pattern === '/admin/audit') return 403;
      const read = method === 'GET';
      if (role === 'viewer') return read ? 'passes' : 403;
      if (pattern.startsWith('/admin')) return 403;
      if (read || pattern === '/connector-plugins/{plugin}/config/validate') return 'passes';
      // An empty body names no product.domain: a domain token may not create or configure with it,
      // nor create a data product; other writes to a connector that does not exist pass to a 404.
      if (pattern === '/connectors' || pattern === '/connectors/{name}/config') return 403;
      if (pattern.startsWith('/products')) return 403;
      return pattern.startsWith('/connectors/{name}') ? 'passes' : 403;
    }
    // Bodies the routes' schemas take, so what passes the role check reaches the route; admin's
    // POST /products body stays invalid so that nothing is created.
    function bodyFor(role: string, pattern: string): unknown {
      if (pattern === '/connectors') return { name: ghost, config: {} };
      if (pattern === '/products' && role !== 'admin') return { domain: 'finance', name: ghost };
      return {};
    }
    const failures: string[] = [];
    for (const { method, pattern } of routes) {
      if (pattern.startsWith('/ui/session')) continue; // the console's sign-in, open by design
      const path = pattern
        .replace('{name}', ghost)
        .replace('{task}', '0')
        .replace('{plugin}', 'JdbcSinkConnector')
        .replace('{logger}', 'onramp.api')
        .replace('{id}', `sales.${ghost}`);
      for (const role of ['anonymous', 'viewer', 'sales', 'admin'] as const) {
        const token = role === 'anonymous' ? undefined : tokens[role];
        const answer = await send(host.port, method, path, {
          ...(token && { token }),
          ...(method !== 'GET' && method !== 'DELETE' && { body: bodyFor(role, pattern) }),
        });
        const want = expected(role, method, pattern);
        const got = answer.status;
        const ok =
          got < 500 &&
          (want === 'passes' ? got !== 401 && got !== 403 : got === want && answer.body?.error_code === got);
        if (!ok)
          failures.push(
            `${role} ${method} ${path}: ${got} (expected ${want}) ${JSON.stringify(answer.body)?.slice(0, 200)}`,
          );
      }
      // Bodies no route's schema takes: whoever may not write gets 401/403, never the 400 (or 415)
      // that would teach it the route's validation rules. A domain token's config writes are decided
      // by the body's product.domain: one naming another domain is a 403 before its other errors.
      if (method === 'GET' || method === 'DELETE') continue;
      const invalid: Array<{ body: unknown; contentType?: string }> = [
        { body: [1, 2] },
        { body: { name: 7, config: 'x', initial_state: 'SOMETIMES', level: 9, domain: 'finance' } },
        { body: 'not json', contentType: 'text/plain' },
      ];
      const foreignConfig = pattern === '/connectors' || pattern === '/connectors/{name}/config';
      for (const role of ['anonymous', 'viewer', 'sales'] as const) {
        if (role === 'sales' && !(foreignConfig || pattern === '/products')) continue;
        const token = role === 'anonymous' ? undefined : tokens[role];
        const bodies =
          role === 'sales'
            ? [
                { body: { config: { 'product.domain': 'finance', 'tasks.max': 'x' }, initial_state: 'NO' } },
                { body: { 'product.domain': 'finance', 'connector.class': 7, bogus: [] } },
                { body: { domain: 'finance', name: 7, bogus: true } },
                { body: [1, 2] },
              ]
            : invalid;
        for (const { body, contentType } of bodies) {
          const answer = await send(host.port, method, path, {
            ...(token && { token }),
            body,
            ...(contentType && { contentType }),
          });
          const want = role === 'anonymous' ? 401 : 403;
          if (answer.status !== want || answer.body?.error_code !== want)
            failures.push(
              `${role} ${method} ${path} invalid ${JSON.stringify(body)}: ${answer.status} (expected ${want}) ${JSON.stringify(answer.body)?.slice(0, 200)}`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets a viewer read, and nothing else (not even validate)', async () => {
    const { port } = host;
    const viewer = { token: tokens.viewer };
    expect((await send(port, 'GET', '/connectors', viewer)).status).toBe(200);
    expect((await send(port, 'GET', '/connector-plugins', viewer)).status).toBe(200);
    expect((await send(port, 'GET', '/admin/loggers', viewer)).status).toBe(200);
    // Validate resolves placeholders and connects where the body says: a viewer could send an
    // environment variable's value to a server of its own.
    const validate = await send(port, 'PUT', '/connector-plugins/JdbcSinkConnector/config/validate', {
      ...viewer,
      body: { name: `validated-${suffix}`, ...sinkConfig('sales') },
    });
    expect(validate.status).toBe(403);
    expect(validate.body).toEqual({
      error_code: 403,
      message:
        'Token viewer (role viewer) may not PUT /connector-plugins/:plugin/config/validate (viewer tokens only read).',
    });
    const create = await send(port, 'POST', '/connectors', {
      ...viewer,
      body: { name: `viewer-${suffix}`, config: sinkConfig('sales'), initial_state: 'STOPPED' },
    });
    expect(create.status).toBe(403);
    expect(create.body).toEqual({
      error_code: 403,
      message: 'Token viewer (role viewer) may not POST /connectors (viewer tokens only read).',
    });
    expect(
      (await send(port, 'PUT', '/admin/loggers/root', { ...viewer, body: { level: 'INFO' } })).status,
    ).toBe(403);
    const snapshot = await send(port, 'POST', '/connectors/any/snapshots', {
      ...viewer,
      body: { 'data-collections': ['public.orders'] },
    });
    expect(snapshot.body).toEqual({
      error_code: 403,
      message:
        'Token viewer (role viewer) may not POST /connectors/:name/snapshots (viewer tokens only read).',
    });
    expect((await send(port, 'GET', '/admin/audit', viewer)).status).toBe(403);
  });

  it('lets a domain token manage its own connectors only', async () => {
    const { port } = host;
    const sales = { token: tokens.sales };
    // The finance domain's connector, made by its own token.
    const ledgerCreated = await send(port, 'POST', '/connectors', {
      token: tokens.finance,
      body: { name: ledger, config: sinkConfig('finance'), initial_state: 'STOPPED' },
    });
    expect(ledgerCreated.status).toBe(201);

    const created = await send(port, 'POST', '/connectors', {
      ...sales,
      body: { name: orders, config: sinkConfig('sales'), initial_state: 'STOPPED' },
    });
    expect(created.status).toBe(201);
    expect(created.body.config['product.domain']).toBe('sales');
    const changed = await send(port, 'PUT', `/connectors/${orders}/config`, {
      ...sales,
      body: { ...sinkConfig('sales'), 'batch.size': '100' },
    });
    expect(changed.status).toBe(200);
    expect((await send(port, 'PUT', `/connectors/${orders}/stop`, sales)).status).toBe(204);

    // Another domain's connector, another domain in a body, or no domain at all: 403.
    const refusals: Array<[string, string, unknown]> = [
      [
        'POST',
        '/connectors',
        { name: `other-${suffix}`, config: sinkConfig('finance'), initial_state: 'STOPPED' },
      ],
      [
        'POST',
        '/connectors',
        { name: `other-${suffix}`, config: sinkConfig(undefined), initial_state: 'STOPPED' },
      ],
      ['PUT', `/connectors/${orders}/config`, sinkConfig('finance')],
      ['PATCH', `/connectors/${orders}/config`, { 'product.domain': null }],
      ['PATCH', `/connectors/${orders}/config`, { 'product.domain': 'finance' }],
      ['PUT', `/connectors/${ledger}/config`, sinkConfig('sales')],
      ['PATCH', `/connectors/${ledger}/config`, { 'product.domain': 'sales' }],
      ['PUT', `/connectors/${ledger}/pause`, undefined],
      ['PUT', `/connectors/${ledger}/stop`, undefined],
      ['POST', `/connectors/${ledger}/restart`, undefined],
      ['DELETE', `/connectors/${ledger}/offsets`, undefined],
      ['POST', `/connectors/${ledger}/snapshots`, { 'data-collections': ['public.ledger'] }],
      ['DELETE', `/connectors/${ledger}`, undefined],
      ['PUT', '/admin/loggers/root', { level: 'DEBUG' }],
    ];
    for (const [method, path, body] of refusals) {
      const answer = await send(port, method, path, { ...sales, body });
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(403);
      expect(answer.body.error_code).toBe(403);
    }
    // Its own domain named, the body's other faults are answered: the role check came first.
    const unnamed = await send(port, 'POST', '/connectors', {
      ...sales,
      body: { config: sinkConfig('sales'), initial_state: 'STOPPED' },
    });
    expect(unnamed.status).toBe(400);
    const foreignUnnamed = await send(port, 'POST', '/connectors', {
      ...sales,
      body: { config: sinkConfig('finance'), initial_state: 'SOMETIMES' },
    });
    expect(foreignUnnamed.body).toEqual({
      error_code: 403,
      message:
        'Token sales (role domain:sales) may not set product.domain finance on a connector: its config must keep product.domain=sales.',
    });
    const badState = await send(port, 'POST', '/connectors', {
      ...sales,
      body: { name: `state-${suffix}`, config: sinkConfig('sales'), initial_state: 'SOMETIMES' },
    });
    expect(badState.status).toBe(400);
    expect((await send(port, 'GET', '/admin/loggers', sales)).status).toBe(403);
    // Its own connector: allowed, and answered by the host (a sink takes no snapshots).
    const sinkSnapshot = await send(port, 'POST', `/connectors/${orders}/snapshots`, {
      ...sales,
      body: { 'data-collections': ['public.orders'] },
    });
    expect(sinkSnapshot.body).toEqual({
      error_code: 400,
      message: `Connector ${orders} is not a source connector: only source connectors take snapshots`,
    });
    // Reads are open to every role, whatever the domain.
    expect((await send(port, 'GET', `/connectors/${ledger}/config`, sales)).status).toBe(200);
    expect((await send(port, 'GET', `/connectors/${orders}`, sales)).body.config['product.domain']).toBe(
      'sales',
    );

    expect((await send(port, 'DELETE', `/connectors/${orders}`, sales)).status).toBe(204);
    expect((await send(port, 'DELETE', `/connectors/${ledger}`, { token: tokens.admin })).status).toBe(204);
  });

  it('lets admin do everything, and shows every write in /admin/audit without secrets', async () => {
    const { port } = host;
    const admin = { token: tokens.admin };
    expect(
      (await send(port, 'PUT', '/admin/loggers/onramp.api', { ...admin, body: { level: 'INFO' } })).status,
    ).toBe(200);
    const audit = await send(port, 'GET', '/admin/audit?limit=1000', admin);
    expect(audit.status).toBe(200);
    const entries: Array<Record<string, unknown>> = audit.body;
    expect(entries[0]).toMatchObject({
      principal: 'admin',
      role: 'admin',
      method: 'PUT',
      route: '/admin/loggers/:logger',
      path: '/admin/loggers/onramp.api',
      status: 200,
    });
    expect(entries).toContainEqual(
      expect.objectContaining({
        principal: 'sales',
        role: 'domain:sales',
        method: 'POST',
        connector: orders,
        status: 201,
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ principal: 'sales', method: 'DELETE', connector: ledger, status: 403 }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ principal: 'admin', method: 'DELETE', connector: ledger, status: 204 }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        principal: null,
        role: null,
        method: 'POST',
        route: '/connectors',
        status: 401,
      }),
    );
    // Reads are not audited; newest first.
    expect(entries.every((entry) => entry.method !== 'GET')).toBe(true);
    const times = entries.map((entry) => String(entry.time));
    expect([...times].sort().reverse()).toEqual(times);
    expect((await send(port, 'GET', '/admin/audit?limit=2', admin)).body).toHaveLength(2);

    const log = readFileSync(join(dir, 'data', 'audit.log'), 'utf8');
    // Neither bodies (configs, passwords) nor headers (tokens) are kept.
    for (const secret of ['jdbc:', 'connection.password', 'Bearer', tokens.sales, tokens.admin]) {
      expect(log).not.toContain(secret);
    }
  });

  it('takes basic auth with the token name as user', async () => {
    const { port } = host;
    expect((await send(port, 'GET', '/connectors', { basic: ['viewer', tokens.viewer] })).status).toBe(200);
    expect((await send(port, 'GET', '/connectors', { basic: ['admin', tokens.viewer] })).status).toBe(401);
  });

  it('serves only allowed Host names while on loopback', async () => {
    const { port } = host;
    const evil = await send(port, 'GET', '/connectors', { token: tokens.admin, host: 'evil.example' });
    expect(evil.status).toBe(421);
    expect(evil.body).toEqual({
      error_code: 421,
      message: expect.stringContaining('evil.example is not one of'),
    });
    expect((await send(port, 'GET', '/health', { host: `evil.example:${port}` })).status).toBe(421);
    for (const name of [`localhost:${port}`, `[::1]:${port}`, 'onramp.test']) {
      expect((await send(port, 'GET', '/connectors', { token: tokens.admin, host: name })).status, name).toBe(
        200,
      );
    }
  });

  it('takes JWTs signed by a key of the JWKS file, with the role from their claim', async () => {
    const { port } = host;
    const exp = Math.floor(Date.now() / 1000) + 300;
    const jwt = { token: idpToken({ sub: 'alice@sales', role: 'domain:sales', exp }) };
    expect((await send(port, 'GET', '/connectors', jwt)).status).toBe(200);
    const foreign = await send(port, 'POST', '/connectors', {
      ...jwt,
      body: { name: `jwt-${suffix}`, config: sinkConfig('finance'), initial_state: 'STOPPED' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toContain('Token alice@sales (role domain:sales)');
    const expired = await send(port, 'GET', '/connectors', {
      token: idpToken({ sub: 'alice@sales', role: 'admin', exp: exp - 3_600 }),
    });
    expect(expired.body).toEqual({
      error_code: 401,
      message: 'The token is not valid: the JWT has expired.',
    });
    const audit = await send(port, 'GET', '/admin/audit?limit=5', { token: tokens.admin });
    expect(audit.body[0]).toMatchObject({ principal: 'alice@sales', role: 'domain:sales', status: 403 });
  });

  it('stops accepting a revoked token without a restart', async () => {
    expect((await send(host.port, 'GET', '/connectors', { token: tokens.finance })).status).toBe(200);
    expect(tokenCli(env, 'revoke', '--name', 'finance')).toContain('Revoked token finance');
    expect((await send(host.port, 'GET', '/connectors', { token: tokens.finance })).status).toBe(401);
    expect(tokenCli(env, 'list')).not.toContain('finance');
  });
});

describe('JWTs verified against a JWKS URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-rest-jwks-url-'));
  const idp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  function idpToken(kid: string, key: KeyObject, claims: Record<string, unknown>): string {
    const data = `${b64({ alg: 'ES256', kid })}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' });
    return `${data}.${signature.toString('base64url')}`;
  }
  // The identity provider's JWKS endpoint: a real HTTP server.
  const keys: object[] = [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'idp-1' }];
  let fetches = 0;
  const jwksServer = createHttpServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  let host: Host;

  beforeAll(async () => {
    await new Promise<void>((listening) => jwksServer.listen(0, '127.0.0.1', listening));
    const jwksPort = (jwksServer.address() as AddressInfo).port;
    const port = await freePort();
    host = await startHost(
      {
        ONRAMP_CONFIG: writeConfig(dir, [
          'rest.auth: token',
          `rest.auth.jwt.jwks.url: http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
        ]),
        ONRAMP_DATA_DIR: join(dir, 'data'),
        ONRAMP_REST_PORT: String(port),
      },
      async () => (await send(port, 'GET', '/health')).status > 0,
    );
  });

  afterAll(async () => {
    await host?.stop();
    await new Promise((closed) => jwksServer.close(closed));
  });

  it('takes a JWT signed by a key the URL serves, fetched once, and refuses others', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    const token = idpToken('idp-1', idp.privateKey, { sub: 'ops@idp', role: 'viewer', exp });
    for (let request = 0; request < 3; request++)
      expect((await send(host.port, 'GET', '/connectors', { token })).status).toBe(200);
    expect(fetches).toBe(1);
    const write = await send(host.port, 'DELETE', '/connectors/any', { token });
    expect(write.body.message).toContain('Token ops@idp (role viewer)');
    // Signed by a key the provider does not serve (key rotation is unit-tested: a new kid is
    // fetched at most every 30 s, too long to wait for here).
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = idpToken('idp-1', other.privateKey, { sub: 'ops@idp', role: 'admin', exp });
    expect((await send(host.port, 'GET', '/connectors', { token: forged })).body).toEqual({
      error_code: 401,
      message: 'The token is not valid: the JWT signature does not verify.',
    });
  });
});

describe('HTTPS listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-rest-tls-'));
  const pem = (name: string) => readFileSync(join(dir, name));
  let host: Host;

  function openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  }

  /** A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it. */
  function makeCertificates(): void {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=onramp test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    for (const [name, extensions] of [
      ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
      ['client', 'extendedKeyUsage=clientAuth\n'],
    ] as const) {
      writeFileSync(join(dir, `${name}.ext`), extensions);
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      );
    }
  }

  function get(port: number, path: string, options: RequestOptions): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        { host: '127.0.0.1', port, path, method: 'GET', ...options },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parse(text) }),
          );
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  const trusted = (): RequestOptions => ({
    ca: pem('ca.pem'),
    cert: pem('client.pem'),
    key: pem('client.key'),
  });

  beforeAll(async () => {
    makeCertificates();
    const port = await freePort();
    const config = [
      `listeners: https://127.0.0.1:${port}`,
      `listeners.https.ssl.certificate.location: ${join(dir, 'server.pem')}`,
      `listeners.https.ssl.key.location: ${join(dir, 'server.key')}`,
      'listeners.https.ssl.client.auth: required',
      `listeners.https.ssl.truststore.location: ${join(dir, 'ca.pem')}`,
    ].join('\n');
    writeFileSync(join(dir, 'host.yaml'), `${config}\n`);
    host = await startHost(
      {
        ONRAMP_CONFIG: join(dir, 'host.yaml'),
        ONRAMP_DATA_DIR: join(dir, 'data'),
        ONRAMP_REST_PORT: String(port),
      },
      async () => (await get(port, '/health', trusted())).status > 0,
    );
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('serves a client that verifies the server against the CA and shows its certificate', async () => {
    const answer = await get(host.port, '/connectors', trusted());
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.body)).toBe(true);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(
      get(host.port, '/connectors', { cert: pem('client.pem'), key: pem('client.key') }),
    ).rejects.toThrow(/self-signed certificate in certificate chain|unable to verify/);
  });

  it('refuses a client without a certificate (listeners.https.ssl.client.auth=required)', async () => {
    await expect(get(host.port, '/connectors', { ca: pem('ca.pem') })).rejects.toThrow();
  });
});
