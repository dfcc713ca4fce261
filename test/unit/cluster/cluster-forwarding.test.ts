import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRouting, installClusterForwarding } from '../../../src/api/cluster-forwarding.ts';
import { newSessionKey } from '../../../src/cluster/session-key.ts';

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
