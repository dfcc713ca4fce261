import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { OAuthSettings } from './client-properties.ts';

// SASL/OAUTHBEARER tokens as Kafka's OAuthBearerLoginCallbackHandler gets them: the client
// credentials grant against the token endpoint (client id and secret in HTTP basic auth, as Kafka
// sends them), cached until shortly before it expires. The unsecured variant signs nothing: it is
// Kafka's OAuthBearerUnsecuredLoginCallbackHandler, for brokers that validate with the unsecured
// validator (development and tests).

/** Renew this long before the token expires. */
const RENEW_MARGIN_MS = 60_000;
const TOKEN_TIMEOUT_MS = 10_000;

export type TokenProvider = () => Promise<string>;

export function oauthTokenProvider(settings: OAuthSettings): TokenProvider {
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return async () => {
    if (cached && Date.now() < cached.expiresAt - RENEW_MARGIN_MS) return cached.token;
    pending ??= (
      settings.kind === 'unsecured' ? Promise.resolve(unsecuredToken(settings)) : fetchToken(settings)
    )
      .then(({ token, expiresInMs }) => {
        cached = { token, expiresAt: Date.now() + expiresInMs };
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function unsecuredToken(settings: Extract<OAuthSettings, { kind: 'unsecured' }>): {
  token: string;
  expiresInMs: number;
} {
  const now = Math.floor(Date.now() / 1000);
  const lifetime = 3600;
  const claims = {
    sub: settings.subject,
    iat: now,
    exp: now + lifetime,
    ...(settings.scope !== undefined && { scope: settings.scope }),
  };
  return { token: `${base64url({ alg: 'none' })}.${base64url(claims)}.`, expiresInMs: lifetime * 1000 };
}

async function fetchToken(settings: Extract<OAuthSettings, { kind: 'client_credentials' }>): Promise<{
  token: string;
  expiresInMs: number;
}> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (settings.scope !== undefined) body.set('scope', settings.scope);
  const basic = Buffer.from(
    `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`,
  ).toString('base64');
  const where = `the OAuth token endpoint ${settings.tokenEndpoint}`;
  let response: Response;
  try {
    response = await fetch(settings.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    throw new OnrampError('KAFKA_UNAVAILABLE', `Cannot reach ${where}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    const retriable = response.status >= 500 || response.status === 429;
    throw new OnrampError(
      retriable ? 'KAFKA_UNAVAILABLE' : 'KAFKA_AUTHENTICATION_FAILED',
      `${where} refused client ${settings.clientId}: HTTP ${response.status}`,
    );
  }
  let payload: { access_token?: unknown; expires_in?: unknown };
  try {
    payload = (await response.json()) as typeof payload;
  } catch (error) {
    throw new OnrampError('KAFKA_AUTHENTICATION_FAILED', `${where} answered no JSON: ${errorMessage(error)}`);
  }
  if (typeof payload.access_token !== 'string' || payload.access_token === '')
    throw new OnrampError('KAFKA_AUTHENTICATION_FAILED', `${where} answered without an access_token`);
  const expiresIn = typeof payload.expires_in === 'number' ? payload.expires_in : 3600;
  return { token: payload.access_token, expiresInMs: expiresIn * 1000 };
}
