import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnrampError } from '../../src/plugin/errors.ts';
import { codecForConnect } from '../../src/schema/avro-codec.ts';
import { parseConverter } from '../../src/schema/converter-config.ts';
import { ConverterFactory, type RegistryAccess, registryAccess } from '../../src/schema/converter-factory.ts';
import { services } from '../support/services.ts';
import { certificateFolder } from '../support/test-certificates.ts';

// The schema registry over https with a bearer token, as Confluent's converter keys configure it:
// the stack's real registry behind a TLS-terminating proxy (a certificate of a CA made here with openssl)
// that admits only the expected token.

const certs = certificateFolder();
const caFile = join(certs.dir, 'registry-ca.pem');
const TOKEN = `token-${randomUUID()}`;
let proxy: Server;
let url: string;

beforeAll(async () => {
  certs.ca('registry-ca');
  const server = certs.server('registry', 'registry-ca', 'IP:127.0.0.1');
  const upstream = services().schemaRegistryUrl;
  proxy = createServer(
    { key: readFileSync(server.key), cert: readFileSync(server.cert) },
    (request, response) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end('{"error_code":401,"message":"Unauthorized"}');
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const answer = await fetch(upstream + (request.url ?? '/'), {
          method: request.method ?? 'GET',
          headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
          ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
        });
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(await answer.text());
      });
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  certs.remove();
});

const codec = codecForConnect({
  type: 'struct',
  name: 'tls.Key',
  fields: [{ field: 'id', type: 'int32' }],
});

function converterConfig(extra: Record<string, string>): Record<string, string> {
  return {
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': url,
    ...extra,
  };
}

/** The registry the value converter of this config talks to, parsed as a task would. */
function access(extra: Record<string, string>): RegistryAccess {
  const { settings, errors } = parseConverter('value.converter', converterConfig(extra));
  if (settings?.className !== 'io.confluent.connect.avro.AvroConverter')
    throw new Error(JSON.stringify(errors));
  return registryAccess('value.converter', settings, undefined);
}

/** The first problem parsing this config's value converter finds. */
function problem(extra: Record<string, string>) {
  return parseConverter('value.converter', converterConfig(extra)).errors[0];
}

describe('schema registry over TLS with a bearer token', () => {
  it('registers through https verified against the converter’s PEM trust store', async () => {
    const factory = new ConverterFactory({});
    const registry = access({
      'value.converter.schema.registry.ssl.truststore.type': 'PEM',
      'value.converter.schema.registry.ssl.truststore.location': caFile,
      'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN',
      'value.converter.bearer.auth.token': TOKEN,
    });
    const id = await factory.registry(registry).idFor(`tls-${randomUUID()}-value`, codec);
    expect(id).toBeGreaterThan(0);
  });

  it('takes PKCS12 and JKS trust stores made by keytool, and names a wrong password', async () => {
    const password = 'registry-store-1234';
    for (const type of ['PKCS12', 'JKS']) {
      const store = join(certs.dir, `registry-trust-${randomUUID()}.${type.toLowerCase()}`);
      execFileSync(
        'keytool',
        ['-importcert', '-noprompt', '-alias', 'ca', '-file', caFile, '-keystore', store].concat([
          '-storetype',
          type,
          '-storepass',
          password,
        ]),
        { stdio: 'pipe' },
      );
      const factory = new ConverterFactory({});
      const registry = access({
        'value.converter.schema.registry.ssl.truststore.type': type,
        'value.converter.schema.registry.ssl.truststore.location': store,
        'value.converter.schema.registry.ssl.truststore.password': password,
        'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN',
        'value.converter.bearer.auth.token': TOKEN,
      });
      expect(await factory.registry(registry).idFor(`tls-${randomUUID()}-value`, codec)).toBeGreaterThan(0);
      const wrong = problem({
        'value.converter.schema.registry.ssl.truststore.type': type,
        'value.converter.schema.registry.ssl.truststore.location': store,
        'value.converter.schema.registry.ssl.truststore.password': 'not-the-pass-77',
      });
      expect(wrong?.field).toBe('value.converter.schema.registry.ssl.truststore.location');
      expect(wrong?.message).toMatch(/password does not open it/);
      expect(wrong?.message).not.toContain('not-the-pass-77');
    }
  });

  it('fails for good on an untrusted certificate, and says so', async () => {
    const factory = new ConverterFactory({});
    const registry = access({
      'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN',
      'value.converter.bearer.auth.token': TOKEN,
    });
    const error = await factory
      .registry(registry)
      .idFor(`tls-${randomUUID()}-value`, codec)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnrampError);
    expect((error as OnrampError).retriable).toBe(false);
    expect((error as OnrampError).message).toMatch(
      /TLS with schema registry .* failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED)/,
    );
  });

  it('reports a refused token without retrying, and refuses settings it cannot honour', async () => {
    const factory = new ConverterFactory({});
    const registry = access({
      'value.converter.schema.registry.ssl.truststore.location': caFile,
      'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN',
      'value.converter.bearer.auth.token': 'wrong-token',
    });
    const error = (await factory
      .registry(registry)
      .idFor(`tls-${randomUUID()}-value`, codec)
      .catch((e: unknown) => e)) as OnrampError;
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/refused access/);
    expect(error.message).not.toContain('wrong-token');
    expect(problem({ 'value.converter.bearer.auth.credentials.source': 'OAUTHBEARER' })).toEqual({
      field: 'value.converter.bearer.auth.credentials.source',
      message:
        'Invalid value OAUTHBEARER for configuration value.converter.bearer.auth.credentials.source: only STATIC_TOKEN is supported',
    });
    expect(problem({ 'value.converter.schema.registry.ssl.truststore.type': 'JCEKS' })?.message).toMatch(
      /value.converter.schema.registry.ssl.truststore.type: JCEKS: must be PEM, PKCS12 or JKS/,
    );
    expect(
      problem({ 'value.converter.schema.registry.ssl.truststore.location': '/nonexistent.pem' }),
    ).toEqual({
      field: 'value.converter.schema.registry.ssl.truststore.location',
      message:
        'Invalid value for configuration value.converter.schema.registry.ssl.truststore.location: cannot read the file /nonexistent.pem (ENOENT)',
    });
  });
});
