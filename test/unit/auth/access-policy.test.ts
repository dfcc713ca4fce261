import { describe, expect, it } from 'vitest';
import { type AccessRequest, decide, needsBody } from '../../../src/auth/access-policy.ts';
import { type Principal, parseRole } from '../../../src/auth/roles.ts';

const admin: Principal = { name: 'root', role: parseRole('admin') };
const viewer: Principal = { name: 'dash', role: parseRole('viewer') };
const sales: Principal = { name: 'ci', role: parseRole('domain:sales') };

function allowed(principal: Principal, request: AccessRequest): boolean {
  return decide(principal, request).allowed;
}

const read = (route: string): AccessRequest => ({ method: 'GET', route });

describe('decide', () => {
  it('lets admin do everything', () => {
    expect(allowed(admin, { method: 'PUT', route: '/admin/loggers/:logger' })).toBe(true);
    expect(allowed(admin, read('/admin/audit'))).toBe(true);
    expect(
      allowed(admin, {
        method: 'DELETE',
        route: '/connectors/:name',
        connector: { name: 'x', stored: { domain: 'finance' }, setsConfig: false },
      }),
    ).toBe(true);
  });

  it('lets viewer read everything but the audit log, and write (or validate) nothing', () => {
    for (const route of ['/connectors', '/connectors/:name/config', '/admin/loggers', '/metrics', '/']) {
      expect(allowed(viewer, read(route))).toBe(true);
      expect(allowed(viewer, { method: 'HEAD', route })).toBe(true);
    }
    expect(allowed(viewer, read('/admin/audit'))).toBe(false);
    // Validate resolves placeholders and connects where the body says: not for read-only tokens.
    expect(allowed(viewer, { method: 'PUT', route: '/connector-plugins/:plugin/config/validate' })).toBe(
      false,
    );
    const write = decide(viewer, {
      method: 'POST',
      route: '/connectors',
      connector: { name: 'x', setsConfig: true, resultingDomain: 'sales' },
    });
    expect(write).toEqual({
      allowed: false,
      reason: 'Token dash (role viewer) may not POST /connectors (viewer tokens only read).',
    });
    expect(allowed(viewer, { method: 'PUT', route: '/admin/loggers/:logger' })).toBe(false);
  });

  it('lets a domain token read, validate, and never use /admin', () => {
    expect(allowed(sales, read('/connectors/:name/status'))).toBe(true);
    expect(allowed(sales, { method: 'PUT', route: '/connector-plugins/:plugin/config/validate' })).toBe(true);
    expect(allowed(sales, read('/admin/loggers'))).toBe(false);
    expect(allowed(sales, read('/admin/audit'))).toBe(false);
    expect(allowed(sales, { method: 'PUT', route: '/admin/loggers/:logger' })).toBe(false);
  });

  it('lets a domain token create and change only connectors of its domain', () => {
    const create = (domain: string | undefined): AccessRequest => ({
      method: 'POST',
      route: '/connectors',
      connector: { name: 'orders', setsConfig: true, resultingDomain: domain },
    });
    expect(allowed(sales, create('sales'))).toBe(true);
    expect(allowed(sales, create(' sales '))).toBe(true);
    expect(decide(sales, create('finance'))).toEqual({
      allowed: false,
      reason:
        'Token ci (role domain:sales) may not set product.domain finance on connector orders: its config must keep product.domain=sales.',
    });
    expect(allowed(sales, create(undefined))).toBe(false);
    expect(allowed(sales, create(''))).toBe(false);

    // Changing a connector of its own domain, for every write route.
    for (const [method, route] of [
      ['DELETE', '/connectors/:name'],
      ['PUT', '/connectors/:name/pause'],
      ['PUT', '/connectors/:name/resume'],
      ['PUT', '/connectors/:name/stop'],
      ['POST', '/connectors/:name/restart'],
      ['POST', '/connectors/:name/tasks/:task/restart'],
      ['PATCH', '/connectors/:name/offsets'],
      ['DELETE', '/connectors/:name/offsets'],
      ['PUT', '/connectors/:name/topics/reset'],
      ['POST', '/connectors/:name/snapshots'],
    ] as const) {
      const own = { name: 'orders', stored: { domain: 'sales' }, setsConfig: false };
      const other = { name: 'ledger', stored: { domain: 'finance' }, setsConfig: false };
      const unowned = { name: 'legacy', stored: { domain: undefined }, setsConfig: false };
      expect(allowed(sales, { method, route, connector: own }), `${method} ${route}`).toBe(true);
      expect(allowed(sales, { method, route, connector: other }), `${method} ${route}`).toBe(false);
      expect(allowed(sales, { method, route, connector: unowned }), `${method} ${route}`).toBe(false);
    }
  });

  it('decides a create without a name by its product.domain alone', () => {
    const create = (domain: string): AccessRequest => ({
      method: 'POST',
      route: '/connectors',
      connector: { name: '', setsConfig: true, resultingDomain: domain },
    });
    expect(allowed(sales, create('sales'))).toBe(true); // then a 400 for the missing name
    expect(decide(sales, create('finance'))).toEqual({
      allowed: false,
      reason:
        'Token ci (role domain:sales) may not set product.domain finance on a connector: its config must keep product.domain=sales.',
    });
  });

  it('needs the body only for the product.domain a domain token sets or names', () => {
    const bodyRoutes = [
      ['POST', '/connectors'],
      ['PUT', '/connectors/:name/config'],
      ['PATCH', '/connectors/:name/config'],
      ['POST', '/products'],
    ] as const;
    for (const [method, route] of bodyRoutes) {
      expect(needsBody(sales, method, route), `${method} ${route}`).toBe(true);
      // Viewer and admin answers never depend on the body: decided before it is read.
      expect(needsBody(viewer, method, route)).toBe(false);
      expect(needsBody(admin, method, route)).toBe(false);
    }
    for (const [method, route] of [
      ['PUT', '/connector-plugins/:plugin/config/validate'],
      ['PATCH', '/connectors/:name/offsets'],
      ['POST', '/connectors/:name/snapshots'],
      ['PATCH', '/products/:id'],
      ['PATCH', '/domains/:name'],
      ['PUT', '/admin/loggers/:logger'],
      ['GET', '/connectors'],
    ] as const)
      expect(needsBody(sales, method, route), `${method} ${route}`).toBe(false);
    expect(needsBody(sales, 'POST', undefined)).toBe(false);
  });

  it('refuses moving a connector between domains either way', () => {
    const put = (stored: string, resulting: string): AccessRequest => ({
      method: 'PUT',
      route: '/connectors/:name/config',
      connector: { name: 'orders', stored: { domain: stored }, setsConfig: true, resultingDomain: resulting },
    });
    expect(allowed(sales, put('sales', 'sales'))).toBe(true);
    expect(allowed(sales, put('sales', 'finance'))).toBe(false);
    expect(decide(sales, put('finance', 'sales'))).toEqual({
      allowed: false,
      reason: 'Token ci (role domain:sales) may not change connector orders: it belongs to domain finance.',
    });
  });

  it('lets unknown routes and connectors through to their 404', () => {
    expect(allowed(sales, { method: 'POST', route: undefined })).toBe(true);
    expect(
      allowed(sales, {
        method: 'DELETE',
        route: '/connectors/:name',
        connector: { name: 'missing', setsConfig: false },
      }),
    ).toBe(true);
  });

  it('keeps domain tokens off writes outside /connectors and their own products', () => {
    expect(allowed(sales, { method: 'POST', route: '/products' })).toBe(false);
    expect(allowed(sales, { method: 'PUT', route: '/admin/loggers/:logger' })).toBe(false);
  });

  it('lets a domain token describe only its own domain; admin any, viewer none', () => {
    const write = (domain: string) => ({ method: 'PATCH', route: '/domains/:name', domain });
    expect(allowed(sales, write('sales'))).toBe(true);
    expect(decide(sales, write('finance'))).toEqual({
      allowed: false,
      reason: "Token ci (role domain:sales) may not change domain finance: only domain sales's own.",
    });
    expect(allowed(admin, write('finance'))).toBe(true);
    expect(allowed(viewer, write('sales'))).toBe(false);
    expect(allowed(viewer, { method: 'GET', route: '/domains/:name' })).toBe(true);
  });

  it("lets a domain token change only its own domain's data products; every role reads them", () => {
    const own = { id: 'sales.customers', stored: { domain: 'sales' } };
    const other = { id: 'finance.ledger', stored: { domain: 'finance' } };
    expect(allowed(sales, { method: 'PATCH', route: '/products/:id', product: own })).toBe(true);
    expect(allowed(sales, { method: 'POST', route: '/products/:id/publish', product: own })).toBe(true);
    expect(allowed(sales, { method: 'DELETE', route: '/products/:id', product: other })).toBe(false);
    expect(decide(sales, { method: 'POST', route: '/products/:id/publish', product: other })).toEqual({
      allowed: false,
      reason:
        'Token ci (role domain:sales) may not change data product finance.ledger: it belongs to domain finance.',
    });
    expect(
      allowed(sales, { method: 'POST', route: '/products', product: { resultingDomain: 'sales' } }),
    ).toBe(true);
    expect(
      allowed(sales, { method: 'POST', route: '/products', product: { resultingDomain: 'finance' } }),
    ).toBe(false);
    expect(allowed(viewer, { method: 'PATCH', route: '/products/:id', product: own })).toBe(false);
    for (const principal of [viewer, sales])
      expect(allowed(principal, read('/products/:id/contract'))).toBe(true);
  });
});
