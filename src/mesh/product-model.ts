import type { CapturedTable, ConnectField, SourceDescription } from '../plugin/index.ts';

// The data mesh's model: domains own data products; a product `<domain>.<name>` has output ports
// (the topics its source connectors write), input ports (the tables they read, or upstream products
// a sink reads), consumers, a lifecycle status, tiers, tags, a version and governance settings.
// What is stored is what people decide (owner, status, tiers, classifications) plus what onboarding
// found (ports, captured tables); what changes by the second (consumer groups, freshness, schema
// versions) is read live when asked.

export const PRODUCT_STATUSES = ['draft', 'published', 'deprecated'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export const SLA_TIERS = ['tier-1', 'tier-2', 'tier-3'] as const;
export type SlaTier = (typeof SLA_TIERS)[number];
export const QUALITY_TIERS = ['raw', 'curated', 'authoritative'] as const;
export type QualityTier = (typeof QUALITY_TIERS)[number];
export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const PERSONAL_DATA_TREATMENTS = ['hash', 'mask', 'drop'] as const;
export type PersonalDataTreatment = (typeof PERSONAL_DATA_TREATMENTS)[number];

/** A topic the product publishes, with its registry subjects (TopicNameStrategy). */
export interface OutputPort {
  topic: string;
  keySubject: string;
  valueSubject: string;
  /** 'avro' or 'json', from the connector's value converter. */
  format: string;
  /** The source connector writing it; absent for topics Onramp does not produce. */
  connector?: string;
  /** `<namespace>.<table>` the topic carries, when a source connector writes it. */
  table?: string;
  keyColumns: string[];
  /** For a major version after a breaking change: its number (the topic is `<table topic>.v<major>`). */
  major?: number;
}

/**
 * One major version of a published product's table topic: the row fields its consumers were
 * promised. The first is the table's own topic, taken when the product is published; a breaking
 * database change starts the next on `<topic>.v<major>` (policy.breakingChange=new-version), and the
 * older ones keep receiving every event, projected onto their fields.
 */
export interface SchemaVersion {
  major: number;
  topic: string;
  /** The row (`after`) fields of the event schema last sent on this version. */
  fields: ConnectField[];
  /** Field of this version -> the column it reads in the table now (after renames). */
  columns?: Record<string, string>;
  since: string;
  /** The breaking changes that started this version. */
  breaking?: string[];
}

export type InputPort =
  | { kind: 'table'; connector: string; databaseType: string; database: string; table: string }
  | { kind: 'product'; connector: string; product: string; topics: string[] };

/** A sink connector reading the product's topics (consumer groups are read live from Kafka). */
export interface SinkConsumer {
  connector: string;
  /** The consumer group it reads with (connect-<name> unless overridden). */
  group: string;
  topics: string[];
  domain?: string;
  product?: string;
}

export type ClassificationState = 'suggested' | 'confirmed' | 'rejected';

/** A column that may hold personal data, found by name or comment, until its owner decides. */
export interface Classification {
  /** `<namespace>.<table>.<column>` */
  column: string;
  /** What it looks like: email, name, phone, address, birth-date, national-id, card-number, ip-address. */
  category: string;
  reason: string;
  state: ClassificationState;
  /** For a confirmed column of a published product: what happens before Kafka (policy default). */
  treatment?: PersonalDataTreatment;
}

export interface ProductPolicy {
  /** Registry compatibility set on the output subjects when published. */
  compatibility: CompatibilityLevel;
  /** How confirmed personal-data columns are protected once published. */
  personalData: PersonalDataTreatment;
  /** A breaking database change: fail the task, or send to `<topic>.v<major+1>`. */
  breakingChange: 'fail' | 'new-version';
  /** Freshness SLO: the most the product may lag behind its database, in ms. */
  maxLagMs?: number;
  /**
   * A published product's columns that look like personal data but that its owner has not decided
   * (added after publication): sent as the database has them (`send`, the default; the product's
   * health is amber until decided), or treated by `personalData` until decided (`protect`).
   */
  undecided?: 'send' | 'protect';
}

export const DEFAULT_POLICY: ProductPolicy = {
  compatibility: 'FULL_TRANSITIVE',
  personalData: 'hash',
  breakingChange: 'fail',
};

export interface DataProduct {
  /** `<domain>.<name>` */
  id: string;
  domain: string;
  name: string;
  owner?: string;
  description?: string;
  status: ProductStatus;
  slaTier: SlaTier;
  quality: QualityTier;
  tags: string[];
  /** Semantic version of the product's contract. */
  version: string;
  outputPorts: OutputPort[];
  inputPorts: InputPort[];
  consumers: SinkConsumer[];
  /** Source connectors that feed it (onboarding), in the order they joined. */
  sources: string[];
  /** What each source connector captured when last described. */
  captured: Record<string, CapturedSource>;
  classifications: Classification[];
  policy: ProductPolicy;
  /** Published products: each table topic's major versions (see SchemaVersion), by the table's topic. */
  schemaVersions?: Record<string, SchemaVersion[]>;
  created: string;
  updated: string;
  publishedAt?: string;
  deprecatedAt?: string;
}

/** A source connector's description as the catalog keeps it (with when it was read). */
export interface CapturedSource extends Omit<SourceDescription, 'tables'> {
  describedAt: string;
  tables: CapturedTable[];
  /** Why the last description failed (the database was unreachable...), when it did. */
  error?: string;
}

/** What a domain's team says about itself (PATCH /domains/{name}); kept in the catalog store. */
export interface DomainInfo {
  name: string;
  description?: string;
  /** How to reach the team: an e-mail address, a chat channel, a URL. */
  contact?: string;
  /** The teams or people accountable for the domain. */
  owners: string[];
  updated: string;
}

export interface Domain {
  name: string;
  description?: string;
  contact?: string;
  products: string[];
  /** The domain's own owners, then its products' owners. */
  owners: string[];
  /** Connectors whose product.domain names it. */
  connectors: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const DOMAIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Why `name` cannot be a product name ('.' separates it from the domain), or undefined. */
export function productNameProblem(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `product name "${name}" must be 1-128 letters, digits, '_' or '-' (starting with a letter or digit)`;
}

/** Domains are the names in domain:<name> tokens. */
export function domainNameProblem(domain: string): string | undefined {
  return DOMAIN.test(domain)
    ? undefined
    : `domain "${domain}" must be 1-128 letters, digits, '.', '_' or '-' (starting with a letter or digit)`;
}

export function versionProblem(version: string): string | undefined {
  return SEMVER.test(version) ? undefined : `version "${version}" must be a semantic version like 1.0.0`;
}

export function productId(domain: string, name: string): string {
  return `${domain}.${name}`;
}

/** A new product as onboarding or POST /products makes it: a draft with the default tiers and policy. */
export function draftProduct(domain: string, name: string, time: string): DataProduct {
  return {
    id: productId(domain, name),
    domain,
    name,
    status: 'draft',
    slaTier: 'tier-3',
    quality: 'raw',
    tags: [],
    version: '1.0.0',
    outputPorts: [],
    inputPorts: [],
    consumers: [],
    sources: [],
    captured: {},
    classifications: [],
    policy: { ...DEFAULT_POLICY },
    created: time,
    updated: time,
  };
}

/** The major of a semantic version ("2.1.0" -> 2). */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]) || 0;
}
