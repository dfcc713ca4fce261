import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AccessRequest, decide, isRead, needsBody } from '../auth/access-policy.ts';
import { AuditLog } from '../auth/audit-log.ts';
import { type Credentials, readCredentials } from '../auth/credentials.ts';
import type { HostAllowList } from '../auth/host-allow-list.ts';
import { type Authentication, JwtVerifier } from '../auth/jwt-verifier.ts';
import { RestAuthenticator } from '../auth/rest-authenticator.ts';
import type { RestSecurityConfig } from '../auth/rest-settings.ts';
import { formatRole, type Principal } from '../auth/roles.ts';
import { type AuthLog, TokenStore } from '../auth/token-store.ts';
import { crossSiteProblem, sessionIdFrom, type UiSession, UiSessions } from '../auth/ui-sessions.ts';
import { HOST_ERRORS, OnrampError } from '../plugin/errors.ts';
import { errorBody } from './http-errors.ts';

// The REST API's guards as fastify hooks, in request order:
//   onRequest     Host header allow-list (421), authentication (401), then authorization by role
//                 (403) before the body is read, as Kafka Connect's auth filter: a caller without
//                 the right never learns a route's validation rules from a 400 (or 415)
//   preValidation the few decisions that need the body (a domain token's product.domain, see
//                 needsBody), made on the parsed body before schema validation, so a body naming
//                 another domain is a 403 whatever else is wrong with it
//   onSend      one audit line per write, before the response leaves: a client that saw the
//               answer finds its request in GET /admin/audit
// GET /health stays open so load balancers can probe without a token, and so do routes marked
// { config: { openAccess: true } } (the console's static files and its sign-in) and a browser's
// visit to / (redirected to the console).
// Besides the Authorization header, the console's session cookie (src/auth/ui-sessions.ts) carries
// a token: its writes must come from the console's own origin and echo the session's CSRF token.

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Authentication>;
}

export interface RestSecurity {
  /** Undefined for rest.auth=none: every caller is "anonymous" with the admin role. */
  authenticator: Authenticator | undefined;
  audit: AuditLog | undefined;
  /** Undefined when every Host header is served. */
  hostAllowList: HostAllowList | undefined;
  /** The console's sign-in sessions (rest.auth=token only). */
  sessions?: UiSessions | undefined;
}

/** The product.domain of a stored connector; undefined when the connector does not exist. */
export type StoredDomainLookup = (connector: string) => { domain: string | undefined } | undefined;

/** The domain of a data product; undefined when there is no such product. */
export type ProductDomainLookup = (id: string) => string | undefined;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; null before authentication and on open routes. */
    principal: Principal | null;
    /** The console session that authenticated the request, when one did. */
    uiSession: UiSession | null;
  }
  interface FastifyContextConfig {
    /** Served without authentication (still behind the Host allow-list). */
    openAccess?: boolean;
  }
}

const ANONYMOUS: Principal = { name: 'anonymous', role: { kind: 'admin' } };
const OPEN_ROUTES = new Set(['/health']);
const CHALLENGE = 'Bearer, Basic realm="onramp"';

/** A browser opening / (it is sent to the console, which has its own sign-in). */
export function isBrowserVisitToRoot(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return request.method === 'GET' && request.routeOptions.url === '/' && accept.includes('text/html');
}

function isOpen(request: FastifyRequest): boolean {
  if (request.routeOptions.config?.openAccess === true) return true;
  if (isBrowserVisitToRoot(request)) return true;
  return isRead(request.method) && OPEN_ROUTES.has(request.routeOptions.url ?? '');
}

/** The console asks without a challenge: WWW-Authenticate: Basic would pop up the browser's own dialog. */
export const CONSOLE_HEADER = 'x-onramp-console';

function refuse(reply: FastifyReply, error: OnrampError): FastifyReply {
  if (error.code === 'UNAUTHENTICATED' && reply.request.headers[CONSOLE_HEADER] === undefined)
    void reply.header('WWW-Authenticate', CHALLENGE);
  return reply.status(error.status).send(errorBody(error.status, error.message));
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A write as the policy sees it: method, matched route pattern, parsed body and path params. */
export interface WriteRequest {
  method: string;
  route: string | undefined;
  body: unknown;
  params: unknown;
}

/** The connector a request names: POST /connectors' body name, else :name in a /connectors path. */
function connectorName({ route, body, params }: WriteRequest): string | undefined {
  if (route === '/connectors') return text(record(body)?.name)?.trim();
  return route?.startsWith('/connectors/:name') ? text(record(params)?.name) : undefined;
}

/** What the policy needs to know about a write to a connector route. */
export function connectorAccess(
  request: WriteRequest,
  storedDomain: StoredDomainLookup,
): AccessRequest['connector'] {
  const { method, route } = request;
  const body = record(request.body);
  const creates = route === '/connectors' && method === 'POST';
  // A create without a name is still decided by its product.domain: 403 before the 400 for the name.
  const name = connectorName(request) ?? (creates ? '' : undefined);
  if (name === undefined) return undefined;
  const stored = name === '' ? undefined : storedDomain(name);
  const base = { name, ...(stored && { stored }) };
  if (creates) {
    return { ...base, setsConfig: true, resultingDomain: text(record(body?.config)?.['product.domain']) };
  }
  if (route === '/connectors/:name/config' && method === 'PUT') {
    return { ...base, setsConfig: true, resultingDomain: text(body?.['product.domain']) };
  }
  if (route === '/connectors/:name/config' && method === 'PATCH') {
    // A patch without product.domain keeps the stored one; null removes it.
    const resultingDomain = body && 'product.domain' in body ? text(body['product.domain']) : stored?.domain;
    return { ...base, setsConfig: true, resultingDomain };
  }
  return { ...base, setsConfig: false };
}

/** The product a /products write names: POST /products' body domain, else :id in the path. */
export function productAccess(
  request: WriteRequest,
  productDomain: ProductDomainLookup | undefined,
): AccessRequest['product'] {
  const { route } = request;
  if (route === '/products') {
    const body = record(request.body);
    const domain = text(body?.domain);
    const name = text(body?.name);
    const id = domain !== undefined && name !== undefined ? `${domain}.${name}` : undefined;
    const stored = id === undefined ? undefined : productDomain?.(id);
    return {
      ...(id !== undefined && { id }),
      ...(stored !== undefined && { stored: { domain: stored } }),
      resultingDomain: domain,
    };
  }
  if (!route?.startsWith('/products/:id')) return undefined;
  const id = text(record(request.params)?.id);
  if (id === undefined) return undefined;
  const stored = productDomain?.(id);
  return { id, ...(stored !== undefined && { stored: { domain: stored } }) };
}

function productId(request: WriteRequest): string | undefined {
  if (request.route === '/products') {
    const body = record(request.body);
    const domain = text(body?.domain);
    const name = text(body?.name);
    return domain !== undefined && name !== undefined ? `${domain}.${name}` : undefined;
  }
  return request.route?.startsWith('/products/:id') ? text(record(request.params)?.id) : undefined;
}

function writeRequest(request: FastifyRequest): WriteRequest {
  return {
    method: request.method,
    route: request.routeOptions.url,
    body: request.body,
    params: request.params,
  };
}

export function installRestSecurity(
  app: FastifyInstance,
  security: RestSecurity,
  storedDomain: StoredDomainLookup,
  productDomain?: ProductDomainLookup,
  /**
   * Cluster mode: a hop from another worker, authenticated by its signature instead
   * (checkForwardedRequests in cluster-forwarding.ts, installed before, sets the caller's principal
   * in preValidation; it is authorized here with its forwarded role).
   */
  forwarded?: (request: FastifyRequest) => boolean,
): void {
  const { authenticator, audit, hostAllowList, sessions } = security;
  app.decorateRequest('principal', null);
  app.decorateRequest('uiSession', null);

  if (hostAllowList) {
    app.addHook('onRequest', async (request, reply) => {
      if (hostAllowList.allows(request.headers.host)) return;
      return refuse(
        reply,
        new OnrampError(
          'HOST_NOT_ALLOWED',
          `${HOST_ERRORS.HOST_NOT_ALLOWED.title}: ${request.headers.host ?? '(no Host header)'} is not one of ${hostAllowList.allowed.join(', ')} (add it to rest.allowed.hosts)`,
        ),
      );
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    if (isOpen(request) || forwarded?.(request)) return;
    if (authenticator === undefined) {
      request.principal = ANONYMOUS;
      return;
    }
    const presented = readCredentials(request.headers.authorization);
    const session =
      presented === undefined ? sessions?.get(sessionIdFrom(request.headers.cookie)) : undefined;
    if (session) {
      if (!isRead(request.method)) {
        const problem = crossSiteProblem(request.headers, request.headers.host, session.csrf);
        if (problem) return refuse(reply, new OnrampError('FORBIDDEN', `Refused: ${problem}.`));
      }
      const authentication = await authenticator.authenticate(session.credentials);
      if (!authentication.ok) {
        sessions?.delete(session.id);
        return refuse(
          reply,
          new OnrampError('UNAUTHENTICATED', `The console session ended: ${authentication.message}`),
        );
      }
      request.principal = authentication.principal;
      request.uiSession = session;
      return;
    }
    if (presented === undefined) {
      return refuse(
        reply,
        new OnrampError(
          'UNAUTHENTICATED',
          'Authentication required: send Authorization: Bearer <token>, or basic auth with the token name as user and the token as password.',
        ),
      );
    }
    if (!presented.ok) return refuse(reply, new OnrampError('UNAUTHENTICATED', presented.message));
    const authentication = await authenticator.authenticate(presented.credentials);
    if (!authentication.ok) return refuse(reply, new OnrampError('UNAUTHENTICATED', authentication.message));
    request.principal = authentication.principal;
  });

  const authorize = (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const principal = request.principal;
    if (principal === null || principal.role.kind === 'admin') return;
    const route = request.routeOptions.url;
    const access: AccessRequest = { method: request.method, route };
    if (!isRead(request.method)) {
      const connector = connectorAccess(writeRequest(request), storedDomain);
      if (connector) access.connector = connector;
      const product = productAccess(writeRequest(request), productDomain);
      if (product) access.product = product;
      if (route?.startsWith('/domains/:name')) {
        const name = (request.params as Record<string, unknown> | undefined)?.name;
        if (typeof name === 'string') access.domain = name;
      }
    }
    const decision = decide(principal, access);
    if (!decision.allowed) return refuse(reply, new OnrampError('FORBIDDEN', decision.reason));
    return undefined;
  };
  const bodyDecides = (request: FastifyRequest, principal: Principal): boolean =>
    needsBody(principal, request.method, request.routeOptions.url);

  app.addHook('onRequest', async (request, reply) => {
    if (request.principal !== null && !bodyDecides(request, request.principal))
      return authorize(request, reply);
  });
  app.addHook('preValidation', async (request, reply) => {
    if (request.principal === null) return;
    if (bodyDecides(request, request.principal) || forwarded?.(request)) return authorize(request, reply);
  });

  if (audit) {
    app.addHook('onSend', async (request, reply, payload) => {
      if (isRead(request.method)) return payload;
      const principal = request.principal;
      const path = request.url.split('?')[0] ?? request.url;
      const connector = connectorName(writeRequest(request));
      const product = productId(writeRequest(request));
      await audit.append({
        time: new Date().toISOString(),
        principal: principal?.name ?? null,
        role: principal ? formatRole(principal.role) : null,
        method: request.method,
        route: request.routeOptions.url ?? path,
        path,
        ...(connector !== undefined && { connector }),
        ...(product !== undefined && { product }),
        status: reply.statusCode,
        remote: request.ip,
      });
      return payload;
    });
  }
}

export interface RestSecuritySetup {
  auth: RestSecurityConfig['auth'];
  dataDir: string;
  hostAllowList: HostAllowList | undefined;
  log: AuthLog & { warn(details: object, message: string): void };
}

/**
 * The guards main.ts installs: tokens (and JWTs) when rest.auth=token, <data.dir>/audit.log, the
 * Host allow-list.
 */
export async function createRestSecurity(setup: RestSecuritySetup): Promise<RestSecurity> {
  const { auth, log } = setup;
  let authenticator: RestAuthenticator | undefined;
  if (auth.mode === 'token') {
    const tokens = new TokenStore(auth.tokensFile, log);
    await tokens.refresh();
    authenticator = new RestAuthenticator(tokens, auth.jwt && new JwtVerifier(auth.jwt, log));
    if (!existsSync(auth.tokensFile) && !auth.jwt) {
      log.warn(
        { file: auth.tokensFile },
        'rest.auth=token and no tokens file yet: every request but /health gets 401 until `npm run token -- create --name <name> --role admin` writes one',
      );
    }
  }
  const audit = new AuditLog({
    file: join(setup.dataDir, 'audit.log'),
    onError: (error) => log.error({ err: error }, 'cannot append to the audit log'),
  });
  return {
    authenticator,
    audit,
    hostAllowList: setup.hostAllowList,
    ...(authenticator && { sessions: new UiSessions() }),
  };
}
