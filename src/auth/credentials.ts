// What a request presents in its Authorization header: a bearer token, or HTTP basic auth with the
// token's name as user and the token as password (for Kafka Connect clients that only know basic
// auth, as its BasicAuthSecurityRestExtension expects).

export type Credentials =
  | { scheme: 'bearer'; token: string }
  | { scheme: 'basic'; name: string; token: string };

export type CredentialsResult = { ok: true; credentials: Credentials } | { ok: false; message: string };

export function readCredentials(header: string | undefined): CredentialsResult | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const [scheme = '', ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return value === ''
        ? { ok: false, message: 'Authorization: Bearer carries no token' }
        : { ok: true, credentials: { scheme: 'bearer', token: value } };
    case 'basic': {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return { ok: false, message: 'Authorization: Basic must carry <name>:<token>' };
      return {
        ok: true,
        credentials: { scheme: 'basic', name: decoded.slice(0, colon), token: decoded.slice(colon + 1) },
      };
    }
    default:
      return { ok: false, message: `Authorization scheme ${scheme} is not supported (use Bearer or Basic)` };
  }
}
