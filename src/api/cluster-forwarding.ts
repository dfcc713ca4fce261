import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatRole, type Principal, parseRole } from '../auth/roles.ts';
import type { SessionKey } from '../cluster/config-topic-state.ts';
import { signRequest, verifyRequest } from '../cluster/session-key.ts';
import { type ClusterRuntime, REBALANCE_MESSAGE } from '../host/cluster-runtime.ts';
import { errorMessage, OnrampError } from '../plugin/errors.ts';
import { errorBody } from './http-errors.ts';

// REST in cluster mode, as Kafka Connect's HerderRequestHandler: reads are served by any worker from
// its own view; writes (connectors and data products) go to the leader (which alone writes config records), a restart of one task
// or connector instance, and ad hoc snapshot signals and their progress, to the worker running it;
// during a rebalance they get a 409.
//
// The forwarded hop does not carry the caller's credentials: the worker that took the request
// authenticated and authorized the caller, and signs the hop with the cluster's session key (KIP-507,
// kept in the config topic). Kafka Connect's X-Connect-Authorization signs the body alone; here the
// signature covers method, URL, time, forwarding worker, the caller's identity (token name and role)
// and body, so a captured hop cannot be replayed to another route or after FRESHNESS_MS, and no
// client can claim an identity by sending the headers itself. The receiving worker takes the caller
// as "<name> via <worker>" with the forwarded role and authorizes it again with that role (a domain
// token stays limited to its domain on the leader, which alone knows the stored connectors for sure).
// Whoever can read the config topic holds the key: protect it with Kafka ACLs, as with Kafka Connect.

const BY_HEADER = 'x-onramp-forwarded-by';
const FOR_HEADER = 'x-onramp-forwarded-for';
const AT_HEADER = 'x-onramp-forwarded-at';
const ROLE_HEADER = 'x-onramp-forwarded-role';
/** How old a forwarded request may be (clock skew between workers included). */
const FRESHNESS_MS = 120_000;
const FORWARD_TIMEOUT_MS = 60_000;

export interface ClusterRouting {
  workerId: string;
  url: string;
  isLeader(): boolean;
  rebalancing(): boolean;
  leaderUrl(): string | undefined;
  sessionKey(): SessionKey | undefined;
  /** The REST URL of the worker running a connector's instance (task undefined) or one task; leader only. */
  ownerUrl(connector: string, task: number | undefined): string | undefined;
  runsHere(connector: string, task: number | undefined): boolean;
}

export function clusterRouting(cluster: ClusterRuntime, options: { workerId: string }): ClusterRouting {
  const { member } = cluster;
  return {
    workerId: options.workerId,
    url: cluster.url,
    isLeader: () => member.isLeader,
    rebalancing: () => member.rebalancing,
    leaderUrl: () => member.leaderUrl,
    sessionKey: () => cluster.sessionKey(),
    ownerUrl: (connector, task) => {
      const state = member.leaderState();
      const owner =
        task === undefined
          ? state?.connectorOwners.get(connector)
          : state?.taskOwners.get(`${connector}/${task}`);
      return owner === undefined ? undefined : state?.urls.get(owner);
    },
    runsHere: (connector, task) => {
      const work = member.work();
      return task === undefined
        ? work.connectors.includes(connector)
        : work.tasks.some((t) => t.connector === connector && t.task === task);
    },
  };
}

/** Whether the request claims to be a hop from another worker (checked in installClusterForwarding). */
export function isForwardedRequest(request: FastifyRequest): boolean {
  return request.headers[BY_HEADER] !== undefined;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Where a request goes when the worker that took it does not answer it itself. */
interface Routed {
  connector: string;
  task?: number;
  /** To the worker running the connector's instance or task (via the leader, which knows who runs it). */
  toOwner: boolean;
  /** Served where it runs also during a rebalance (a read, or a signal to a task that still runs here). */
  servedWhileRebalancing?: boolean;
}

/**
 * Requests a worker does not answer itself: writes of connector config, target state, restarts,
 * offsets, and data products and domains (REST changes to products are made on one worker, one at a
 * time, and publishing may reconfigure the product's source connectors, which only the leader
 * writes) go to the leader; ad hoc snapshot signals and their progress (reads included) go to the
 * worker running the connector's task 0, which alone holds them.
 */
function routed(request: FastifyRequest): Routed | undefined {
  const route = request.routeOptions.url ?? '';
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  if (route === '/connectors/:name/snapshots')
    return { connector: params.name ?? '', task: 0, toOwner: true, servedWhileRebalancing: true };
  if (READS.has(request.method)) return undefined;
  if (route === '/products' || route.startsWith('/products/') || route.startsWith('/domains/'))
    return { connector: '', toOwner: false };
  if (!route.startsWith('/connectors')) return undefined;
  // Served where it arrives: the active-topics reset (status topic).
  if (route.endsWith('/topics/reset')) return undefined;
  const connector = params.name ?? params.connector ?? '';
  const taskText = params.task ?? params.taskId;
  const restart = route.endsWith('/restart');
  const query = (request.query ?? {}) as Record<string, string | undefined>;
  // A plain restart of one task or of the instance goes to the worker running it (KIP-745's flags
  // make it a restart request record, which the leader writes).
  const plain = restart && query.includeTasks !== 'true' && query.onlyFailed !== 'true';
  return {
    connector,
    ...(taskText !== undefined && { task: Number(taskText) }),
    toOwner: plain,
  };
}

/** What the session key signs on a hop (exported for tests that forge or alter one). */
export function signedPayload(parts: {
  method: string;
  url: string;
  at: string;
  by: string;
  for: string;
  role: string;
  body: string;
}) {
  return Buffer.from(
    `${parts.method}\n${parts.url}\n${parts.at}\n${parts.by}\n${parts.for}\n${parts.role}\n${parts.body}`,
  );
}

function bodyText(request: FastifyRequest): string {
  return request.body === undefined || request.body === null ? '' : JSON.stringify(request.body);
}

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The role a forwarded request was signed with; undefined when the header holds no valid role. */
function forwardedRole(text: string): Principal['role'] | undefined {
  try {
    return parseRole(text);
  } catch {
    return undefined;
  }
}

/**
 * Checks hops from other workers: their signature stands in for the caller's credentials, and the
 * caller's identity is taken from the signed headers. Install it before installRestSecurity, whose
 * preValidation hook then authorizes the forwarded caller with its own role.
 */
export function checkForwardedRequests(app: FastifyInstance, routing: ClusterRouting): void {
  app.addHook('preValidation', async (request, reply) => {
    if (!isForwardedRequest(request)) return;
    const at = header(request, AT_HEADER);
    const verdict = verifyRequest(
      routing.sessionKey(),
      signedPayload({
        method: request.method,
        url: request.url,
        at,
        by: header(request, BY_HEADER),
        for: header(request, FOR_HEADER),
        role: header(request, ROLE_HEADER),
        body: bodyText(request),
      }),
      request.headers,
    );
    const age = Math.abs(Date.now() - Number(at));
    const role = forwardedRole(header(request, ROLE_HEADER));
    if (verdict !== 'valid' || !(age <= FRESHNESS_MS) || role === undefined) {
      request.log.warn(
        {
          forwardedBy: header(request, BY_HEADER),
          verdict,
          ageMs: Number.isFinite(age) ? age : undefined,
          ...(role === undefined && { role: 'missing or invalid' }),
        },
        'refused a forwarded request',
      );
      return reply
        .status(401)
        .send(errorBody(401, "The forwarded request is not signed with the cluster's current session key"));
    }
    if ('principal' in request)
      (request as { principal: unknown }).principal = {
        name: `${header(request, FOR_HEADER) || 'anonymous'} via ${header(request, BY_HEADER)}`,
        role,
      } satisfies Principal;
  });
}

/** Sends writes to the leader and owner requests to the worker running them (see routed). */
export function installClusterForwarding(app: FastifyInstance, routing: ClusterRouting): void {
  // Runs after the caller was authenticated and authorized (rest-security's hooks come first).
  app.addHook('preHandler', async (request, reply) => {
    const write = routed(request);
    if (!write) return;
    const here = write.toOwner && routing.runsHere(write.connector, write.task);
    if (here && write.servedWhileRebalancing) return;
    if (routing.rebalancing()) return stale(reply);
    let target: string | undefined;
    if (write.toOwner) {
      // Served where it runs; elsewhere the leader knows who runs it (a follower asks the leader,
      // which passes it on), and what nobody runs yet the leader answers from its own view.
      if (here) return;
      target = routing.isLeader() ? routing.ownerUrl(write.connector, write.task) : routing.leaderUrl();
      if (target === undefined && routing.isLeader()) return;
    } else if (!routing.isLeader()) {
      target = routing.leaderUrl();
    } else return;
    // One hop, or two for the owner's requests (follower -> leader -> the worker running it): a
    // forwarded request that reaches a worker that is not where it belongs any more gets a 409, never a loop.
    const hopAllowed = !isForwardedRequest(request) || (write.toOwner && routing.isLeader());
    if (!hopAllowed || target === undefined || sameUrl(target, routing.url)) return stale(reply);
    const key = routing.sessionKey();
    if (!key) return stale(reply);
    await forward(request, reply, target, key, routing);
  });
}

function stale(reply: FastifyReply): FastifyReply {
  return reply.status(409).send(errorBody(409, REBALANCE_MESSAGE));
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/$/, '') === b.replace(/\/$/, '');
}

async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  target: string,
  key: SessionKey,
  routing: ClusterRouting,
): Promise<FastifyReply> {
  const body = bodyText(request);
  const principal = (request as { principal?: Principal | null }).principal;
  const parts = {
    method: request.method,
    url: request.url,
    at: String(Date.now()),
    by: routing.workerId,
    for: principal?.name ?? '',
    // Without authentication installed (tests, embedding) the worker that took it treated it as admin.
    role: principal ? formatRole(principal.role) : 'admin',
    body,
  };
  const url = `${target.replace(/\/$/, '')}${request.url}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        [BY_HEADER]: parts.by,
        [FOR_HEADER]: parts.for,
        [ROLE_HEADER]: parts.role,
        [AT_HEADER]: parts.at,
        ...signRequest(key, signedPayload(parts)),
        ...(body !== '' && { 'content-type': 'application/json' }),
      },
      ...(body !== '' && { body }),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
  } catch (error) {
    const failure = new OnrampError(
      'FORWARDING_FAILED',
      `Forwarding the request to ${new URL(url).host} failed: ${errorMessage(error)}`,
    );
    return reply.status(failure.status).send(errorBody(failure.status, failure.message));
  }
  const text = await response.text();
  const type = response.headers.get('content-type');
  const location = response.headers.get('location');
  if (type) void reply.header('content-type', type);
  if (location) void reply.header('location', location);
  // Sent as the leader's bytes (a string payload is not serialized again).
  return reply.status(response.status).send(text === '' ? undefined : text);
}
