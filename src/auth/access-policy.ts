import { formatRole, type Principal } from './roles.ts';

// Who may do what, decided from the route and the connector it touches; no HTTP in here, so the
// whole role x route matrix is unit-testable.
//
//   admin          everything
//   viewer         every read (GET/HEAD)
//   domain:<d>     every read except /admin/*, config validation, and writes to /connectors/* only
//                  where the connector is (and stays) in domain <d>, to /products/* only where
//                  the data product is (or will be) in domain <d>, and to /domains/<d> itself
//
// Validation changes nothing, but it resolves the body's config placeholders and runs the
// connectivity probe against whatever address the body names: a viewer could send
// ${env:DB_PASSWORD} to a server of its own (or scan the network). So it takes a token that may
// create connectors (admin, domain), which could do the same by creating one.

export interface AccessRequest {
  method: string;
  /** The matched route pattern (e.g. "/connectors/:name/config"); undefined for unknown routes. */
  route: string | undefined;
  /** The connector the request writes, when it names one. */
  connector?: {
    /** Empty when a POST /connectors body names none (it is a 400 once the role allows it). */
    name: string;
    /** The product.domain stored for it now; absent when the connector does not exist. */
    stored?: { domain: string | undefined };
    /** For writes that set a config: the product.domain it will have afterwards. */
    resultingDomain?: string | undefined;
    /** True when the request sets a config (create, PUT or PATCH of /config). */
    setsConfig: boolean;
  };
  /** The domain a write to /domains/{name} changes. */
  domain?: string;
  /** The data product a write to /products/* touches. */
  product?: {
    /** The product's id when the request names an existing one. */
    id?: string;
    /** Its domain now; absent when the product does not exist. */
    stored?: { domain: string };
    /** For POST /products: the domain the new product names. */
    resultingDomain?: string | undefined;
  };
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const ALLOW: Decision = { allowed: true };

export const VALIDATE_ROUTE = '/connector-plugins/:plugin/config/validate';
export const AUDIT_ROUTE = '/admin/audit';

export function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

function deny(principal: Principal, what: string): Decision {
  return {
    allowed: false,
    reason: `Token ${principal.name} (role ${formatRole(principal.role)}) may not ${what}.`,
  };
}

function isAdminRoute(route: string | undefined): boolean {
  return route === '/admin' || (route?.startsWith('/admin/') ?? false);
}

function isConnectorRoute(route: string | undefined): boolean {
  return route === '/connectors' || (route?.startsWith('/connectors/') ?? false);
}

function isProductRoute(route: string | undefined): boolean {
  return route === '/products' || (route?.startsWith('/products/') ?? false);
}

function normalized(domain: string | undefined): string | undefined {
  const value = domain?.trim();
  return value === '' ? undefined : value;
}

/** Routes whose body can change a domain token's answer: the product.domain it sets or names. */
const BODY_ROUTES = new Set([
  'POST /connectors',
  'PUT /connectors/:name/config',
  'PATCH /connectors/:name/config',
  'POST /products',
]);

/**
 * Whether deciding needs the request's body. Only a domain token's config writes do; every other
 * decision is made before the body is read, so a caller without the right gets 401/403 and never a
 * 400 that tells it the route's validation rules (as Kafka Connect's auth filter answers first).
 */
export function needsBody(principal: Principal, method: string, route: string | undefined): boolean {
  return principal.role.kind === 'domain' && BODY_ROUTES.has(`${method} ${route ?? ''}`);
}

export function decide(principal: Principal, request: AccessRequest): Decision {
  const { role } = principal;
  if (role.kind === 'admin') return ALLOW;
  const { method, route } = request;
  if (route === AUDIT_ROUTE) return deny(principal, 'read the audit log (admin only)');
  if (role.kind === 'domain' && isAdminRoute(route)) return deny(principal, `use ${route} (admin only)`);
  if (isRead(method)) return ALLOW;
  // Unknown routes answer 404 (or 405) whoever asks; there is nothing to protect.
  if (route === undefined) return ALLOW;
  if (role.kind === 'viewer') return deny(principal, `${method} ${route} (viewer tokens only read)`);
  if (method === 'PUT' && route === VALIDATE_ROUTE) return ALLOW;
  if (route?.startsWith('/domains/')) {
    return request.domain !== undefined && request.domain === role.domain
      ? ALLOW
      : deny(principal, `change domain ${request.domain ?? ''}: only domain ${role.domain}'s own`);
  }
  if (isProductRoute(route)) {
    return request.product
      ? decideProductWrite(principal, role.domain, request.product)
      : deny(principal, `${method} ${route}`);
  }
  if (!isConnectorRoute(route) || request.connector === undefined)
    return deny(principal, `${method} ${route}`);
  return decideDomainWrite(principal, role.domain, request.connector);
}

function decideDomainWrite(
  principal: Principal,
  domain: string,
  connector: NonNullable<AccessRequest['connector']>,
): Decision {
  const storedDomain = connector.stored && normalized(connector.stored.domain);
  if (connector.stored && storedDomain !== domain) {
    const owner = storedDomain === undefined ? 'no domain' : `domain ${storedDomain}`;
    return deny(principal, `change connector ${connector.name}: it belongs to ${owner}`);
  }
  if (connector.setsConfig) {
    const resulting = normalized(connector.resultingDomain);
    if (resulting !== domain) {
      const given = resulting === undefined ? 'no product.domain' : `product.domain ${resulting}`;
      const which = connector.name === '' ? 'a connector' : `connector ${connector.name}`;
      return deny(principal, `set ${given} on ${which}: its config must keep product.domain=${domain}`);
    }
  }
  return ALLOW;
}

function decideProductWrite(
  principal: Principal,
  domain: string,
  product: NonNullable<AccessRequest['product']>,
): Decision {
  if (product.stored && product.stored.domain !== domain) {
    return deny(
      principal,
      `change data product ${product.id ?? ''}: it belongs to domain ${product.stored.domain}`,
    );
  }
  if (!product.stored && normalized(product.resultingDomain) !== domain) {
    const given = normalized(product.resultingDomain) ?? '(none)';
    return deny(principal, `create a data product in domain ${given}: its domain must be ${domain}`);
  }
  return ALLOW;
}
