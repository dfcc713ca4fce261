import { KeyedLock } from '../host/keyed-lock.ts';
import type { Logger } from '../plugin/index.ts';
import { errorMessage, OnrampError } from '../plugin/index.ts';
import type { CatalogStore } from '../stores/catalog-store.ts';
import type { StoredConnector } from '../stores/stores.ts';
import type { ConnectorFacts, ConnectorView } from './connector-view.ts';
import { mergeClassifications, suggestClassifications } from './personal-data.ts';
import {
  type CapturedSource,
  type Classification,
  type DataProduct,
  DEFAULT_POLICY,
  type Domain,
  domainNameProblem,
  type InputPort,
  type OutputPort,
  type ProductPolicy,
  type ProductStatus,
  productId,
  productNameProblem,
  type QualityTier,
  type SinkConsumer,
  type SlaTier,
  versionProblem,
} from './product-model.ts';

// The data-product catalog. Onboarding feeds it: a source connector with product.domain and
// product.name makes (or joins) that product as a draft, and once its plugin described the captured
// tables, their topics are the product's output ports and the tables its input ports; a sink
// reading a product's topics is its consumer, and a sink with product.* keys makes the consuming
// domain's product with the upstream products as inputs. People add the rest over REST: owner,
// tiers, tags, classification decisions, publish and deprecate. Products for topics Onramp does not
// produce are created over REST with their topics as ports.
//
// The catalog learns about connectors from the host's config and topic stores (see
// connector-observer.ts), so the host itself knows nothing about products. Every change to the
// catalog is serialized on one lock and written through the store.

export interface CatalogOptions {
  store: CatalogStore;
  view: ConnectorView;
  log: Logger;
  now?: () => Date;
  /** Governance run before a product is published (registry compatibility); a failure stops it. */
  beforePublish?: (product: DataProduct) => Promise<void>;
}

export interface ProductFilter {
  q?: string;
  domain?: string;
  tag?: string;
  status?: string;
}

/** POST /products: a product for topics, with or without connectors behind them. */
export interface ProductInput {
  domain: string;
  name: string;
  owner?: string;
  description?: string;
  slaTier?: SlaTier;
  quality?: QualityTier;
  tags?: string[];
  version?: string;
  outputPorts?: Array<{ topic: string; format?: string; keyColumns?: string[] }>;
  policy?: Partial<ProductPolicy>;
}

/** PATCH /products/{id}: what people decide. */
export interface ProductPatch {
  owner?: string;
  description?: string;
  slaTier?: SlaTier;
  quality?: QualityTier;
  tags?: string[];
  version?: string;
  policy?: Partial<ProductPolicy>;
  classifications?: Array<
    Pick<Classification, 'column' | 'state'> & Partial<Pick<Classification, 'treatment'>>
  >;
  outputPorts?: ProductInput['outputPorts'];
}

const CATALOG_LOCK = 'catalog';

export class ProductCatalog {
  private readonly store: CatalogStore;
  private readonly view: ConnectorView;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly beforePublish: CatalogOptions['beforePublish'];
  private readonly connectors = new Map<string, { config: Record<string, string>; facts: ConnectorFacts }>();
  private readonly lock = new KeyedLock();
  private readonly describing = new Map<string, Promise<void>>();
  private readonly redescribe = new Set<string>();
  private pending = new Set<Promise<unknown>>();
  private changes = 0;

  constructor(options: CatalogOptions) {
    this.store = options.store;
    this.view = options.view;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.beforePublish = options.beforePublish;
  }

  /** Grows with every change to the catalog (the product stage rebuilds its plans on change). */
  get revision(): number {
    return this.changes;
  }

  // --- the seam: what the host's stores report

  /** Loads every stored connector: products of connectors that are gone lose them, the rest are described again. */
  async start(stored: readonly StoredConnector[]): Promise<void> {
    for (const connector of stored) this.remember(connector);
    await this.exclusive(async () => {
      for (const product of this.store.list()) {
        const kept = product.sources.filter((name) => this.connectors.has(name));
        if (kept.length !== product.sources.length) {
          const next = { ...product, sources: kept, captured: pick(product.captured, kept) };
          await this.save(product, next);
        }
      }
      for (const connector of stored) await this.onboard(connector.name);
      await this.relink();
    });
    for (const connector of stored) this.scheduleDescribe(connector.name);
  }

  /** A connector config was stored (created, reconfigured, or its target state changed). */
  connectorStored(connector: StoredConnector): void {
    const before = this.connectors.get(connector.name);
    this.remember(connector);
    if (before && sameConfig(before.config, connector.config)) return;
    this.track(
      this.exclusive(async () => {
        await this.onboard(connector.name);
        await this.relink();
      }).then(() => this.scheduleDescribe(connector.name)),
    );
  }

  connectorDeleted(name: string): void {
    this.connectors.delete(name);
    this.track(
      this.exclusive(async () => {
        for (const product of this.store.list()) {
          if (!product.sources.includes(name)) continue;
          await this.save(product, {
            ...product,
            sources: product.sources.filter((source) => source !== name),
            captured: pick(
              product.captured,
              product.sources.filter((source) => source !== name),
            ),
          });
        }
        await this.relink();
      }),
    );
  }

  /** A task wrote (source) or read (sink) these topics: a new table's topic means describing again. */
  topicsRecorded(name: string, topics: readonly string[]): void {
    const connector = this.connectors.get(name);
    if (connector?.facts.kind !== 'source') return;
    const product = this.productOfSource(name);
    if (!product) return;
    const known = new Set(product.outputPorts.map((port) => port.topic));
    const prefix = connector.config['topic.prefix'];
    // Only table topics (<prefix>.<namespace>.<table>), not heartbeats or transaction markers.
    const fresh = topics.some(
      (topic) =>
        !known.has(topic) &&
        prefix !== undefined &&
        topic.startsWith(`${prefix}.`) &&
        topic.split('.').length >= 3,
    );
    if (fresh) this.scheduleDescribe(name);
  }

  /** Resolves once every change reported so far is in the catalog (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.store.flush();
  }

  // --- reads

  list(filter: ProductFilter = {}): DataProduct[] {
    const q = filter.q?.trim().toLowerCase();
    return this.store.list().filter((product) => {
      if (filter.domain && product.domain !== filter.domain) return false;
      if (filter.status && product.status !== filter.status) return false;
      if (filter.tag && !product.tags.includes(filter.tag)) return false;
      if (q) {
        const text = [
          product.id,
          product.description ?? '',
          product.owner ?? '',
          ...product.tags,
          ...product.outputPorts.map((port) => port.topic),
          ...Object.values(product.captured).flatMap((source) =>
            source.tables.flatMap((table) => [table.name, table.comment ?? '']),
          ),
        ]
          .join('\n')
          .toLowerCase();
        if (!text.includes(q)) return false;
      }
      return true;
    });
  }

  get(id: string): DataProduct {
    const product = this.store.get(id);
    if (!product) throw new OnrampError('PRODUCT_NOT_FOUND', `Data product ${id} not found`);
    return product;
  }

  /** The domain a product belongs to, for the access policy; undefined when there is no such product. */
  domainOf(id: string): string | undefined {
    return this.store.get(id)?.domain;
  }

  domains(): Domain[] {
    const domains = new Map<string, Domain>();
    const domain = (name: string): Domain => {
      let entry = domains.get(name);
      if (!entry) {
        entry = { name, products: [], owners: [], connectors: [] };
        domains.set(name, entry);
      }
      return entry;
    };
    for (const product of this.store.list()) {
      const entry = domain(product.domain);
      entry.products.push(product.id);
      if (product.owner && !entry.owners.includes(product.owner)) entry.owners.push(product.owner);
    }
    for (const { facts } of this.connectors.values())
      if (facts.domain) domain(facts.domain).connectors.push(facts.name);
    return [...domains.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Every connector's facts (for lineage). */
  connectorFacts(): ConnectorFacts[] {
    return [...this.connectors.values()].map((entry) => entry.facts);
  }

  connectorConfig(name: string): Readonly<Record<string, string>> | undefined {
    return this.connectors.get(name)?.config;
  }

  /** The product a source connector feeds, if any. */
  productOfSource(connector: string): DataProduct | undefined {
    return this.store.list().find((product) => product.sources.includes(connector));
  }

  // --- writes (REST)

  async create(input: ProductInput): Promise<DataProduct> {
    checkName(input.domain, input.name);
    return this.exclusive(async () => {
      const id = productId(input.domain, input.name);
      if (this.store.get(id)) throw new OnrampError('PRODUCT_EXISTS', `Data product ${id} already exists`);
      const product = this.draft(input.domain, input.name);
      const next = applyPatch({ ...product, outputPorts: [] }, input);
      await this.save(undefined, next);
      await this.relink();
      return this.get(id);
    });
  }

  async update(id: string, patch: ProductPatch): Promise<DataProduct> {
    return this.exclusive(async () => {
      const product = this.get(id);
      await this.save(product, applyPatch(product, patch));
      await this.relink();
      return this.get(id);
    });
  }

  async publish(id: string): Promise<DataProduct> {
    return this.exclusive(async () => {
      const product = this.get(id);
      const problems = publishProblems(product);
      if (problems.length > 0)
        throw new OnrampError(
          'PRODUCT_NOT_READY',
          `Data product ${id} cannot be published: ${problems.join('; ')}`,
        );
      await this.beforePublish?.(product);
      const next: DataProduct = { ...product, status: 'published', publishedAt: this.now().toISOString() };
      delete next.deprecatedAt;
      await this.save(product, next);
      return this.get(id);
    });
  }

  async deprecate(id: string): Promise<DataProduct> {
    return this.exclusive(async () => {
      const product = this.get(id);
      await this.save(product, { ...product, status: 'deprecated', deprecatedAt: this.now().toISOString() });
      return this.get(id);
    });
  }

  async remove(id: string): Promise<void> {
    await this.exclusive(async () => {
      const product = this.get(id);
      const feeding = [
        ...product.sources,
        ...this.connectorFacts()
          .filter((facts) => facts.domain === product.domain && facts.product === product.name)
          .map((facts) => facts.name),
      ];
      if (feeding.length > 0) {
        throw new OnrampError(
          'PRODUCT_NOT_READY',
          `Data product ${id} is still made by connector(s) ${[...new Set(feeding)].join(', ')}: delete them or remove their product.domain/product.name first`,
        );
      }
      await this.store.delete(id);
      this.changes++;
    });
  }

  /** Describes the product's source tables again now (GET /contract wants the database as it is). */
  async refresh(id: string): Promise<DataProduct> {
    const product = this.get(id);
    await Promise.all(product.sources.map((source) => this.describeNow(source)));
    return this.get(id);
  }

  // --- internals

  private remember(connector: StoredConnector): void {
    this.connectors.set(connector.name, {
      config: { ...connector.config },
      facts: this.view.facts(connector.name, connector.config),
    });
  }

  private draft(domain: string, name: string): DataProduct {
    const time = this.now().toISOString();
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

  /** Puts a source connector into the product its product.* keys name (and out of any other). */
  private async onboard(name: string): Promise<void> {
    const entry = this.connectors.get(name);
    if (!entry) return;
    const { facts } = entry;
    const wanted =
      facts.domain && facts.product && !domainNameProblem(facts.domain) && !productNameProblem(facts.product)
        ? productId(facts.domain, facts.product)
        : undefined;
    for (const product of this.store.list()) {
      if (product.id !== wanted && product.sources.includes(name)) {
        await this.save(product, {
          ...product,
          sources: product.sources.filter((source) => source !== name),
          captured: pick(
            product.captured,
            product.sources.filter((source) => source !== name),
          ),
        });
      }
    }
    if (!wanted || !facts.domain || !facts.product) return;
    if (facts.kind !== 'source' && facts.kind !== 'sink') return;
    const existing = this.store.get(wanted);
    const product = existing ?? this.draft(facts.domain, facts.product);
    const next: DataProduct = {
      ...product,
      ...(product.owner === undefined && facts.owner !== undefined && { owner: facts.owner }),
      ...(product.description === undefined &&
        facts.description !== undefined && { description: facts.description }),
      sources:
        facts.kind === 'source' && !product.sources.includes(name)
          ? [...product.sources, name]
          : product.sources,
    };
    await this.save(existing, next);
    if (!existing) this.log.info({ product: wanted, connector: name }, 'data product drafted by onboarding');
  }

  private scheduleDescribe(name: string): void {
    if (this.connectors.get(name)?.facts.kind !== 'source') return;
    if (this.describing.has(name)) {
      this.redescribe.add(name);
      return;
    }
    this.track(this.describeNow(name));
  }

  /** Describes a source connector's tables and updates its product (one description at a time). */
  private describeNow(name: string): Promise<void> {
    const running = this.describing.get(name);
    if (running) {
      this.redescribe.add(name);
      return running;
    }
    const work = (async () => {
      do {
        this.redescribe.delete(name);
        await this.describeOnce(name);
      } while (this.redescribe.has(name));
    })().finally(() => this.describing.delete(name));
    this.describing.set(name, work);
    return work;
  }

  private async describeOnce(name: string): Promise<void> {
    const entry = this.connectors.get(name);
    if (!entry || !this.productOfSource(name)) return;
    let captured: CapturedSource;
    const describedAt = this.now().toISOString();
    try {
      const description = await this.view.describe(entry.config);
      if (!description) return;
      captured = { ...description, describedAt };
    } catch (error) {
      this.log.warn({ connector: name, err: error }, 'cannot describe the captured tables for the catalog');
      const previous = this.productOfSource(name)?.captured[name];
      captured = previous
        ? { ...previous, error: errorMessage(error) }
        : {
            databaseType: 'postgresql',
            host: '',
            port: 0,
            database: '',
            tables: [],
            describedAt,
            error: errorMessage(error),
          };
    }
    await this.exclusive(async () => {
      if (this.connectors.get(name) !== entry) return; // reconfigured or deleted meanwhile
      const product = this.productOfSource(name);
      if (!product) return;
      const classifications = mergeClassifications(
        product.classifications,
        suggestClassifications(captured.tables),
      );
      await this.save(product, {
        ...product,
        captured: { ...product.captured, [name]: captured },
        classifications,
      });
      await this.relink();
    });
  }

  /**
   * Recomputes what depends on more than one connector: output and input ports from the captured
   * tables, consumers (sinks reading a product's topics), and sink products' upstream inputs.
   */
  private async relink(): Promise<void> {
    const products = this.store.list();
    const sinks = [...this.connectors.values()]
      .map((entry) => entry.facts)
      .filter((facts) => facts.kind === 'sink');
    const reads = (sink: ConnectorFacts, topic: string) =>
      sink.topics.includes(topic) || (sink.topicsRegex?.test(topic) ?? false);
    const withPorts = products.map((product) => ({ product, outputPorts: this.outputPorts(product) }));
    for (const { product, outputPorts } of withPorts) {
      const topics = outputPorts.map((port) => port.topic);
      const consumers: SinkConsumer[] = sinks
        .filter((sink) => topics.some((topic) => reads(sink, topic)))
        .map((sink) => ({
          connector: sink.name,
          group: sink.group ?? `connect-${sink.name}`,
          topics: topics.filter((topic) => reads(sink, topic)),
          ...(sink.domain && { domain: sink.domain }),
          ...(sink.product && { product: sink.product }),
        }));
      const inputPorts: InputPort[] = [];
      for (const source of product.sources) {
        const captured = product.captured[source];
        for (const table of captured?.tables ?? []) {
          inputPorts.push({
            kind: 'table',
            connector: source,
            databaseType: captured?.databaseType ?? 'unknown',
            database: captured?.database ?? '',
            table: `${table.namespace}.${table.name}`,
          });
        }
      }
      for (const sink of sinks) {
        if (sink.domain !== product.domain || sink.product !== product.name) continue;
        for (const upstream of withPorts) {
          if (upstream.product.id === product.id) continue;
          const read = upstream.outputPorts.map((port) => port.topic).filter((topic) => reads(sink, topic));
          if (read.length > 0)
            inputPorts.push({
              kind: 'product',
              connector: sink.name,
              product: upstream.product.id,
              topics: read,
            });
        }
      }
      await this.save(product, { ...product, outputPorts, inputPorts, consumers });
    }
  }

  /** Ports of the captured tables' topics, plus ports added over REST for topics no connector writes. */
  private outputPorts(product: DataProduct): OutputPort[] {
    const ports: OutputPort[] = [];
    for (const source of product.sources) {
      const format = this.connectors.get(source)?.facts.format ?? 'avro';
      for (const table of product.captured[source]?.tables ?? []) {
        ports.push({
          topic: table.topic,
          keySubject: `${table.topic}-key`,
          valueSubject: `${table.topic}-value`,
          format,
          connector: source,
          table: `${table.namespace}.${table.name}`,
          keyColumns: table.columns
            .filter((column) => column.primaryKeyPosition !== undefined)
            .sort((a, b) => (a.primaryKeyPosition ?? 0) - (b.primaryKeyPosition ?? 0))
            .map((column) => column.name),
        });
      }
    }
    const produced = new Set(ports.map((port) => port.topic));
    for (const port of product.outputPorts)
      if (port.connector === undefined && !produced.has(port.topic)) ports.push(port);
    return ports;
  }

  /** Writes `next` when it differs from `before` (undefined: a new product). */
  private async save(before: DataProduct | undefined, next: DataProduct): Promise<void> {
    const { updated: _a, ...a } = before ?? ({} as Partial<DataProduct>);
    const { updated: _b, ...b } = next;
    if (before && JSON.stringify(a) === JSON.stringify(b)) return;
    await this.store.put({ ...next, updated: this.now().toISOString() });
    this.changes++;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(CATALOG_LOCK, work);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.log.error({ err: error }, 'catalog update failed'));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}

function checkName(domain: string, name: string): void {
  const problem = domainNameProblem(domain) ?? productNameProblem(name);
  if (problem) throw new OnrampError('PRODUCT_INVALID', problem);
}

function pick(
  captured: Record<string, CapturedSource>,
  keep: readonly string[],
): Record<string, CapturedSource> {
  return Object.fromEntries(Object.entries(captured).filter(([name]) => keep.includes(name)));
}

function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function applyPatch(product: DataProduct, patch: ProductPatch): DataProduct {
  const next: DataProduct = { ...product };
  if (patch.owner !== undefined) next.owner = patch.owner;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.slaTier !== undefined) next.slaTier = patch.slaTier;
  if (patch.quality !== undefined) next.quality = patch.quality;
  if (patch.tags !== undefined) next.tags = [...new Set(patch.tags)];
  if (patch.version !== undefined) {
    const problem = versionProblem(patch.version);
    if (problem) throw new OnrampError('PRODUCT_INVALID', problem);
    next.version = patch.version;
  }
  if (patch.policy !== undefined) next.policy = { ...product.policy, ...patch.policy };
  if (patch.classifications !== undefined) {
    const decisions = new Map(patch.classifications.map((decision) => [decision.column, decision]));
    const known = new Set(product.classifications.map((entry) => entry.column));
    const unknown = [...decisions.keys()].filter((column) => !known.has(column));
    if (unknown.length > 0)
      throw new OnrampError(
        'PRODUCT_INVALID',
        `No classification suggestion for ${unknown.join(', ')} in ${product.id} (known: ${[...known].join(', ') || 'none'})`,
      );
    next.classifications = product.classifications.map((entry) => {
      const decision = decisions.get(entry.column);
      if (!decision) return entry;
      const decided: Classification = { ...entry, state: decision.state };
      if (decision.treatment !== undefined) decided.treatment = decision.treatment;
      return decided;
    });
  }
  if (patch.outputPorts !== undefined) {
    const owned = product.outputPorts.filter((port) => port.connector !== undefined);
    const ownedTopics = new Set(owned.map((port) => port.topic));
    next.outputPorts = [
      ...owned,
      ...patch.outputPorts
        .filter((port) => !ownedTopics.has(port.topic))
        .map((port) => ({
          topic: port.topic,
          keySubject: `${port.topic}-key`,
          valueSubject: `${port.topic}-value`,
          format: port.format ?? 'avro',
          keyColumns: port.keyColumns ?? [],
        })),
    ];
  }
  return next;
}

/** What stands between a product and publication. */
export function publishProblems(product: DataProduct): string[] {
  const problems: string[] = [];
  const status: ProductStatus = product.status;
  if (status === 'deprecated') problems.push('it is deprecated');
  if (!product.owner) problems.push('it has no owner');
  if (!product.description) problems.push('it has no description');
  if (product.outputPorts.length === 0) problems.push('it has no output ports yet');
  const open = product.classifications.filter((entry) => entry.state === 'suggested');
  if (open.length > 0)
    problems.push(
      `personal-data suggestions are not confirmed or rejected: ${open.map((entry) => `${entry.column} (${entry.category})`).join(', ')}`,
    );
  return problems;
}
