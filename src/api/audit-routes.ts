import type { FastifyInstance } from 'fastify';
import { AUDIT_ROUTE } from '../auth/access-policy.ts';
import type { AuditLog } from '../auth/audit-log.ts';
import { withErrors } from './schemas.ts';

// GET /admin/audit?limit=N: the newest audit entries first (admin only, enforced by the policy).

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

const auditEntry = {
  type: 'object',
  additionalProperties: true,
  properties: {
    time: { type: 'string' },
    principal: { type: 'string', nullable: true },
    role: { type: 'string', nullable: true },
    method: { type: 'string' },
    route: { type: 'string' },
    path: { type: 'string' },
    connector: { type: 'string' },
    status: { type: 'integer' },
    remote: { type: 'string' },
  },
} as const;

export function auditRoutes(app: FastifyInstance, audit: AuditLog): void {
  app.get<{ Querystring: { limit?: number } }>(
    AUDIT_ROUTE,
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit log of write requests, newest first (admin only)',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
        },
        response: withErrors({ 200: { type: 'array', items: auditEntry } }, 400, 401, 403),
      },
    },
    async (request) => audit.recent(request.query.limit ?? DEFAULT_LIMIT),
  );
}
