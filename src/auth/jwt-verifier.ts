import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { RemoteJwks, type RemoteJwksOptions } from './remote-jwks.ts';
import { type Principal, parseRole } from './roles.ts';
import type { AuthLog } from './token-store.ts';
import { type FileState, WatchedFile } from './watched-file.ts';

// JWT bearer tokens from an identity provider, verified with node:crypto against the public keys of
// a JWKS file (rest.auth.jwt.jwks.file, re-read when it changes) or a JWKS URL
// (rest.auth.jwt.jwks.url, fetched again every few minutes and when a token names a key id it does
// not hold; see remote-jwks.ts). Only asymmetric algorithms are
// accepted, each only with a key of its own type: "none" and HS256 (whose secret would be the
// public key) are the classic forgeries. The role comes from a configurable claim holding
// admin, viewer or domain:<name>; the principal's name from another (sub by default).

export interface JwtSettings {
  /** The JWKS file; exactly one of jwksFile and jwksUrl is set. */
  jwksFile?: string | undefined;
  /** The JWKS URL (https://, or http:// to a loopback address). */
  jwksUrl?: string | undefined;
  /** Fetch timings for jwksUrl (tests shorten them). */
  jwksFetch?: Partial<RemoteJwksOptions> | undefined;
  /** When set, the iss claim must equal it. */
  issuer: string | undefined;
  /** When set, the aud claim must be or contain it. */
  audience: string | undefined;
  roleClaim: string;
  nameClaim: string;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; message: string };

interface Algorithm {
  kty: 'RSA' | 'EC' | 'OKP';
  hash: string | null;
  pss?: true;
  crv?: string;
}

const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  PS512: { kty: 'RSA', hash: 'sha512', pss: true },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256' },
  ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384' },
  ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521' },
  EdDSA: { kty: 'OKP', hash: null },
};

/** Clock difference tolerated between the identity provider and this host. */
const SKEW_SECONDS = 60;

interface VerificationKey {
  kid: string | undefined;
  kty: string;
  crv: string | undefined;
  alg: string | undefined;
  key: KeyObject;
}

type Claims = Record<string, unknown>;

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

function decodePart(part: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Claims)
      : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A claim by its full name (namespaced claims contain dots), else by a dotted path into objects. */
function claim(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Claims)[part];
  }
  return value;
}

/** The keys of a JWKS document that can verify signatures; throws when it is not one. */
export function parseJwks(source: string, file: string, log: AuthLog): VerificationKey[] {
  const document = decodeJson(source);
  const keys = document?.keys;
  if (!Array.isArray(keys)) throw new Error(`${file} is not a JWKS document ({"keys": [...]})`);
  const usable: VerificationKey[] = [];
  for (const [index, jwk] of keys.entries()) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const fields = jwk as Claims;
    if (fields.use !== undefined && fields.use !== 'sig') continue;
    try {
      const key = createPublicKey({ key: fields as JsonWebKey, format: 'jwk' });
      usable.push({
        kid: text(fields.kid),
        kty: String(fields.kty),
        crv: text(fields.crv),
        alg: text(fields.alg),
        key,
      });
    } catch (error) {
      log.error({ file, key: index, err: error }, 'JWKS key skipped: not a usable public key');
    }
  }
  return usable;
}

function decodeJson(text: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}

export class JwtVerifier {
  private keys: readonly VerificationKey[] = [];
  private readonly watched: WatchedFile | undefined;
  private readonly remote: RemoteJwks | undefined;
  private readonly source: string;
  private readonly settings: JwtSettings;
  private readonly log: AuthLog;

  constructor(settings: JwtSettings, log: AuthLog) {
    this.settings = settings;
    this.log = log;
    if (settings.jwksUrl !== undefined) {
      this.remote = new RemoteJwks(settings.jwksUrl, settings.jwksFetch);
      this.source = settings.jwksUrl;
    } else if (settings.jwksFile !== undefined) {
      this.watched = new WatchedFile(settings.jwksFile);
      this.source = settings.jwksFile;
    } else {
      throw new Error('JWT settings need rest.auth.jwt.jwks.file or rest.auth.jwt.jwks.url');
    }
  }

  async verify(token: string, nowMs: number = Date.now()): Promise<Authentication> {
    await this.refresh(false);
    const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
    const header = decodePart(headerPart);
    const claims = decodePart(payloadPart);
    if (!header || !claims) return refused('the JWT is malformed');
    const algorithmName = text(header.alg) ?? '';
    const algorithm = ALGORITHMS[algorithmName];
    if (!algorithm) return refused(`JWT algorithm ${algorithmName || '(none)'} is not accepted`);
    let key = this.keyFor(text(header.kid), algorithmName, algorithm);
    // A provider that rotated its keys: fetch its JWKS again (rate-limited) before refusing.
    if (typeof key === 'string' && this.remote && (await this.refresh(true)))
      key = this.keyFor(text(header.kid), algorithmName, algorithm);
    if (typeof key === 'string') return refused(key);
    const data = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    const verified = verify(
      algorithm.hash,
      data,
      {
        key: key.key,
        ...(algorithm.pss && {
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }),
        ...(algorithm.kty === 'EC' && { dsaEncoding: 'ieee-p1363' as const }),
      },
      signature,
    );
    if (!verified) return refused('the JWT signature does not verify');
    return this.principalOf(claims, nowMs / 1000);
  }

  private keyFor(kid: string | undefined, name: string, algorithm: Algorithm): VerificationKey | string {
    const fitting = this.keys.filter(
      (key) =>
        key.kty === algorithm.kty &&
        (algorithm.crv === undefined || key.crv === algorithm.crv) &&
        (key.alg === undefined || key.alg === name),
    );
    if (kid !== undefined) {
      return fitting.find((key) => key.kid === kid) ?? `no ${name} key with kid ${kid} in the JWKS`;
    }
    const [only, ...others] = fitting;
    if (only === undefined) return `no ${name} key in the JWKS`;
    return others.length === 0 ? only : 'the JWT names no kid and the JWKS has several keys for it';
  }

  private principalOf(claims: Claims, now: number): Authentication {
    const { issuer, audience, roleClaim, nameClaim } = this.settings;
    const exp = claims.exp;
    if (typeof exp !== 'number') return refused('the JWT has no exp claim');
    if (now > exp + SKEW_SECONDS) return refused('the JWT has expired');
    if (typeof claims.nbf === 'number' && now < claims.nbf - SKEW_SECONDS) {
      return refused('the JWT is not valid yet (nbf)');
    }
    if (issuer !== undefined && claims.iss !== issuer) return refused(`the JWT issuer is not ${issuer}`);
    if (audience !== undefined) {
      const aud = claims.aud;
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (!audiences.includes(audience)) return refused(`the JWT audience does not include ${audience}`);
    }
    const name = text(claim(claims, nameClaim));
    if (!name) return refused(`the JWT has no ${nameClaim} claim`);
    const roleText = text(claim(claims, roleClaim));
    if (roleText === undefined) return refused(`the JWT has no ${roleClaim} claim`);
    try {
      return { ok: true, principal: { name, role: parseRole(roleText) } };
    } catch (error) {
      return refused(`the JWT's ${roleClaim} claim: ${(error as Error).message}`);
    }
  }

  /** Reads the JWKS again if it changed; true when the keys did. */
  private async refresh(unknownKey: boolean): Promise<boolean> {
    const state: FileState = this.remote
      ? await this.remote.read(unknownKey)
      : await (this.watched as WatchedFile).read();
    if (state.kind === 'unchanged') return false;
    try {
      if (state.kind === 'unreadable') throw state.error;
      this.keys = parseJwks(state.text, this.source, this.log);
      this.log.info({ file: this.source, keys: this.keys.length }, 'JWKS loaded');
    } catch (error) {
      // A provider that cannot be reached keeps the keys it served last (an outage of the
      // identity provider must not lock everyone out); a file that broke, or a URL that answers
      // something that is no JWKS, leaves no key.
      const outage = this.remote !== undefined && state.kind === 'unreadable';
      if (!outage) this.keys = [];
      this.log.error(
        { file: this.source, err: error },
        outage && this.keys.length > 0
          ? 'JWKS unreachable: the keys fetched before stay in use'
          : 'JWKS unreadable: no JWT is accepted',
      );
    }
    return true;
  }
}

function refused(reason: string): Authentication {
  return { ok: false, message: `The token is not valid: ${reason}.` };
}
