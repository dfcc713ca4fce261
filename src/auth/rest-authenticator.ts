import type { Credentials } from './credentials.ts';
import { type Authentication, type JwtVerifier, looksLikeJwt } from './jwt-verifier.ts';
import type { TokenStore } from './token-store.ts';

// rest.auth=token: our own tokens (bearer or basic), and, when a JWKS file is configured, JWT
// bearer tokens. Ours never look like a JWT (no dots), so the shape says which check applies.

export class RestAuthenticator {
  private readonly tokens: TokenStore;
  private readonly jwt: JwtVerifier | undefined;

  constructor(tokens: TokenStore, jwt: JwtVerifier | undefined) {
    this.tokens = tokens;
    this.jwt = jwt;
  }

  async authenticate(credentials: Credentials): Promise<Authentication> {
    if (credentials.scheme === 'bearer' && this.jwt && looksLikeJwt(credentials.token)) {
      return await this.jwt.verify(credentials.token);
    }
    const principal = await this.tokens.authenticate(credentials);
    return principal
      ? { ok: true, principal }
      : { ok: false, message: 'The token is not valid (unknown or revoked).' };
  }
}
