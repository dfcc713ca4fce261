import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { FieldError } from '../plugin/index.ts';
import { groupInstanceIdProblem, MAX_CONFIGURED_LENGTH } from './group-instance-id.ts';
import { parseJaasConfig } from './jaas-config.ts';
import { jksCertificates, jksKeyPair, KeyStoreError, pkcs12Certificates } from './key-stores.ts';

// Kafka's own client property names, as a Kafka Connect worker.properties or a connector's
// `producer.override.*` carries them, parsed into what Onramp's clients need. Every key a user can
// set is either honoured here or refused with a message naming it: nothing is accepted and ignored.
// The same parser serves the host config (top-level keys and `producer.`/`consumer.`/`admin.`
// prefixes) and connector validation (`*.override.*`), so both say the same thing about a key.

export type ClientKind = 'producer' | 'consumer' | 'admin';
export const CLIENT_KINDS: readonly ClientKind[] = ['producer', 'consumer', 'admin'];

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface TlsSettings {
  /** Trusted CA certificates (PEM); unset: Node's default roots. */
  ca?: string[];
  /** Client certificate chain (PEM) and its key, for mTLS. */
  cert?: string;
  key?: string;
  /** Or both in a PKCS12 key store (base64 of the file), opened with keyPassword. */
  pfx?: string;
  keyPassword?: string;
  /** ssl.endpoint.identification.algorithm=https (the default) checks the broker's host name. */
  verifyHostname: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export type OAuthSettings =
  | {
      kind: 'client_credentials';
      tokenEndpoint: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
    }
  /** Kafka's unsecured login module: an unsigned JWT, for brokers using the unsecured validator. */
  | { kind: 'unsecured'; subject: string; scope?: string };

export type SaslSettings =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  | {
      mechanism: 'OAUTHBEARER';
      oauth: OAuthSettings;
      /** SASL extensions (KIP-342), e.g. Confluent Cloud's logicalCluster and identityPoolId. */
      extensions?: Record<string, string>;
    };

/** Where and how a client connects; everything else about a client is its kind's tuning. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  securityProtocol: SecurityProtocol;
  /** request.timeout.ms and retry.backoff.ms, when set. */
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  tls?: TlsSettings;
  sasl?: SaslSettings;
}

export interface ProducerTuning {
  compression: 'none' | 'gzip';
  /** max.request.size: the most bytes of one produce request, and of one record; unset: no client-side bound. */
  maxRequestBytes?: number;
  /** batch.size: the most bytes of records one produce request carries; unset: DEFAULT_REQUEST_BYTES. */
  batchBytes?: number;
  /** linger.ms: how long a source task waits for more records to fill a small request (0: none). */
  lingerMs: number;
  /** delivery.timeout.ms: how long a source task's batch waits for Kafka to come back. */
  deliveryTimeoutMs: number;
}

/**
 * Bytes of records per produce request when neither batch.size nor max.request.size says less:
 * Kafka rejects a record batch above message.max.bytes (1 MiB by default) and the client puts each
 * partition's share of a request into one batch, so requests are split below that.
 */
export const DEFAULT_REQUEST_BYTES = 768 * 1024;
/** Kafka's delivery.timeout.ms default (Kafka Connect's too): how long a batch waits for Kafka. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
/** Kafka's request.timeout.ms default, for the delivery.timeout.ms rule. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Property maps by client kind, with Kafka's names (no prefix); `common` applies to every kind. */
export interface ClientPropertyLayers {
  common: Readonly<Record<string, string>>;
  producer: Readonly<Record<string, string>>;
  consumer: Readonly<Record<string, string>>;
  admin: Readonly<Record<string, string>>;
}

interface PropertySpec {
  doc: string;
  secret?: boolean;
  /** Where the client connects and logs in (see FieldSpec.connectionTarget in src/plugin/config-def.ts). */
  connectionTarget?: boolean;
  /** The kinds that honour the key; unset: every kind (a connection setting). */
  kinds?: readonly ClientKind[];
  /** Only a connector may set it (`<kind>.override.*`): one value for every task of the host makes no sense. */
  connectorOnly?: boolean;
  /**
   * What is wrong with a value on its own, or undefined: the one rule connector validation (the
   * host's ConfigDef for `<kind>.override.<key>`) and the clients apply. Rules that depend on other
   * settings (security.protocol and its ssl./sasl. keys) are parseConnection's.
   */
  problem?: (value: string) => string | undefined;
}

/** Kafka's compression.type values (CompressionType); Onramp's client writes none and gzip. */
const KAFKA_COMPRESSION_TYPES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function compressionProblem(value: string): string | undefined {
  const name = value.trim().toLowerCase();
  if (name === '' || name === 'none' || name === 'gzip') return undefined;
  return KAFKA_COMPRESSION_TYPES.includes(name)
    ? `only none and gzip are available (Onramp's Kafka client has no ${name} codec)`
    : `must be one of ${KAFKA_COMPRESSION_TYPES.join(', ')}; only none and gzip are available`;
}

/** A whole number within [min, max], or the problem. */
function wholeNumberIn(min: number, max: number, unit = '') {
  return (value: string): string | undefined => {
    const text = value.trim();
    const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    return number >= min && number <= max ? undefined : `must be between ${min} and ${max}${unit}`;
  };
}

const sessionTimeoutProblem = (value: string) =>
  wholeNumberIn(6_000, 1_800_000)(value) &&
  "must be between 6000 and 1800000 (the broker's default group session timeout bounds)";

/** Every Kafka client property Onramp honours, with the documentation the README is made from. */
export const CLIENT_PROPERTIES: Readonly<Record<string, PropertySpec>> = {
  'bootstrap.servers': {
    doc: 'Kafka bootstrap servers, host:port, comma-separated.',
    connectionTarget: true,
  },
  'client.id': { doc: 'Client id prefix the brokers see (quotas, request logs).' },
  'client.dns.lookup': {
    doc: 'use_all_dns_ips (Kafka’s default, and what Onramp’s clients do: every address a name resolves to is tried); resolve_canonical_bootstrap_servers_only is not available.',
    problem: (value) =>
      value.trim() === 'use_all_dns_ips'
        ? undefined
        : 'only use_all_dns_ips is available (every address a broker name resolves to is tried)',
  },
  'request.timeout.ms': {
    doc: 'How long, in ms, a client waits for a broker’s answer to one request (default 30000; at least 1000).',
    problem: wholeNumberIn(1_000, 2_147_483_647, ' ms'),
  },
  'retry.backoff.ms': {
    doc: 'Pause, in ms, before a client retries a failed request (default 250; a client retries 3 times; then the batch of a source task waits for Kafka to answer and is sent again, up to delivery.timeout.ms, and other tasks back off).',
    problem: wholeNumberIn(0, 2_147_483_647, ' ms'),
  },
  'security.protocol': {
    doc: `Protocol to talk to the brokers: ${SECURITY_PROTOCOLS.join(', ')}.`,
  },
  'sasl.mechanism': {
    doc: `SASL mechanism: ${SASL_MECHANISMS.join(', ')} (GSSAPI/Kerberos is not supported).`,
  },
  'sasl.jaas.config': {
    doc: 'JAAS login for SASL, as Kafka parses it: org.apache.kafka.common.security.plain.PlainLoginModule or org.apache.kafka.common.security.scram.ScramLoginModule required username="..." password="..."; or org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="..." clientSecret="..." [scope="..."] [extension_<name>="..." (SASL extensions, e.g. Confluent Cloud’s extension_logicalCluster)]; values in double or single quotes. Options the login would not use are refused.',
    secret: true,
  },
  'sasl.login.callback.handler.class': {
    doc: 'For OAUTHBEARER: org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler (client credentials against sasl.oauthbearer.token.endpoint.url); no other handler class is available.',
  },
  'sasl.oauthbearer.token.endpoint.url': {
    connectionTarget: true,
    doc: 'OAUTHBEARER: the OAuth 2 token endpoint (client credentials grant). Without it the unsecured login (unsecuredLoginStringClaim_sub in the JAAS config) is used.',
  },
  'sasl.oauthbearer.client.credentials.client.id': {
    doc: 'OAUTHBEARER: client id (Kafka 4.1 name; the JAAS option clientId also works).',
  },
  'sasl.oauthbearer.client.credentials.client.secret': {
    doc: 'OAUTHBEARER: client secret (Kafka 4.1 name; the JAAS option clientSecret also works).',
    secret: true,
  },
  'sasl.oauthbearer.scope': { doc: 'OAUTHBEARER: scope to request (the JAAS option scope also works).' },
  'ssl.truststore.type': {
    doc: 'PEM (default), PKCS12 or JKS: the format of ssl.truststore.location (its certificates are read at start; PKCS12 encrypted with PBES2/AES or 3DES, as keytool and OpenSSL 3 write it).',
  },
  'ssl.truststore.location': {
    doc: 'File of the CA certificates that sign the brokers’ certificates, in ssl.truststore.type’s format.',
  },
  'ssl.truststore.certificates': { doc: 'The CA certificates themselves, PEM text.' },
  'ssl.truststore.password': {
    doc: 'Password of a PKCS12 or JKS trust store (checked against its integrity MAC; a JKS store opens without it, unchecked).',
    secret: true,
  },
  'ssl.keystore.type': {
    doc: 'PEM (default), PKCS12 or JKS: the format of ssl.keystore.location, for mTLS client certificates (one private key with its chain).',
  },
  'ssl.keystore.location': {
    doc: 'File with the client’s private key and certificate chain, for mTLS: PEM (PKCS#8 key and chain), or a PKCS12 or JKS key store.',
  },
  'ssl.keystore.password': {
    doc: 'Password of a PKCS12 or JKS key store (a PKCS12 store’s key takes the same one, as keytool writes it).',
    secret: true,
  },
  'ssl.keystore.certificate.chain': { doc: 'The client certificate chain itself, PEM text, for mTLS.' },
  'ssl.keystore.key': { doc: 'The client private key itself, PEM text (PKCS#8), for mTLS.', secret: true },
  'ssl.key.password': {
    doc: 'Password of an encrypted client private key (PEM), or of the key entry of a JKS key store (default: ssl.keystore.password).',
    secret: true,
  },
  'ssl.endpoint.identification.algorithm': {
    doc: 'https (default) checks that the broker certificate names the host connected to; empty turns the check off.',
  },
  'ssl.protocol': {
    doc: 'As in Kafka’s clients, the TLS context: TLSv1.3 (default) or TLS allow every version ssl.enabled.protocols lists; TLSv1.2 never uses TLSv1.3.',
  },
  'ssl.enabled.protocols': { doc: 'TLS versions allowed: TLSv1.2 and/or TLSv1.3 (default both).' },
  'compression.type': {
    doc: 'Producer compression: none or gzip (Onramp’s client offers no snappy, lz4 or zstd).',
    kinds: ['producer'],
    problem: compressionProblem,
  },
  acks: {
    doc: 'Only all (-1): Onramp never acknowledges upstream before Kafka has every replica’s ack.',
    kinds: ['producer'],
    problem: (value) =>
      value.trim() === 'all' || value.trim() === '-1'
        ? undefined
        : 'Onramp always produces with acks=all (nothing is acknowledged upstream before every in-sync replica has it)',
  },
  'max.request.size': {
    doc: 'The most bytes of one produce request and of one record (Kafka’s RecordTooLargeException): a record larger than it fails the task (RECORD_TOO_LARGE, naming the record’s topic, key and size); requests are split below it. Default: no client-side bound on a record (the topic’s max.message.bytes decides), requests split at 786432 bytes.',
    kinds: ['producer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' bytes'),
  },
  'batch.size': {
    doc: 'The most bytes of records one produce request carries (Onramp writes one record batch per partition per request, so it also bounds each batch; a single larger record goes alone), and with linger.ms how full a request must be to go without waiting. Default 786432 here (Kafka’s 16384 is per partition; small values make many small requests, sent one after another). 0 sends one record per request, as Kafka’s 0 turns batching off.',
    kinds: ['producer'],
    problem: wholeNumberIn(0, 2_147_483_647, ' bytes'),
  },
  'linger.ms': {
    doc: 'How long, in ms, a source task waits for more records when a polled batch is smaller than batch.size before sending it (default 0 here: a batch goes as soon as it is polled; Kafka 4’s default is 5). The wait ends early once batch.size is reached. Refused as a sink connector’s override (its producer writes only the dead letter queue).',
    kinds: ['producer'],
    problem: wholeNumberIn(0, 2_147_483_647, ' ms'),
  },
  'delivery.timeout.ms': {
    doc: 'How long, in ms, a source task’s batch waits for an unavailable Kafka and is sent again before the task fails (and is restarted); default 120000, as Kafka’s. At least linger.ms + request.timeout.ms, as Kafka requires. Refused as a sink connector’s override.',
    kinds: ['producer'],
    problem: wholeNumberIn(0, 2_147_483_647, ' ms'),
  },
  'max.in.flight.requests.per.connection': {
    doc: 'At most 5, as Kafka requires of an idempotent producer (Onramp’s are always idempotent). Any value from 1 to 5 is honoured: a task’s producer has one produce request in flight at a time (order is kept by sending a request only once the one before is acknowledged).',
    kinds: ['producer'],
    problem: (value) =>
      wholeNumberIn(1, 5)(value) &&
      'must be between 1 and 5: producers are always idempotent, and Kafka requires max.in.flight.requests.per.connection to be at most 5 for an idempotent producer',
  },
  'enable.idempotence': {
    doc: 'Only true: producers are always idempotent.',
    kinds: ['producer'],
    problem: (value) =>
      value.trim().toLowerCase() === 'true' ? undefined : 'producers are always idempotent',
  },
  'group.id': {
    doc: "Sink consumer group (default connect-<connector>). A connector's own setting: one group for every sink of the host would make them share (and split) each other's partitions.",
    kinds: ['consumer'],
    connectorOnly: true,
  },
  'group.instance.id': {
    problem: (value) => groupInstanceIdProblem(value, MAX_CONFIGURED_LENGTH),
    doc: `Static group membership (KIP-345) of the sink's consumers, so that a task restarted after a crash takes its partitions back at once instead of after the session timeout: task 0 joins with this id, task n with <id>-<n>. Default: <connector>-<task> (sink consumers are always static members; a stopped task still leaves the group). Kafka's rules: ASCII letters, digits, '.', '_' and '-', at most ${MAX_CONFIGURED_LENGTH} characters here. A consumer whose id another one took (the task started elsewhere) stops: the task fails with TASK_FENCED instead of taking it back.`,
    kinds: ['consumer'],
    connectorOnly: true,
  },
  'session.timeout.ms': {
    doc: 'How long Kafka waits for a silent sink consumer (e.g. of a crashed host) before giving its partitions to another, in ms (6000..1800000, the broker’s default group.min/max.session.timeout.ms; default 45000). A host restarted after a crash does not wait for it: its sink tasks rejoin with their group.instance.id and take the dead members’ places at once.',
    kinds: ['consumer'],
    problem: sessionTimeoutProblem,
  },
  'auto.offset.reset': {
    doc: 'Where a sink starts without a committed offset: earliest (default, as Kafka Connect) or latest.',
    kinds: ['consumer'],
    problem: (value) =>
      ['earliest', 'latest'].includes(value.trim().toLowerCase()) ? undefined : 'must be earliest or latest',
  },
  'fetch.min.bytes': {
    doc: 'How much data, in bytes, a sink consumer’s fetch waits for (up to fetch.max.wait.ms) before the broker answers (default 1).',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' bytes'),
  },
  'fetch.max.wait.ms': {
    doc: 'How long, in ms, the broker may hold a sink consumer’s fetch waiting for fetch.min.bytes (default 500, as Kafka’s).',
    kinds: ['consumer'],
    problem: wholeNumberIn(0, 2_147_483_647, ' ms'),
  },
  'fetch.max.bytes': {
    doc: 'Most data, in bytes, one fetch of a sink consumer asks a broker for (default 67108864 here; a first record larger than it still comes, as in Kafka).',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' bytes'),
  },
  'max.partition.fetch.bytes': {
    doc: 'Most data, in bytes, one fetch asks for per partition (default 4194304 here, bigger than Kafka’s 1 MiB: per-batch costs dominate sinks; a first record larger than it still comes).',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' bytes'),
  },
  'max.poll.records': {
    doc: 'Most records a sink task is handed at once (one put() and flush per partition batch; default: what one fetch returns). The rest of a fetched batch is read again next.',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ''),
  },
  'heartbeat.interval.ms': {
    doc: 'How often, in ms, a sink consumer heartbeats to its group coordinator (default: a third of session.timeout.ms, at most 3000); below session.timeout.ms.',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' ms'),
  },
  'max.poll.interval.ms': {
    doc: 'The rebalance timeout a sink consumer joins its group with (what Kafka’s consumer sends for it): how long a rebalance waits for the group’s members to rejoin (default 60000 here, at least session.timeout.ms).',
    kinds: ['consumer'],
    problem: wholeNumberIn(1, 2_147_483_647, ' ms'),
  },
  'metadata.max.age.ms': {
    doc: 'How often, in ms, a sink looks again for its topics: ones that did not exist yet and, with topics.regex, new matches (default 300000, as Kafka’s metadata refresh; at least 100).',
    kinds: ['consumer'],
    problem: wholeNumberIn(100, 2_147_483_647, ' ms'),
  },
};

/**
 * Kafka client keys users commonly paste that Onramp cannot honour, with the reason (the message
 * names the key instead of calling it unknown).
 */
export const REFUSED_CLIENT_PROPERTIES: Readonly<Record<string, string>> = {
  'buffer.memory':
    'Onramp’s producer keeps no buffer of its own: records wait in the source task’s queue, bounded by the connector’s max.queue.size and max.queue.size.in.bytes; set those instead',
  'max.block.ms':
    'a source task never blocks on the producer’s buffer or metadata alone: it waits for Kafka up to delivery.timeout.ms; set that instead',
  'partitioner.class':
    'Onramp always partitions as Kafka’s default partitioner does (murmur2 of the key), so records keep the partitions Kafka Connect would give them',
  'key.serializer': 'the connector’s key.converter serializes keys',
  'value.serializer': 'the connector’s value.converter serializes values',
  'transactional.id':
    'Onramp’s source tasks do not produce in transactions (exactly.once.source.support is not available)',
};

/** Why a commonly set Kafka client key is refused, or undefined. */
export function refusedClientReason(key: string): string | undefined {
  return Object.hasOwn(REFUSED_CLIENT_PROPERTIES, key) ? REFUSED_CLIENT_PROPERTIES[key] : undefined;
}

/** Keys Kafka Connect's Principal override policy lets a connector set. */
export const PRINCIPAL_KEYS: ReadonlySet<string> = new Set([
  'sasl.jaas.config',
  'sasl.mechanism',
  'security.protocol',
]);

export const OVERRIDE_POLICIES = ['None', 'Principal', 'All'] as const;
export type OverridePolicy = (typeof OVERRIDE_POLICIES)[number];

export function isClientProperty(key: string, kind: ClientKind): boolean {
  const spec = Object.hasOwn(CLIENT_PROPERTIES, key) ? CLIENT_PROPERTIES[key] : undefined;
  return spec !== undefined && (spec.kinds === undefined || spec.kinds.includes(kind));
}

/** Whether only a connector's `<kind>.override.<key>` may set the key (not the host). */
export function isConnectorOnlyProperty(key: string): boolean {
  return Object.hasOwn(CLIENT_PROPERTIES, key) && CLIENT_PROPERTIES[key]?.connectorOnly === true;
}

export function isSecretClientProperty(key: string): boolean {
  return Object.hasOwn(CLIENT_PROPERTIES, key) && CLIENT_PROPERTIES[key]?.secret === true;
}

/** Whether the key says where a client connects or logs in (bootstrap.servers, the token endpoint). */
export function isConnectionTargetClientProperty(key: string): boolean {
  return Object.hasOwn(CLIENT_PROPERTIES, key) && CLIENT_PROPERTIES[key]?.connectionTarget === true;
}

/** Why a key is refused for a client kind (null when honoured). */
export function unsupportedReason(key: string, kind: ClientKind): string | null {
  if (isClientProperty(key, kind)) return null;
  if (Object.hasOwn(CLIENT_PROPERTIES, key))
    return `${key} is a ${CLIENT_PROPERTIES[key]?.kinds?.join('/')} setting; a ${kind} client has no use for it`;
  const refused = refusedClientReason(key);
  if (refused) return `${key} is not available: ${refused}`;
  return `${key} is not a Kafka client setting Onramp honours (it would be ignored, so it is refused); see the configuration reference for the ones it does`;
}

/** A property value with the configuration key it came from (for messages). */
export interface Sourced {
  value: string;
  from: string;
}

/**
 * The properties one client sees, each with the key it came from: later layers win. A layer is a
 * property map and the prefix its keys had where the user wrote them (e.g. `producer.override.`).
 */
export function layerProperties(
  layers: ReadonlyArray<{ prefix: string; properties: Readonly<Record<string, string>> }>,
): Map<string, Sourced> {
  const merged = new Map<string, Sourced>();
  for (const { prefix, properties } of layers)
    for (const [key, value] of Object.entries(properties))
      merged.set(key, { value, from: `${prefix}${key}` });
  return merged;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_KEY =
  /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;

export interface ParseContext {
  /** The key to name when a required property is missing (e.g. `producer.override.sasl.jaas.config`). */
  missingName(key: string): string;
  readFile?: (path: string) => string;
  /** Reads a PKCS12 or JKS store. */
  readBytes?: (path: string) => Buffer;
}

function brokerList(raw: string): string[] | string {
  const brokers = raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) return 'must list at least one host:port';
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker))
      return `${broker} is not host:port`;
    const port = Number(broker.slice(broker.lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) return `${broker} has no valid port (1..65535)`;
  }
  return brokers;
}

/**
 * Parses the connection settings of one client. Errors name the key the value came from and never
 * repeat a secret or a file's content.
 */
export function parseConnection(
  properties: ReadonlyMap<string, Sourced>,
  context: ParseContext,
): { connection: KafkaConnection | undefined; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (from: string, message: string) => errors.push({ field: from, message });
  const get = (key: string) => {
    const entry = properties.get(key);
    return entry === undefined || entry.value.trim() === ''
      ? undefined
      : { ...entry, value: entry.value.trim() };
  };
  const readFile = context.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const readBytes = context.readBytes ?? ((path: string) => readFileSync(path));
  /** Reads a file a setting names; a failure fails that setting, naming the file and why. */
  const readNamedFile =
    <T>(read: (path: string) => T) =>
    (entry: Sourced): T | undefined => {
      try {
        return read(entry.value);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        fail(
          entry.from,
          `Invalid value for configuration ${entry.from}: cannot read the file ${entry.value} (${code})`,
        );
        return undefined;
      }
    };
  const readStore = readNamedFile(readBytes);
  const readPem = readNamedFile(readFile);

  let brokers: string[] = [];
  const servers = get('bootstrap.servers');
  if (!servers)
    fail(
      context.missingName('bootstrap.servers'),
      `Missing required configuration "${context.missingName('bootstrap.servers')}"`,
    );
  else {
    const parsed = brokerList(servers.value);
    if (typeof parsed === 'string')
      fail(servers.from, `Invalid value ${servers.value} for configuration ${servers.from}: ${parsed}`);
    else brokers = parsed;
  }
  const clientId = get('client.id')?.value ?? 'onramp';

  const protocolEntry = get('security.protocol');
  const protocolName = protocolEntry?.value.toUpperCase() ?? 'PLAINTEXT';
  let securityProtocol: SecurityProtocol = 'PLAINTEXT';
  if ((SECURITY_PROTOCOLS as readonly string[]).includes(protocolName))
    securityProtocol = protocolName as SecurityProtocol;
  else if (protocolEntry)
    fail(
      protocolEntry.from,
      `Invalid value ${protocolEntry.value} for configuration ${protocolEntry.from}: must be one of ${SECURITY_PROTOCOLS.join(', ')}`,
    );
  const usesTls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL';
  const usesSasl = securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL';

  const connection: KafkaConnection = { brokers, clientId, securityProtocol };
  for (const entry of ruleErrors(properties, ['client.dns.lookup', 'request.timeout.ms', 'retry.backoff.ms']))
    fail(entry.field, entry.message);
  const requestTimeout = get('request.timeout.ms');
  if (requestTimeout) connection.requestTimeoutMs = Number(requestTimeout.value);
  const retryBackoff = get('retry.backoff.ms');
  if (retryBackoff) connection.retryBackoffMs = Number(retryBackoff.value);
  /** Settings of a family (ssl., sasl.) that the chosen protocol would not use: refused, not ignored. */
  const refuseUnused = (prefix: string, family: string, protocols: string) => {
    for (const [key, entry] of properties)
      if (key.startsWith(prefix) && get(key))
        fail(
          entry.from,
          `${entry.from} is set but security.protocol is ${securityProtocol}, which does not use ${family}; set security.protocol to ${protocols}`,
        );
  };
  if (usesTls) {
    const identification = properties.get('ssl.endpoint.identification.algorithm');
    const turnedOff = identification !== undefined && identification.value.trim() === '';
    connection.tls = parseTls(get, turnedOff, { readPem, readStore }, fail);
  } else refuseUnused('ssl.', 'TLS', 'SSL or SASL_SSL');
  if (usesSasl) {
    const sasl = parseSasl(get, context, fail);
    if (sasl) connection.sasl = sasl;
  } else refuseUnused('sasl.', 'SASL', 'SASL_SSL or SASL_PLAINTEXT');
  return { connection: errors.length === 0 ? connection : undefined, errors };
}

type Getter = (key: string) => Sourced | undefined;
type Fail = (from: string, message: string) => void;

const STORE_TYPES = ['PEM', 'PKCS12', 'JKS'] as const;

/** How a PKCS12 file made with RC2 (OpenSSL 1.x, old keytool) becomes one Node opens. */
const LEGACY_PKCS12_FIX =
  'openssl pkcs12 -legacy -in old.p12 -nodes -out all.pem && openssl pkcs12 -export -in all.pem -out new.p12 (or keytool -importkeystore -srckeystore old.p12 -destkeystore new.p12 with a current JDK)';
type StoreType = (typeof STORE_TYPES)[number];

interface StoreReaders {
  readPem: (entry: Sourced) => string | undefined;
  readStore: (entry: Sourced) => Buffer | undefined;
}

/** `turnedOff`: ssl.endpoint.identification.algorithm set to "" (unlike not set, which means https). */
function parseTls(get: Getter, turnedOff: boolean, readers: StoreReaders, fail: Fail): TlsSettings {
  const tls: TlsSettings = { verifyHostname: true };
  const storeType = (key: string): StoreType | undefined => {
    const entry = get(key);
    const type = STORE_TYPES.find((name) => name === (entry?.value.toUpperCase() ?? 'PEM'));
    if (!type && entry)
      fail(
        entry.from,
        `Invalid value ${entry.value} for configuration ${entry.from}: must be PEM, PKCS12 or JKS (a JCEKS or BCFKS store converts with keytool -importkeystore -deststoretype PKCS12)`,
      );
    return type;
  };
  const trustType = storeType('ssl.truststore.type');
  const keyType = storeType('ssl.keystore.type');
  const storeError = (entry: Sourced, type: StoreType, error: unknown) => {
    if (!(error instanceof KeyStoreError)) throw error;
    fail(
      entry.from,
      `Invalid value for configuration ${entry.from}: the ${type} store ${entry.value} cannot be read: ${error.message}`,
    );
  };
  for (const [key, type, kind] of [
    ['ssl.truststore.password', trustType, 'trust'],
    ['ssl.keystore.password', keyType, 'key'],
  ] as const) {
    const entry = get(key);
    if (entry && type === 'PEM')
      fail(
        entry.from,
        `${entry.from} does not apply to PEM stores (a PEM ${kind} store has no password; an encrypted PEM key takes ssl.key.password)`,
      );
  }

  const trustFile = get('ssl.truststore.location');
  const trustText = get('ssl.truststore.certificates');
  if (trustFile && trustText) fail(trustText.from, `Set only one of ${trustFile.from} and ${trustText.from}`);
  if (trustType === 'PKCS12' || trustType === 'JKS') {
    if (trustText)
      fail(
        trustText.from,
        `${trustText.from} is PEM text; a ${trustType} trust store is given with ssl.truststore.location`,
      );
    else if (!trustFile)
      fail(
        get('ssl.truststore.type')?.from ?? 'ssl.truststore.type',
        `ssl.truststore.type ${trustType} needs ssl.truststore.location`,
      );
    else {
      const bytes = readers.readStore(trustFile);
      const password = get('ssl.truststore.password')?.value;
      if (bytes) {
        try {
          const certificates =
            trustType === 'PKCS12' ? pkcs12Certificates(bytes, password) : jksCertificates(bytes, password);
          if (certificates.length === 0) throw new KeyStoreError('it holds no certificate');
          tls.ca = certificates;
        } catch (error) {
          storeError(trustFile, trustType, error);
        }
      }
    }
  } else {
    const trustSource = trustText ?? trustFile;
    if (trustSource) {
      const pem = trustText ? trustText.value : readers.readPem(trustSource);
      if (pem !== undefined) {
        const certificates = pem.match(PEM_CERT);
        if (!certificates)
          fail(
            trustSource.from,
            `Invalid value for configuration ${trustSource.from}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`,
          );
        else tls.ca = certificates;
      }
    }
  }

  const keyFile = get('ssl.keystore.location');
  const chainText = get('ssl.keystore.certificate.chain');
  const keyText = get('ssl.keystore.key');
  const keyPassword = get('ssl.key.password');
  const storePassword = get('ssl.keystore.password');
  if (keyFile && (chainText || keyText))
    fail(
      keyFile.from,
      `Set either ${keyFile.from} or ssl.keystore.certificate.chain with ssl.keystore.key, not both`,
    );
  else if (keyFile && keyType === 'PKCS12') {
    // Node's TLS opens PKCS12 with one password, as keytool writes the store (key and store alike).
    const passphrase = storePassword?.value ?? keyPassword?.value;
    if (storePassword && keyPassword && storePassword.value !== keyPassword.value)
      fail(
        keyPassword.from,
        `${keyPassword.from} differs from ${storePassword.from}: a PKCS12 key store is opened with one password (keytool uses the store password for its keys; re-export it with openssl pkcs12 if they differ)`,
      );
    const bytes = readers.readStore(keyFile);
    if (bytes) {
      try {
        createSecureContext({ pfx: bytes, ...(passphrase !== undefined && { passphrase }) });
        tls.pfx = bytes.toString('base64');
        if (passphrase !== undefined) tls.keyPassword = passphrase;
      } catch (error) {
        const message = (error as Error).message;
        const reason = /mac verify|bad decrypt|password/i.test(message)
          ? 'the password does not open it'
          : /unsupported pkcs12/i.test(message)
            ? `it is encrypted the legacy way (RC2, OpenSSL 1.x's default), which Node's TLS does not open; re-export it with AES: ${LEGACY_PKCS12_FIX}`
            : `not a key store Node's TLS reads (${message})`;
        fail(
          keyFile.from,
          `Invalid value for configuration ${keyFile.from}: the PKCS12 store ${keyFile.value} cannot be read: ${reason}`,
        );
      }
    }
  } else if (keyFile && keyType === 'JKS') {
    const bytes = readers.readStore(keyFile);
    const password = keyPassword?.value ?? storePassword?.value;
    if (bytes && password === undefined)
      fail(keyFile.from, `A JKS key store needs ssl.keystore.password (or ssl.key.password) to open its key`);
    else if (bytes && password !== undefined) {
      try {
        const pair = jksKeyPair(bytes, storePassword?.value, password);
        tls.key = pair.key;
        tls.cert = pair.cert;
      } catch (error) {
        storeError(keyFile, 'JKS', error);
      }
    }
  } else if (keyFile) {
    const pem = readers.readPem(keyFile);
    if (pem !== undefined) {
      const key = PEM_KEY.exec(pem)?.[0];
      const chain = pem.match(PEM_CERT);
      if (!key || !chain)
        fail(
          keyFile.from,
          `Invalid value for configuration ${keyFile.from}: a PEM key store holds a private key and its certificate chain`,
        );
      else {
        tls.key = key;
        tls.cert = chain.join('\n');
      }
    }
    if (keyPassword) tls.keyPassword = keyPassword.value;
  } else if (chainText || keyText) {
    if (keyType !== undefined && keyType !== 'PEM')
      fail(
        (chainText ?? keyText)?.from ?? 'ssl.keystore.key',
        `ssl.keystore.certificate.chain and ssl.keystore.key are PEM text; a ${keyType} key store is given with ssl.keystore.location`,
      );
    else if (!chainText)
      fail(keyText?.from ?? 'ssl.keystore.key', 'ssl.keystore.key needs ssl.keystore.certificate.chain');
    else if (!keyText) fail(chainText.from, 'ssl.keystore.certificate.chain needs ssl.keystore.key');
    else {
      const key = PEM_KEY.exec(keyText.value)?.[0];
      const chain = chainText.value.match(PEM_CERT);
      if (!key)
        fail(keyText.from, `Invalid value for configuration ${keyText.from}: no PEM private key found`);
      else tls.key = key;
      if (!chain)
        fail(chainText.from, `Invalid value for configuration ${chainText.from}: no PEM certificate found`);
      else tls.cert = chain.join('\n');
    }
    if (keyPassword) tls.keyPassword = keyPassword.value;
  } else if (keyType !== 'PEM' && keyType !== undefined) {
    fail(
      get('ssl.keystore.type')?.from ?? 'ssl.keystore.type',
      `ssl.keystore.type ${keyType} needs ssl.keystore.location`,
    );
  } else if (keyPassword) tls.keyPassword = keyPassword.value;

  const identification = get('ssl.endpoint.identification.algorithm');
  if (identification) {
    if (identification.value.toLowerCase() !== 'https')
      fail(
        identification.from,
        `Invalid value ${identification.value} for configuration ${identification.from}: must be https or empty`,
      );
  } else if (turnedOff) {
    tls.verifyHostname = false;
  }

  const versions = tlsVersions(get('ssl.protocol'), get('ssl.enabled.protocols'), fail);
  if (versions?.min === 'TLSv1.3') tls.minVersion = 'TLSv1.3';
  if (versions?.max === 'TLSv1.2') tls.maxVersion = 'TLSv1.2';
  return tls;
}

type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/**
 * The TLS versions a client may use, as Kafka's Java clients read the two settings:
 * ssl.enabled.protocols lists them (default TLSv1.2,TLSv1.3), and ssl.protocol names the SSLContext,
 * which caps them (TLSv1.2 never offers TLSv1.3; TLSv1.3, Kafka's default, and TLS cap nothing).
 */
function tlsVersions(
  protocol: Sourced | undefined,
  enabled: Sourced | undefined,
  fail: Fail,
): { min: TlsVersion; max: TlsVersion } | undefined {
  if (protocol && !['TLS', 'TLSv1.2', 'TLSv1.3'].includes(protocol.value)) {
    fail(
      protocol.from,
      `Invalid value ${protocol.value} for configuration ${protocol.from}: must be TLSv1.3, TLSv1.2 or TLS (only TLSv1.2 and TLSv1.3 are available)`,
    );
    return undefined;
  }
  let allowed: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
  if (enabled) {
    const listed = enabled.value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (listed.length === 0 || listed.some((item) => item !== 'TLSv1.2' && item !== 'TLSv1.3')) {
      fail(
        enabled.from,
        `Invalid value ${enabled.value} for configuration ${enabled.from}: only TLSv1.2 and TLSv1.3 are available`,
      );
      return undefined;
    }
    allowed = allowed.filter((version) => listed.includes(version));
  }
  if (protocol?.value === 'TLSv1.2') allowed = allowed.filter((version) => version === 'TLSv1.2');
  const [min] = allowed;
  const max = allowed.at(-1);
  if (!min || !max) {
    fail(
      protocol?.from ?? 'ssl.protocol',
      `${protocol?.from} TLSv1.2 leaves none of ${enabled?.from} (${enabled?.value}) to use: a TLSv1.2 context never offers TLSv1.3`,
    );
    return undefined;
  }
  return { min, max };
}

function parseSasl(get: Getter, context: ParseContext, fail: Fail): SaslSettings | undefined {
  const mechanismEntry = get('sasl.mechanism');
  const mechanism = (mechanismEntry?.value.toUpperCase() ?? 'GSSAPI') as SaslMechanism | 'GSSAPI';
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    const from = mechanismEntry?.from ?? context.missingName('sasl.mechanism');
    fail(
      from,
      mechanismEntry
        ? `Invalid value ${mechanismEntry.value} for configuration ${from}: must be one of ${SASL_MECHANISMS.join(', ')}`
        : `Missing configuration "${from}": Kafka's default GSSAPI (Kerberos) is not supported; use one of ${SASL_MECHANISMS.join(', ')}`,
    );
    return undefined;
  }
  const jaasEntry = get('sasl.jaas.config');
  const jaas = jaasEntry ? parseJaasConfig(jaasEntry.value) : undefined;
  if (jaas && 'error' in jaas) {
    fail(
      jaasEntry?.from ?? 'sasl.jaas.config',
      `Invalid value for configuration ${jaasEntry?.from}: ${jaas.error}`,
    );
    return undefined;
  }
  const options = jaas?.options ?? {};
  if (mechanism === 'OAUTHBEARER')
    return parseOAuth(get, jaasEntry, jaas?.loginModule, options, context, fail);

  const jaasName = jaasEntry?.from ?? context.missingName('sasl.jaas.config');
  if (!jaas) {
    fail(
      jaasName,
      `Missing required configuration "${jaasName}" for SASL ${mechanism} (username and password)`,
    );
    return undefined;
  }
  const expected =
    mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  if (jaas.loginModule !== expected) {
    fail(
      jaasName,
      `Invalid value for configuration ${jaasName}: sasl.mechanism ${mechanism} takes ${expected}, not ${jaas.loginModule}`,
    );
    return undefined;
  }
  if (
    !onlyKnownOptions(options, (name) => name === 'username' || name === 'password', jaasName, expected, fail)
  )
    return undefined;
  const { username, password } = options;
  if (username === undefined || password === undefined) {
    fail(
      jaasName,
      `Invalid value for configuration ${jaasName}: ${expected} needs username="..." and password="..."`,
    );
    return undefined;
  }
  return { mechanism: mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password };
}

function parseOAuth(
  get: Getter,
  jaasEntry: Sourced | undefined,
  loginModule: string | undefined,
  options: Readonly<Record<string, string>>,
  context: ParseContext,
  fail: Fail,
): SaslSettings | undefined {
  const jaasName = jaasEntry?.from ?? context.missingName('sasl.jaas.config');
  const module = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
  if (loginModule !== undefined && loginModule !== module) {
    fail(
      jaasName,
      `Invalid value for configuration ${jaasName}: sasl.mechanism OAUTHBEARER takes ${module}, not ${loginModule}`,
    );
    return undefined;
  }
  const handler = get('sasl.login.callback.handler.class');
  if (handler && !/(^|\.)OAuthBearerLoginCallbackHandler$/.test(handler.value)) {
    fail(
      handler.from,
      `Invalid value ${handler.value} for configuration ${handler.from}: only org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler is available`,
    );
    return undefined;
  }
  const scope = get('sasl.oauthbearer.scope')?.value ?? options.scope;
  const endpoint = get('sasl.oauthbearer.token.endpoint.url');
  if (!endpoint) {
    const subject = options.unsecuredLoginStringClaim_sub;
    if (subject === undefined) {
      const from = context.missingName('sasl.oauthbearer.token.endpoint.url');
      fail(
        from,
        `Missing required configuration "${from}" for SASL OAUTHBEARER (or unsecuredLoginStringClaim_sub in ${jaasName} for a broker with the unsecured validator)`,
      );
      return undefined;
    }
    const extensions = oauthExtensions(options, 'unsecuredLoginExtension_', jaasName, fail);
    const known = (name: string) =>
      name === 'unsecuredLoginStringClaim_sub' ||
      name === 'scope' ||
      name.startsWith('unsecuredLoginExtension_');
    if (!extensions || !onlyKnownOptions(options, known, jaasName, module, fail)) return undefined;
    return {
      mechanism: 'OAUTHBEARER',
      oauth: { kind: 'unsecured', subject, ...(scope !== undefined && { scope }) },
      ...(Object.keys(extensions).length > 0 && { extensions }),
    };
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint.value);
  } catch {}
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(
      endpoint.from,
      `Invalid value ${endpoint.value} for configuration ${endpoint.from}: must be an http(s) URL`,
    );
    return undefined;
  }
  const clientId = get('sasl.oauthbearer.client.credentials.client.id')?.value ?? options.clientId;
  const clientSecret =
    get('sasl.oauthbearer.client.credentials.client.secret')?.value ?? options.clientSecret;
  if (clientId === undefined || clientSecret === undefined) {
    fail(
      jaasName,
      `SASL OAUTHBEARER with ${endpoint.from} needs a client id and secret: clientId="..." clientSecret="..." in ${jaasName}, or sasl.oauthbearer.client.credentials.client.id/.client.secret`,
    );
    return undefined;
  }
  const extensions = oauthExtensions(options, 'extension_', jaasName, fail);
  const known = (name: string) =>
    ['clientId', 'clientSecret', 'scope'].includes(name) || name.startsWith('extension_');
  if (!extensions || !onlyKnownOptions(options, known, jaasName, module, fail)) return undefined;
  return {
    mechanism: 'OAUTHBEARER',
    oauth: {
      kind: 'client_credentials',
      tokenEndpoint: url.toString(),
      clientId,
      clientSecret,
      ...(scope !== undefined && { scope }),
    },
    ...(Object.keys(extensions).length > 0 && { extensions }),
  };
}

/**
 * False (and an error naming each option, never its value) when the JAAS config has options the
 * login would not use: Kafka ignores unknown ones, but an option ignored is a setting lost.
 */
function onlyKnownOptions(
  options: Readonly<Record<string, string>>,
  known: (name: string) => boolean,
  jaasName: string,
  module: string,
  fail: Fail,
): boolean {
  const unknown = Object.keys(options).filter((name) => !known(name));
  for (const name of unknown)
    fail(
      jaasName,
      `Invalid value for configuration ${jaasName}: ${module} option ${name} is not one Onramp's client uses (it would be ignored, so it is refused)`,
    );
  return unknown.length === 0;
}

/**
 * SASL extensions from JAAS options with this prefix (extension_<name> for the login callback
 * handler, unsecuredLoginExtension_<name> for the unsecured one), checked by Kafka's rules.
 */
function oauthExtensions(
  options: Readonly<Record<string, string>>,
  prefix: string,
  jaasName: string,
  fail: Fail,
): Record<string, string> | undefined {
  const extensions: Record<string, string> = {};
  let valid = true;
  for (const [option, value] of Object.entries(options)) {
    if (!option.startsWith(prefix)) continue;
    const name = option.slice(prefix.length);
    if (!/^[A-Za-z]+$/.test(name) || name === 'auth' || !/^[\x21-\x7E \t\r\n]+$/.test(value)) {
      fail(
        jaasName,
        `Invalid value for configuration ${jaasName}: SASL extension ${option} needs a name of letters (not auth) and a value of printable ASCII`,
      );
      valid = false;
    } else extensions[name] = value;
  }
  return valid ? extensions : undefined;
}

/** `properties`' values of these keys that break their key's rule, each naming the key it came from. */
function ruleErrors(properties: ReadonlyMap<string, Sourced>, keys: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of keys) {
    const entry = properties.get(key);
    const problem = entry && CLIENT_PROPERTIES[key]?.problem?.(entry.value);
    if (entry && problem)
      errors.push({
        field: entry.from,
        message: `Invalid value ${entry.value} for configuration ${entry.from}: ${problem}`,
      });
  }
  return errors;
}

/** Compression, request sizes, linger and the delivery timeout as the producer honours them. */
export function producerTuning(properties: ReadonlyMap<string, Sourced>): {
  tuning: ProducerTuning;
  errors: FieldError[];
} {
  const errors = ruleErrors(properties, [
    'compression.type',
    'acks',
    'enable.idempotence',
    'max.request.size',
    'batch.size',
    'linger.ms',
    'delivery.timeout.ms',
    'max.in.flight.requests.per.connection',
  ]);
  const compression = properties.get('compression.type')?.value.trim().toLowerCase();
  const tuning: ProducerTuning = {
    compression: compression === 'gzip' ? 'gzip' : 'none',
    lingerMs: 0,
    deliveryTimeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS,
  };
  if (errors.length > 0) return { tuning, errors };
  const number = (key: string) => {
    const text = properties.get(key)?.value.trim();
    return text === undefined || text === '' ? undefined : Number(text);
  };
  const maxRequest = number('max.request.size');
  if (maxRequest !== undefined) tuning.maxRequestBytes = maxRequest;
  const batch = number('batch.size');
  if (batch !== undefined) tuning.batchBytes = batch;
  tuning.lingerMs = number('linger.ms') ?? 0;
  // Kafka's rule: a record must be able to linger and then wait for one request. Kafka raises an
  // unset delivery.timeout.ms to that sum and refuses a set one below it; so does Onramp.
  const delivery = properties.get('delivery.timeout.ms');
  const requestTimeout = number('request.timeout.ms') ?? DEFAULT_REQUEST_TIMEOUT_MS;
  tuning.deliveryTimeoutMs =
    number('delivery.timeout.ms') ?? Math.max(DEFAULT_DELIVERY_TIMEOUT_MS, tuning.lingerMs + requestTimeout);
  if (delivery && tuning.deliveryTimeoutMs < tuning.lingerMs + requestTimeout)
    errors.push({
      field: delivery.from,
      message: `Invalid value ${delivery.value} for configuration ${delivery.from}: must be at least linger.ms + request.timeout.ms (${tuning.lingerMs} + ${requestTimeout}), as Kafka requires`,
    });
  return { tuning, errors };
}

/** The bytes of records one produce request carries at most. */
export function requestBytes(tuning: ProducerTuning): number {
  return Math.min(
    tuning.batchBytes ?? DEFAULT_REQUEST_BYTES,
    tuning.maxRequestBytes ?? Number.POSITIVE_INFINITY,
  );
}

export interface ConsumerTuning {
  sessionTimeoutMs?: number;
  autoOffsetReset: 'earliest' | 'latest';
  /** How often topics are listed again (missing topics, topics.regex); Kafka's metadata.max.age.ms. */
  metadataMaxAgeMs?: number;
  /** fetch.min.bytes, fetch.max.wait.ms, fetch.max.bytes, max.partition.fetch.bytes. */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  maxPartitionFetchBytes?: number;
  /** max.poll.records: the most records of one batch handed to the sink. */
  maxPollRecords?: number;
  /** heartbeat.interval.ms, and max.poll.interval.ms as the rebalance timeout. */
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
}

/**
 * Session timeout and offset reset as the sink consumer honours them; a group.instance.id is only
 * checked here (the sink runner gives each task its own, from the connector config).
 */
export function consumerTuning(properties: ReadonlyMap<string, Sourced>): {
  tuning: ConsumerTuning;
  errors: FieldError[];
} {
  const errors = ruleErrors(properties, [
    'session.timeout.ms',
    'metadata.max.age.ms',
    'group.instance.id',
    'auto.offset.reset',
    'fetch.min.bytes',
    'fetch.max.wait.ms',
    'fetch.max.bytes',
    'max.partition.fetch.bytes',
    'max.poll.records',
    'heartbeat.interval.ms',
    'max.poll.interval.ms',
  ]);
  const value = (key: string) => properties.get(key)?.value.trim();
  const reset = value('auto.offset.reset')?.toLowerCase();
  const tuning: ConsumerTuning = { autoOffsetReset: reset === 'latest' ? 'latest' : 'earliest' };
  if (errors.length > 0) return { tuning, errors };
  const timeout = value('session.timeout.ms');
  if (timeout !== undefined) tuning.sessionTimeoutMs = Number(timeout);
  const maxAge = value('metadata.max.age.ms');
  if (maxAge !== undefined) tuning.metadataMaxAgeMs = Number(maxAge);
  const number = (key: string) => {
    const text = value(key);
    return text === undefined ? undefined : Number(text);
  };
  const fields = [
    ['fetch.min.bytes', 'fetchMinBytes'],
    ['fetch.max.wait.ms', 'fetchMaxWaitMs'],
    ['fetch.max.bytes', 'fetchMaxBytes'],
    ['max.partition.fetch.bytes', 'maxPartitionFetchBytes'],
    ['max.poll.records', 'maxPollRecords'],
    ['heartbeat.interval.ms', 'heartbeatIntervalMs'],
    ['max.poll.interval.ms', 'rebalanceTimeoutMs'],
  ] as const;
  for (const [key, field] of fields) {
    const given = number(key);
    if (given !== undefined) tuning[field] = given;
  }
  // The group coordinator's rules: heartbeats within the session, a rebalance no shorter than it.
  const session = tuning.sessionTimeoutMs ?? 45_000;
  const heartbeat = properties.get('heartbeat.interval.ms');
  if (heartbeat && (tuning.heartbeatIntervalMs ?? 0) >= session)
    errors.push({
      field: heartbeat.from,
      message: `Invalid value ${heartbeat.value} for configuration ${heartbeat.from}: must be below session.timeout.ms (${session})`,
    });
  const poll = properties.get('max.poll.interval.ms');
  if (poll && (tuning.rebalanceTimeoutMs ?? 0) < session)
    errors.push({
      field: poll.from,
      message: `Invalid value ${poll.value} for configuration ${poll.from}: must be at least session.timeout.ms (${session}); it is the rebalance timeout the consumer joins with`,
    });
  return { tuning, errors };
}

/** The host's Kafka client settings: Kafka property layers and Kafka Connect's override policy. */
export interface KafkaClientConfig {
  layers: ClientPropertyLayers;
  /** connector.client.config.override.policy */
  overridePolicy: OverridePolicy;
}

const OVERRIDE_KEY = /^(producer|consumer|admin)\.override\.(.+)$/;

/** Producer keys only a source task's sends use (refused as a sink connector's overrides). */
const SOURCE_PRODUCER_KEYS: ReadonlySet<string> = new Set(['linger.ms', 'delivery.timeout.ms']);

/**
 * A connector's Kafka client settings by client kind, under Kafka's names:
 * `producer.override.compression.type` is `producer['compression.type']`.
 */
export type ClientOverrides = Readonly<Record<ClientKind, Readonly<Record<string, string>>>>;

/** The `<kind>.override.*` entries of a connector config, without the prefix, by client kind. */
export function clientOverrides(config: Readonly<Record<string, string>>): ClientOverrides {
  const overrides: Record<ClientKind, Record<string, string>> = { producer: {}, consumer: {}, admin: {} };
  for (const [key, value] of Object.entries(config)) {
    const match = OVERRIDE_KEY.exec(key);
    if (match) overrides[match[1] as ClientKind][match[2] as string] = value;
  }
  return overrides;
}

/**
 * What one client of a connector sees, each value with the key it came from: the host's common
 * settings, then the host's `<kind>.` ones, then the connector's `<kind>.override.` ones. (Kafka
 * Connect gives task clients only the `<kind>.`-prefixed worker settings; Onramp also passes the
 * top-level ones down, so a host configured once for a secured cluster needs no repetition.)
 */
export function clientProperties(
  kind: ClientKind,
  host: ClientPropertyLayers,
  overrides?: ClientOverrides,
): Map<string, Sourced> {
  return layerProperties([
    { prefix: '', properties: host.common },
    { prefix: `${kind}.`, properties: host[kind] },
    { prefix: `${kind}.override.`, properties: overrides?.[kind] ?? {} },
  ]);
}

/** Which clients a connector of this kind runs (a sink's producer writes its dead letter queue). */
export function clientKindsOf(connectorKind: 'source' | 'sink'): readonly ClientKind[] {
  return connectorKind === 'source' ? ['producer', 'admin'] : ['consumer', 'producer', 'admin'];
}

/**
 * Checks a connector's `*.override.*` keys against the override policy and what the clients
 * honour, then parses each client's resulting settings. Errors name the connector's keys.
 */
export function checkClientOverrides(
  connectorKind: 'source' | 'sink',
  config: Readonly<Record<string, string>>,
  host: KafkaClientConfig,
  readFile?: (path: string) => string,
): FieldError[] {
  const errors: FieldError[] = [];
  const kinds = clientKindsOf(connectorKind);
  const overridden = new Set<ClientKind>();
  for (const key of Object.keys(config)) {
    const match = OVERRIDE_KEY.exec(key);
    if (!match) continue;
    const kind = match[1] as ClientKind;
    const property = match[2] as string;
    if (!kinds.includes(kind)) {
      errors.push({ field: key, message: `${key}: a ${connectorKind} connector has no ${kind} client` });
      continue;
    }
    if (host.overridePolicy === 'None') {
      errors.push({
        field: key,
        message: `${key} is not allowed: the host's connector.client.config.override.policy is None`,
      });
      continue;
    }
    if (host.overridePolicy === 'Principal' && !PRINCIPAL_KEYS.has(property)) {
      errors.push({
        field: key,
        message: `${key} is not allowed: the host's connector.client.config.override.policy is Principal (only ${[...PRINCIPAL_KEYS].join(', ')} may be overridden)`,
      });
      continue;
    }
    const reason = unsupportedReason(property, kind);
    if (reason) {
      errors.push({ field: key, message: `Invalid configuration ${key}: ${reason}` });
      continue;
    }
    if (connectorKind === 'sink' && kind === 'producer' && SOURCE_PRODUCER_KEYS.has(property)) {
      errors.push({
        field: key,
        message: `Invalid configuration ${key}: a sink connector's producer only writes its dead letter queue, one record per send, so ${property} (how a source task groups and retries its sends) has nothing to act on`,
      });
      continue;
    }
    overridden.add(kind);
  }
  for (const kind of overridden) {
    const properties = clientProperties(kind, host.layers, clientOverrides(config));
    const context: ParseContext = {
      missingName: (key) => `${kind}.override.${key}`,
      ...(readFile && { readFile }),
    };
    errors.push(...parseConnection(properties, context).errors);
    if (kind === 'producer') errors.push(...producerTuning(properties).errors);
    if (kind === 'consumer') errors.push(...consumerTuning(properties).errors);
  }
  return errors;
}

/** A KafkaClientConfig from brokers and optional layers (tests, benchmarks, tools). */
export function kafkaClientConfig(options: {
  brokers: readonly string[];
  clientId?: string;
  common?: Readonly<Record<string, string>>;
  producer?: Readonly<Record<string, string>>;
  consumer?: Readonly<Record<string, string>>;
  admin?: Readonly<Record<string, string>>;
  overridePolicy?: OverridePolicy;
}): KafkaClientConfig {
  return {
    layers: {
      common: {
        'bootstrap.servers': options.brokers.join(','),
        'client.id': options.clientId ?? 'onramp',
        ...options.common,
      },
      producer: options.producer ?? {},
      consumer: options.consumer ?? {},
      admin: options.admin ?? {},
    },
    overridePolicy: options.overridePolicy ?? 'All',
  };
}

/** A plaintext connection to these brokers (tests, benchmarks, tools). */
export function plaintextConnection(brokers: readonly string[], clientId = 'onramp'): KafkaConnection {
  return { brokers: [...brokers], clientId, securityProtocol: 'PLAINTEXT' };
}
