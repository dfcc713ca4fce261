import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterRouting,
  checkForwardedRequests,
  installClusterForwarding,
  signedPayload,
} from '../../../src/api/cluster-forwarding.ts';
import { installRestSecurity } from '../../../src/api/rest-security.ts';
import { AuditLog } from '../../../src/auth/audit-log.ts';
import type { Principal } from '../../../src/auth/roles.ts';
import { newSessionKey, signRequest } from '../../../src/cluster/session-key.ts';

// REST forwarding between three workers on loopback (real HTTP, the cluster's session key): a
// follower, the leader and the worker running the connector's task 0. Ad hoc snapshot requests and
// their progress reach the owner from any worker: follower -> leader -> owner, leader -> owner.

type Role = 'follower' | 'leader' | 'owner';
const key = newSessionKey();
const apps = new Map<Role, FastifyInstance>();
const urls = new Map<Role, string>();
let rebalancing: Role | undefined;

function routing(role: Role): ClusterRouting {
  return {
    workerId: role,
    get url() {
      return urls.get(role) ?? '';
    },
    isLeader: () => role === 'leader',
    rebalancing: () => rebalancing === role,
    leaderUrl: () => urls.get('leader'),
    sessionKey: () => key,
    ownerUrl: (connector, task) =>
      role === 'leader' && connector === 'orders' && task === 0 ? urls.get('owner') : undefined,
    runsHere: (connector, task) => role === 'owner' && connector === 'orders' && task === 0,
  };
}

beforeAll(async () => {
  for (const role of ['follower', 'leader', 'owner'] as const) {
    const app = Fastify();
    checkForwardedRequests(app, routing(role));
    installClusterForwarding(app, routing(role));
    app.get<{ Params: { name: string } }>('/connectors/:name/snapshots', async (request) => ({
      servedBy: role,
      connector: request.params.name,
    }));
    app.post<{ Params: { name: string }; Body: Record<string, unknown> }>(
      '/connectors/:name/snapshots',
      async (request, reply) => reply.status(202).send({ servedBy: role, body: request.body }),
    );
    urls.set(role, await app.listen({ port: 0, host: '127.0.0.1' }));
    apps.set(role, app);
  }
});

afterAll(async () => {
  for (const app of apps.values()) await app.close();
});

async function call(role: Role, method: string, path: string, body?: unknown) {
  const response = await fetch(`${urls.get(role)}${path}`, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('cluster forwarding of ad hoc snapshot requests', () => {
  it('brings GET and POST /connectors/{name}/snapshots to the worker running task 0, from any worker', async () => {
    for (const role of ['follower', 'leader', 'owner'] as const) {
      expect(await call(role, 'GET', '/connectors/orders/snapshots')).toEqual({
        status: 200,
        body: { servedBy: 'owner', connector: 'orders' },
      });
      const signal = { type: 'incremental', 'data-collections': ['public.orders'] };
      expect(await call(role, 'POST', '/connectors/orders/snapshots', signal)).toEqual({
        status: 202,
        body: { servedBy: 'owner', body: signal },
      });
    }
  });

  it('answers what nobody runs on the leader, and 409s during a rebalance except where the task runs', async () => {
    // Nobody runs it: the leader answers from its own view (the route's 404 or 409).
    expect((await call('follower', 'GET', '/connectors/other/snapshots')).body.servedBy).toBe('leader');
    rebalancing = 'follower';
    expect((await call('follower', 'GET', '/connectors/orders/snapshots')).status).toBe(409);
    rebalancing = 'owner';
    expect((await call('follower', 'GET', '/connectors/orders/snapshots')).body.servedBy).toBe('owner');
    rebalancing = undefined;
  });
});

// With rest.auth=token on every worker: the hop carries the caller's name and role (signed), the
// leader authorizes the write again with that role and audits it as "<name> via <worker>".
describe('cluster forwarding of the caller identity', () => {
  const tokens: Record<string, Principal> = {
    'alice-secret': { name: 'alice', role: { kind: 'domain', domain: 'sales' } },
    'root-secret': { name: 'root', role: { kind: 'admin' } },
  };
  const dir = mkdtempSync(join(tmpdir(), 'onramp-forwarding-'));
  const secured = new Map<'follower' | 'leader', { app: FastifyInstance; url: string; audit: AuditLog }>();
  // The follower's view lags: it still has ledger in domain sales, which the leader knows moved to finance.
  const views = {
    follower: { orders: 'sales', ledger: 'sales' },
    leader: { orders: 'sales', ledger: 'finance' },
  } as Record<string, Record<string, string>>;

  function securedRouting(role: 'follower' | 'leader'): ClusterRouting {
    return {
      workerId: role,
      get url() {
        return secured.get(role)?.url ?? '';
      },
      isLeader: () => role === 'leader',
      rebalancing: () => false,
      leaderUrl: () => secured.get('leader')?.url,
      sessionKey: () => key,
      ownerUrl: () => undefined,
      runsHere: () => false,
    };
  }

  beforeAll(async () => {
    for (const role of ['follower', 'leader'] as const) {
      const app = Fastify();
      const audit = new AuditLog({
        file: join(dir, role, 'audit.log'),
        onError: (error) => {
          throw error;
        },
      });
      checkForwardedRequests(app, securedRouting(role));
      installRestSecurity(
        app,
        {
          authenticator: {
            authenticate: async (credentials) => {
              const principal = tokens[credentials.token];
              return principal ? { ok: true, principal } : { ok: false, message: 'unknown token' };
            },
          },
          audit,
          hostAllowList: undefined,
        },
        (connector) => {
          const domain = views[role]?.[connector];
          return domain === undefined ? undefined : { domain };
        },
        undefined,
        (request) => request.headers['x-onramp-forwarded-by'] !== undefined,
      );
      installClusterForwarding(app, securedRouting(role));
      app.put<{ Params: { name: string } }>('/connectors/:name/pause', async (request, reply) =>
        reply.status(202).send({ servedBy: role, connector: request.params.name }),
      );
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      secured.set(role, { app, url, audit });
    }
  });

  afterAll(async () => {
    for (const { app } of secured.values()) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function put(role: 'follower' | 'leader', path: string, headers: Record<string, string>) {
    const response = await fetch(`${secured.get(role)?.url}${path}`, { method: 'PUT', headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function auditOf(role: 'follower' | 'leader', limit: number) {
    const worker = secured.get(role);
    if (!worker) throw new Error(`no ${role}`);
    return worker.audit.recent(limit);
  }

  /** A hop signed with the cluster's key, as a follower sends it (role and name as given). */
  function hop(path: string, identity: { for: string; role: string }, key_ = key) {
    const parts = { method: 'PUT', url: path, at: String(Date.now()), by: 'follower', body: '', ...identity };
    return {
      'x-onramp-forwarded-by': parts.by,
      'x-onramp-forwarded-for': parts.for,
      'x-onramp-forwarded-role': parts.role,
      'x-onramp-forwarded-at': parts.at,
      ...signRequest(key_, signedPayload(parts)),
    };
  }

  it("audits a domain token's write through a follower on the leader with its name and role", async () => {
    const answer = await put('follower', '/connectors/orders/pause', {
      authorization: 'Bearer alice-secret',
    });
    expect(answer).toEqual({ status: 202, body: { servedBy: 'leader', connector: 'orders' } });
    const [onLeader] = await auditOf('leader', 1);
    expect(onLeader).toMatchObject({
      principal: 'alice via follower',
      role: 'domain:sales',
      route: '/connectors/:name/pause',
      connector: 'orders',
      status: 202,
    });
    const [onFollower] = await auditOf('follower', 1);
    expect(onFollower).toMatchObject({ principal: 'alice', role: 'domain:sales', status: 202 });
  });

  it("limits a forwarded domain token to its domain on the leader (403 for another domain's connector)", async () => {
    // The follower's stale view lets it through; the leader refuses with the forwarded role.
    const answer = await put('follower', '/connectors/ledger/pause', {
      authorization: 'Bearer alice-secret',
    });
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain('belongs to domain finance');
    const [onLeader] = await auditOf('leader', 1);
    expect(onLeader).toMatchObject({
      principal: 'alice via follower',
      role: 'domain:sales',
      connector: 'ledger',
      status: 403,
    });
    // A correctly signed hop naming a domain role is refused the same way.
    const direct = hop('/connectors/ledger/pause', { for: 'alice', role: 'domain:sales' });
    expect((await put('leader', '/connectors/ledger/pause', direct)).status).toBe(403);
    // And an admin passes through the follower to the leader.
    expect(
      await put('follower', '/connectors/ledger/pause', { authorization: 'Bearer root-secret' }),
    ).toEqual({
      status: 202,
      body: { servedBy: 'leader', connector: 'ledger' },
    });
  });

  it('refuses a forged identity header without a valid signature (401)', async () => {
    const path = '/connectors/ledger/pause';
    const forged = {
      'x-onramp-forwarded-by': 'follower',
      'x-onramp-forwarded-for': 'mallory',
      'x-onramp-forwarded-role': 'admin',
      'x-onramp-forwarded-at': String(Date.now()),
    };
    // No signature at all.
    expect((await put('leader', path, forged)).status).toBe(401);
    // Signed with another key.
    expect(
      (await put('leader', path, hop(path, { for: 'mallory', role: 'admin' }, newSessionKey()))).status,
    ).toBe(401);
    // A valid hop for a domain token whose role header is then raised to admin.
    const raised = {
      ...hop(path, { for: 'alice', role: 'domain:sales' }),
      'x-onramp-forwarded-role': 'admin',
    };
    expect((await put('leader', path, raised)).status).toBe(401);
    // A valid hop with an invalid role.
    expect((await put('leader', path, hop(path, { for: 'alice', role: 'root' }))).status).toBe(401);
    // None of them reached the route: the leader's newest audit lines are the refusals.
    const lines = await auditOf('leader', 4);
    expect(lines.map((line) => line.status)).toEqual([401, 401, 401, 401]);
  });
});
