// The roles a REST token can carry: `admin` (everything), `viewer` (every read) and
// `domain:<name>` (every read; writes only on connectors whose product.domain is <name>).

export type Role = { kind: 'admin' } | { kind: 'viewer' } | { kind: 'domain'; domain: string };

/** Who made a request: a token's name and role (or "anonymous" as admin when rest.auth=none). */
export interface Principal {
  name: string;
  role: Role;
}

// Token names travel as the user of HTTP basic auth, so they cannot hold ':'; kept to characters
// that need no quoting in YAML, logs or shells.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkTokenName(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `token name "${name}" must be 1-64 letters, digits, '.', '_', '@' or '-' (starting with a letter or digit)`;
}

/** Parses "admin", "viewer" or "domain:<name>"; throws with the accepted forms otherwise. */
export function parseRole(raw: string): Role {
  const value = raw.trim();
  if (value === 'admin') return { kind: 'admin' };
  if (value === 'viewer') return { kind: 'viewer' };
  if (value.startsWith('domain:')) {
    const domain = value.slice('domain:'.length);
    if (DOMAIN.test(domain)) return { kind: 'domain', domain };
  }
  throw new Error(`role "${raw}" must be admin, viewer or domain:<name> (letters, digits, '.', '_', '-')`);
}

export function formatRole(role: Role): string {
  return role.kind === 'domain' ? `domain:${role.domain}` : role.kind;
}
