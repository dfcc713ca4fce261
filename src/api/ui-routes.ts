import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCredentials } from '../auth/credentials.ts';
import { formatRole, type Principal } from '../auth/roles.ts';
import { crossSiteProblem, sessionCookie, sessionIdFrom, type UiSessions } from '../auth/ui-sessions.ts';
import type { ConnectorHost } from '../host/host.ts';
import type { Metrics } from '../host/metrics.ts';
import { OnrampError } from '../plugin/errors.ts';
import { errorBody } from './http-errors.ts';
import type { Authenticator } from './rest-security.ts';
import { isBrowserVisitToRoot } from './rest-security.ts';
import { withErrors } from './schemas.ts';

// The web console: the static files `npm run build:ui` writes to ui/dist (served at /ui, every
// other /ui/* path answers index.html so the console's own routes survive a reload), a browser's
// visit to / sent there, and the console's session routes. Sign-in trades a token for an HttpOnly
// session cookie (see src/auth/ui-sessions.ts); every other call the console makes is an ordinary
// REST API call, authorized like a script's. GET /ui/api/connector-figures adds what the API has
// no route for: per-connector record counts and lag, from the host's metrics.

const DIST = join(import.meta.dirname, '..', '..', 'ui', 'dist');
const tags = ['console'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Everything the console loads is its own: no inline script, no other origin. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Onramp console not built</title></head>
<body><main><h1>The Onramp console is not built</h1>
<p>Run <code>npm run build:ui</code> (or start the host with <code>npm start</code>, which builds it), then reload.</p>
</main></body></html>`;

export interface UiRouteOptions {
  host: ConnectorHost;
  metrics: Metrics;
  /** Undefined for rest.auth=none: there is nothing to sign in to. */
  authenticator: Authenticator | undefined;
  sessions: UiSessions | undefined;
  /** Where the built console is (default ui/dist). */
  distDir?: string;
}

interface SessionAnswer {
  auth: 'token' | 'none';
  principal: { name: string; role: string } | null;
  csrf: string | null;
}

function shown(principal: Principal): { name: string; role: string } {
  return { name: principal.name, role: formatRole(principal.role) };
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');
}

/** The file under `dist` a /ui path names; undefined when it would leave it. */
function fileFor(dist: string, path: string): string | undefined {
  const relative = decodeURIComponent(path.replace(/^\/ui\/?/, '').split('?')[0] ?? '');
  const file = normalize(join(dist, relative));
  return file === dist || file.startsWith(dist + sep) ? file : undefined;
}

export function uiRoutes(app: FastifyInstance, options: UiRouteOptions): void {
  const dist = options.distDir ?? DIST;
  const { authenticator, sessions } = options;

  app.addHook('onRequest', async (request, reply) => {
    if (isBrowserVisitToRoot(request)) return reply.redirect('/ui/', 302);
  });

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    securityHeaders(reply);
    let file: string | undefined;
    try {
      file = fileFor(dist, request.url);
    } catch {
      file = undefined; // a malformed %-escape
    }
    if (file === undefined) return reply.status(404).send(errorBody(404, 'Not found'));
    // A built file when there is one; else, outside assets/, the page itself (a console route such
    // as /ui/products/sales.customers, whose dot is no file extension).
    const asset = await readFile(file).catch(() => undefined);
    if (asset) {
      // Vite names assets by content hash, so they never change; anything else is re-checked.
      const cache = file.startsWith(join(dist, 'assets') + sep)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache';
      return reply
        .type(TYPES[extname(file)] ?? 'application/octet-stream')
        .header('cache-control', cache)
        .send(asset);
    }
    if (file.startsWith(join(dist, 'assets') + sep))
      return reply.status(404).send(errorBody(404, 'Not found'));
    try {
      const body = await readFile(join(dist, 'index.html'));
      return reply
        .type(TYPES['.html'] ?? 'text/html')
        .header('cache-control', 'no-cache')
        .send(body);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return reply
        .status(503)
        .type(TYPES['.html'] ?? 'text/html')
        .send(NOT_BUILT);
    }
  };
  const page = { schema: { hide: true }, config: { openAccess: true } };
  app.get('/ui', page, serve);
  app.get('/ui/*', page, serve);

  const sessionSchema = {
    tags,
    type: 'object',
    additionalProperties: true,
    properties: {
      auth: { type: 'string', enum: ['token', 'none'] },
      principal: { type: 'object', nullable: true, additionalProperties: true },
      csrf: { type: 'string', nullable: true },
    },
  } as const;

  app.get(
    '/ui/session',
    {
      config: { openAccess: true },
      schema: {
        tags,
        summary: "The console's sign-in: who is signed in, and the CSRF token writes must echo",
        response: { 200: sessionSchema },
      },
    },
    async (request): Promise<SessionAnswer> => {
      if (authenticator === undefined)
        return { auth: 'none', principal: { name: 'anonymous', role: 'admin' }, csrf: null };
      const session = sessions?.get(sessionIdFrom(request.headers.cookie));
      if (!session) return { auth: 'token', principal: null, csrf: null };
      const authentication = await authenticator.authenticate(session.credentials);
      if (!authentication.ok) {
        sessions?.delete(session.id);
        return { auth: 'token', principal: null, csrf: null };
      }
      return { auth: 'token', principal: shown(authentication.principal), csrf: session.csrf };
    },
  );

  app.post<{ Body: { token: string; name?: string } }>(
    '/ui/session',
    {
      config: { openAccess: true },
      schema: {
        tags,
        summary:
          'Sign in to the console with a REST token: answers a session cookie (HttpOnly, SameSite=Strict)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token'],
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 16_384 },
            name: { type: 'string', description: 'Token name (only for basic-auth style sign-in)' },
          },
        },
        response: withErrors({ 200: sessionSchema }, 400, 401, 403),
      },
    },
    async (request, reply) => {
      const problem = crossSiteProblem(request.headers, request.headers.host, undefined);
      if (problem) throw new OnrampError('FORBIDDEN', `Refused: ${problem}.`);
      if (authenticator === undefined || sessions === undefined)
        return { auth: 'none', principal: { name: 'anonymous', role: 'admin' }, csrf: null };
      const { token, name } = request.body;
      const presented =
        name === undefined || name === ''
          ? readCredentials(`Bearer ${token.trim()}`)
          : { ok: true as const, credentials: { scheme: 'basic' as const, name, token: token.trim() } };
      if (!presented?.ok) throw new OnrampError('UNAUTHENTICATED', 'Enter a token.');
      const authentication = await authenticator.authenticate(presented.credentials);
      if (!authentication.ok) throw new OnrampError('UNAUTHENTICATED', authentication.message);
      request.principal = authentication.principal; // the audit line names who signed in
      sessions.delete(sessionIdFrom(request.headers.cookie));
      const session = sessions.create(presented.credentials);
      void reply.header(
        'set-cookie',
        sessionCookie(session.id, request.protocol === 'https', sessions.maxAgeMs / 1000),
      );
      return { auth: 'token', principal: shown(authentication.principal), csrf: session.csrf };
    },
  );

  app.delete(
    '/ui/session',
    {
      config: { openAccess: true },
      schema: {
        tags,
        summary: 'Sign out of the console',
        response: withErrors({ 204: { type: 'null' } }, 403),
      },
    },
    async (request, reply) => {
      const id = sessionIdFrom(request.headers.cookie);
      const session = sessions?.get(id);
      const problem = crossSiteProblem(request.headers, request.headers.host, session?.csrf);
      if (problem) throw new OnrampError('FORBIDDEN', `Refused: ${problem}.`);
      sessions?.delete(id);
      void reply.header('set-cookie', sessionCookie('', request.protocol === 'https', 0));
      return reply.status(204).send();
    },
  );

  app.get(
    '/ui/api/connector-figures',
    {
      schema: {
        tags,
        summary: "Each connector's records so far and how far behind it is (from the host's metrics)",
        response: withErrors({ 200: { type: 'object', additionalProperties: true } }, 401),
      },
    },
    async () => ({ time: Date.now(), connectors: await connectorFigures(options.host, options.metrics) }),
  );
}

interface Figures {
  /** Records a source sent to Kafka / a sink delivered, since the host started. */
  records: number;
  /** Source: how far the database's stream is behind; sink: age of the last record applied. */
  lagMs?: number;
}

async function metricValues(
  metrics: Metrics,
  name: string,
): Promise<Array<{ labels: Partial<Record<string, string | number>>; value: number }>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values;
}

async function connectorFigures(host: ConnectorHost, metrics: Metrics): Promise<Record<string, Figures>> {
  const figures: Record<string, Figures> = {};
  for (const name of host.connectorNames()) figures[name] = { records: 0 };
  const add = async (metric: string, apply: (entry: Figures, value: number) => void) => {
    for (const { labels, value } of await metricValues(metrics, metric)) {
      const entry = figures[String(labels.connector)];
      if (entry && Number.isFinite(value)) apply(entry, value);
    }
  };
  await add('onramp_source_records_total', (entry, value) => {
    entry.records += value;
  });
  await add('onramp_sink_records_total', (entry, value) => {
    entry.records += value;
  });
  const lag = (entry: Figures, seconds: number) => {
    entry.lagMs = Math.max(entry.lagMs ?? 0, Math.round(seconds * 1000));
  };
  await add('onramp_source_lag_seconds', lag);
  await add('onramp_sink_lag_seconds', lag);
  return figures;
}
