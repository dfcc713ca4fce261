import { errorMessage, OnrampError } from '../plugin/errors.ts';
import { type AvroCodec, codecForAvroText } from './avro-codec.ts';
import { registryHttp } from './registry-http.ts';

// The Confluent schema registry REST API, the two calls the Avro converter needs: register (or look
// up) a schema under a subject, and fetch a schema by id; and, for the data-product catalog, a
// subject's versions and its compatibility level.
//
// Why not @kafkajs/confluent-schema-registry's client: its register() first GETs /config/{subject}
// and throws when the level differs from the one passed in (and PUTs a subject-level config on first
// use, silently changing governance); its HTTP layer reports a refused connection as "status 400",
// so "registry down" (retry) cannot be told from "schema rejected" (fail); and the avsc types it
// returns by id drop the `connect.*` properties sinks need. Kafka Connect's AvroConverter does a
// plain POST /subjects/{subject}/versions, which is what this does.

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegistryOptions {
  /** One URL or a comma-separated list (tried in order while unreachable). */
  url: string;
  /** `user:password` for HTTP basic auth (Confluent's basic.auth.user.info). */
  userInfo?: string;
  /** A static bearer token (Confluent's bearer.auth.credentials.source=STATIC_TOKEN, bearer.auth.token). */
  bearerToken?: string;
  /** CA certificates (PEM) that an https:// registry's certificate must chain to. */
  ca?: readonly string[];
  timeoutMs?: number;
}

/** A subject version as GET /subjects/{subject}/versions/{version} returns it. */
export interface RegisteredSchema {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
}

/** Node's codes for a registry certificate that does not verify: retrying will not help. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;

export class SchemaRegistry {
  readonly urls: readonly string[];
  private readonly authorization: string | undefined;
  private readonly ca: readonly string[] | undefined;
  private readonly timeoutMs: number;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly codecs = new Map<number, Promise<AvroCodec>>();

  constructor(options: RegistryOptions) {
    this.urls = options.url
      .split(',')
      .map((url) => url.trim().replace(/\/+$/, ''))
      .filter((url) => url !== '');
    if (this.urls.length === 0) throw new OnrampError('INVALID_CONFIG', 'schema.registry.url is empty');
    this.authorization = options.bearerToken
      ? `Bearer ${options.bearerToken}`
      : options.userInfo
        ? `Basic ${Buffer.from(options.userInfo).toString('base64')}`
        : undefined;
    this.ca = options.ca;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * The id of `codec`'s schema under `subject` (TopicNameStrategy: `<topic>-key` / `<topic>-value`),
   * registering it unless `autoRegister` is false. Memoized: the registry is asked once per
   * (subject, schema) for the life of the process.
   */
  idFor(subject: string, codec: AvroCodec, autoRegister = true): Promise<number> {
    const key = `${subject}\u0000${codec.fingerprint}`;
    let id = this.ids.get(key);
    if (!id) {
      const path = `/subjects/${encodeURIComponent(subject)}${autoRegister ? '/versions' : ''}`;
      id = this.request('POST', path, { schema: codec.avroText }, subject).then((body) =>
        readId(body, subject),
      );
      id.catch(() => this.ids.delete(key));
      this.ids.set(key, id);
    }
    return id;
  }

  /** The codec for a schema id, fetched once and kept (ids are immutable in a registry). */
  codecById(id: number): Promise<AvroCodec> {
    let codec = this.codecs.get(id);
    if (!codec) {
      codec = this.request('GET', `/schemas/ids/${id}`, undefined, `schema id ${id}`).then((body) => {
        const { schema, schemaType } = (body ?? {}) as { schema?: unknown; schemaType?: unknown };
        if (schemaType !== undefined && schemaType !== 'AVRO') {
          throw new OnrampError('CONVERSION_FAILED', `Schema id ${id} is ${String(schemaType)}, not Avro`);
        }
        if (typeof schema !== 'string')
          throw new OnrampError('CONVERSION_FAILED', `Registry returned no schema for id ${id}`);
        return codecForAvroText(schema);
      });
      codec.catch(() => this.codecs.delete(id));
      this.codecs.set(id, codec);
    }
    return codec;
  }

  /** The versions registered under `subject`; undefined when the registry has no such subject. */
  async versions(subject: string): Promise<number[] | undefined> {
    const body = await this.request(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions`,
      undefined,
      subject,
      true,
    );
    return Array.isArray(body)
      ? body.filter((version): version is number => typeof version === 'number')
      : undefined;
  }

  /** One version of a subject (or the latest); undefined when there is none. */
  async version(subject: string, version: number | 'latest'): Promise<RegisteredSchema | undefined> {
    const body = await this.request(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
      undefined,
      subject,
      true,
    );
    return (body as RegisteredSchema | undefined) ?? undefined;
  }

  /** The subject's compatibility level, or the registry's global level when the subject has none. */
  async compatibility(subject: string): Promise<string | undefined> {
    const read = (body: unknown) => {
      const level = body as { compatibilityLevel?: unknown; compatibility?: unknown } | undefined;
      const value = level?.compatibilityLevel ?? level?.compatibility;
      return typeof value === 'string' ? value : undefined;
    };
    const own = read(
      await this.request('GET', `/config/${encodeURIComponent(subject)}`, undefined, subject, true),
    );
    return own ?? read(await this.request('GET', '/config', undefined, 'the global config', true));
  }

  /** PUT /config/{subject}: the level future registrations under it are checked against. */
  async setCompatibility(subject: string, level: string): Promise<void> {
    await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level }, subject);
  }

  /**
   * PUT /config/{subject} with the level and Confluent's schema metadata (`defaultMetadata`:
   * properties and field tags that every later version of the subject carries, Confluent Schema
   * Registry 7.4+ and registries following it). A registry that refuses the metadata (an older one)
   * gets the level alone; false then says the metadata was not kept.
   */
  async setCompatibilityAndMetadata(
    subject: string,
    level: string,
    metadata: { properties: Record<string, string>; tags?: Record<string, string[]> },
  ): Promise<boolean> {
    const path = `/config/${encodeURIComponent(subject)}`;
    try {
      const answer = (await this.request(
        'PUT',
        path,
        { compatibility: level, defaultMetadata: metadata },
        subject,
      )) as { defaultMetadata?: unknown } | undefined;
      if (answer?.defaultMetadata !== undefined) return true;
      // Accepted but not echoed: read back whether the registry kept it.
      const config = (await this.request('GET', path, undefined, subject, true)) as
        | { defaultMetadata?: unknown }
        | undefined;
      return config?.defaultMetadata !== undefined;
    } catch (error) {
      if (!(error instanceof OnrampError) || error.code !== 'SCHEMA_REJECTED') throw error;
      await this.setCompatibility(subject, level);
      return false;
    }
  }

  private async request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: unknown,
    what: string,
    missingOk = false,
  ): Promise<unknown> {
    let lastError: unknown;
    for (const url of this.urls) {
      let response: { status: number; text: string };
      try {
        response = await registryHttp({
          method,
          url: url + path,
          headers: {
            accept: CONTENT_TYPE,
            ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
            ...(this.authorization ? { authorization: this.authorization } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          ...(this.ca && { ca: this.ca }),
          timeoutMs: this.timeoutMs,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (TLS_CODES.test(code))
          throw new OnrampError(
            'REGISTRY_UNAVAILABLE',
            `TLS with schema registry ${url} failed (${code}): ${errorMessage(error)}; is its CA in schema.registry.ssl.truststore.location?`,
            { cause: error, retriable: false },
          );
        lastError = new OnrampError(
          'REGISTRY_UNAVAILABLE',
          `Schema registry ${url} is unreachable: ${errorMessage(error)}`,
          { cause: error },
        );
        continue;
      }
      const parsed = parseJson(response.text);
      if (response.status >= 200 && response.status < 300) return parsed;
      if (response.status === 404 && missingOk) return undefined;
      throw httpError(response.status, url, what, parsed, response.text);
    }
    throw lastError;
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readId(body: unknown, subject: string): number {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number')
    throw new OnrampError('SCHEMA_REJECTED', `Registry returned no schema id for ${subject}`);
  return id;
}

function httpError(status: number, url: string, what: string, body: unknown, text: string): OnrampError {
  const message = (body as { message?: unknown } | undefined)?.message;
  const detail = `${what}: HTTP ${status} ${typeof message === 'string' ? message : text.slice(0, 200)}`;
  if (status >= 500 || status === 408 || status === 429) {
    return new OnrampError('REGISTRY_UNAVAILABLE', `Schema registry ${url} failed for ${detail}`);
  }
  if (status === 401 || status === 403) {
    return new OnrampError('REGISTRY_UNAVAILABLE', `Schema registry ${url} refused access for ${detail}`, {
      retriable: false,
    });
  }
  if (what.startsWith('schema id'))
    return new OnrampError('CONVERSION_FAILED', `Schema registry has no ${detail}`);
  return new OnrampError('SCHEMA_REJECTED', `Schema registry rejected the schema for subject ${detail}`);
}
