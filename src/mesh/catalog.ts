import { KeyedLock } from '../host/keyed-lock.ts';
import type { Logger } from '../plugin/index.ts';
import { errorMessage, OnrampError } from '../plugin/index.ts';
import type { CatalogStore, SchemaVersionRequest } from '../stores/catalog-store.ts';
import type { StoredConnector } from '../stores/stores.ts';
import type { ConnectorFacts, ConnectorView } from './connector-view.ts';
import { mergeClassifications, suggestClassifications } from './personal-data.ts';
import {
  applyPatch,
  checkName,
  matchesFilter,
  type ProductFilter,
  type ProductInput,
  type ProductPatch,
  publishProblems,
  treatmentProblems,
} from './product-edits.ts';
import { linkProducts } from './product-links.ts';
import {
  type CapturedSource,
  type DataProduct,
  type Domain,
  type DomainInfo,
  domainNameProblem,
  draftProduct,
  majorOf,
  productId,
  productNameProblem,
  type SchemaVersion,
} from './product-model.ts';

export type { ProductFilter, ProductInput, ProductPatch } from './product-edits.ts';

/** PATCH /domains/{name}: an empty string clears a text. */
export interface DomainPatch {
  description?: string;
  contact?: string;
  owners?: string[];
}

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
  /** The first schema version of each table topic when a product is published (schema-guard.ts). */
  firstSchemaVersions?: (product: DataProduct) => Record<string, SchemaVersion[]>;
  /** Governance of a new major version's topic (its subjects' compatibility), once it is recorded. */
  onNewMajorVersion?: (product: DataProduct, topic: string) => Promise<void>;
  /**
   * Cluster mode: whether this worker makes the catalog's automatic updates (onboarding, table
   * descriptions, ports and consumers), true on the leader only; a follower reads the catalog others
   * write. Without it (one host) this catalog makes them.
   */
  automatic?: () => boolean;
}

const CATALOG_LOCK = 'catalog';

export class ProductCatalog {
  private readonly store: CatalogStore;
  private readonly view: ConnectorView;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly beforePublish: CatalogOptions['beforePublish'];
  private readonly firstSchemaVersions: CatalogOptions['firstSchemaVersions'];
  private readonly onNewMajorVersion: CatalogOptions['onNewMajorVersion'];
  private readonly automatic: () => boolean;
  private started = false;
  private readonly connectors = new Map<string, { config: Record<string, string>; facts: ConnectorFacts }>();
  private readonly lock = new KeyedLock();
  private readonly describing = new Map<string, Promise<void>>();
  private readonly redescribe = new Set<string>();
  private pending = new Set<Promise<unknown>>();
  private changes = 0;
  /**
   * Cluster mode: whether this worker may have missed automatic updates since it last caught up as
   * the leader: it skipped one because it did not lead at that instant (a follower skips them all; a
   * leader skips them while a rebalance has the lead elsewhere), or it has not led yet. lead() then
   * catches up.
   */
  private behind = true;

  constructor(options: CatalogOptions) {
    this.store = options.store;
    this.view = options.view;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.beforePublish = options.beforePublish;
    this.firstSchemaVersions = options.firstSchemaVersions;
    this.onNewMajorVersion = options.onNewMajorVersion;
    this.automatic = options.automatic ?? (() => true);
    // Cluster mode: schema versions that followers' source tasks met, recorded by the leader.
    this.store.onSchemaVersionRequest?.((request) => {
      if (this.started && this.leads()) this.track(this.exclusive(() => this.recordRequest(request)));
    });
  }

  /** Grows with every change to the catalog (the product stage rebuilds its plans on change). */
  get revision(): number {
    return this.changes + (this.store.revision?.() ?? 0);
  }

  // --- the seam: what the host's stores report

  /** Loads every stored connector: products of connectors that are gone lose them, the rest are described again. */
  async start(stored: readonly StoredConnector[]): Promise<void> {
    for (const connector of stored) this.remember(connector);
    this.started = true;
    await this.reconcile();
  }

  /**
   * Cluster mode: called after every rebalance this worker completed. A leader makes the automatic
   * updates from now on; when it may have missed some (it followed until now, or skipped one while a
   * rebalance had the lead elsewhere for a moment), it reads the catalog topic to its end and
   * onboards, relinks and describes every connector again. That is how the catalog converges when
   * the lead moves: the previous leader drops the table descriptions it finishes after losing the
   * lead, and a follower ignored the changes it heard of (a new table's topic, a config echo), so
   * without this a product could keep no ports and no suggestions until its connector changed again.
   * A leader that missed nothing does nothing; a follower only notes that it will be behind.
   */
  async lead(): Promise<void> {
    if (!this.started || !this.leads() || !this.behind) return;
    this.behind = false;
    try {
      await this.store.catchUp?.();
      await this.reconcile();
    } catch (error) {
      this.behind = true;
      throw error;
    }
  }

  // Cluster mode: only the leader writes automatic updates. Were every worker to make them, one
  // landing moments after a REST change (made on the leader) would carry the product as that worker
  // saw it before the change, and the log's last record, the change undone, is what every worker keeps.

  private async reconcile(): Promise<void> {
    if (!this.leads()) return;
    const stored = [...this.connectors.keys()];
    await this.exclusive(async () => {
      for (const product of this.store.list()) {
        const kept = product.sources.filter((name) => this.connectors.has(name));
        if (kept.length !== product.sources.length) {
          const next = { ...product, sources: kept, captured: pick(product.captured, kept) };
          await this.save(product, next);
        }
      }
      for (const name of stored) await this.onboard(name);
      await this.relink();
      for (const request of this.store.schemaVersionRequests?.() ?? []) await this.recordRequest(request);
    });
    for (const name of stored) this.scheduleDescribe(name);
  }

  /** A connector config was stored (created, reconfigured, or its target state changed). */
  connectorStored(connector: StoredConnector): void {
    const before = this.connectors.get(connector.name);
    this.remember(connector);
    if (before && sameConfig(before.config, connector.config)) return;
    if (!this.leads()) return;
    this.track(
      this.exclusive(async () => {
        await this.onboard(connector.name);
        await this.relink();
      }).then(() => this.scheduleDescribe(connector.name)),
    );
  }

  connectorDeleted(name: string): void {
    this.connectors.delete(name);
    if (!this.leads()) return;
    this.track(
      this.exclusive(async () => {
        for (const product of this.store.list()) {
          if (!product.sources.includes(name)) continue;
          await this.save(product, withoutSource(product, name));
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
    return this.store.list().filter((product) => matchesFilter(product, filter));
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
    for (const info of this.store.domains()) {
      const entry = domain(info.name);
      if (info.description !== undefined) entry.description = info.description;
      if (info.contact !== undefined) entry.contact = info.contact;
      entry.owners.push(...info.owners);
    }
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

  /** One domain, as GET /domains lists it. */
  domain(name: string): Domain {
    const found = this.domains().find((entry) => entry.name === name);
    if (!found) throw new OnrampError('DOMAIN_NOT_FOUND', `Domain ${name} not found`);
    return found;
  }

  // --- writes (REST)

  /** PATCH /domains/{name}: what the domain's team says about itself (a domain may have no product yet). */
  async updateDomain(name: string, patch: DomainPatch): Promise<Domain> {
    const problem = domainNameProblem(name);
    if (problem) throw new OnrampError('PRODUCT_INVALID', problem);
    return this.exclusive(async () => {
      const stored = this.store.domains().find((entry) => entry.name === name);
      const next: DomainInfo = {
        name,
        owners: patch.owners !== undefined ? [...new Set(patch.owners)] : (stored?.owners ?? []),
        updated: this.now().toISOString(),
      };
      const description = patch.description ?? stored?.description;
      const contact = patch.contact ?? stored?.contact;
      if (description !== undefined && description !== '') next.description = description;
      if (contact !== undefined && contact !== '') next.contact = contact;
      await this.store.putDomain(next);
      this.changes++;
      return this.domain(name);
    });
  }

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
      const next = applyPatch(product, patch);
      const problems = next.status === 'published' ? treatmentProblems(next) : [];
      if (problems.length > 0)
        throw new OnrampError('PRODUCT_INVALID', `Data product ${id}: ${problems.join('; ')}`);
      await this.save(product, next);
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
      const next: DataProduct = {
        ...product,
        status: 'published',
        publishedAt: this.now().toISOString(),
        // What its consumers are promised from now on; versions already recorded stay.
        schemaVersions: { ...this.firstSchemaVersions?.(product), ...product.schemaVersions },
      };
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

  /**
   * The schema guard decided a table topic's versions (a compatible change, or a new major version
   * after a breaking one): stored, the product's version follows the highest major, and a new major
   * topic becomes an output port with the product's registry compatibility.
   */
  recordSchemaVersions(id: string, topic: string, versions: SchemaVersion[]): void {
    // A follower asks the leader (whose catalog alone writes products), through the store.
    if (!this.automatic() && this.store.requestSchemaVersions) {
      this.track(this.store.requestSchemaVersions({ product: id, topic, versions }));
      return;
    }
    this.track(this.exclusive(() => this.writeSchemaVersions(id, topic, versions)));
  }

  /** The leader records a follower's request, then clears it. */
  private async recordRequest(request: SchemaVersionRequest): Promise<void> {
    if (!this.leads()) return;
    await this.writeSchemaVersions(request.product, request.topic, request.versions);
    await this.store.clearSchemaVersionRequest?.(request);
  }

  private async writeSchemaVersions(id: string, topic: string, versions: SchemaVersion[]): Promise<void> {
    const product = this.store.get(id);
    if (!product) return;
    const known = new Set((product.schemaVersions?.[topic] ?? []).map((version) => version.topic));
    const schemaVersions = { ...product.schemaVersions, [topic]: versions };
    const major = Math.max(
      majorOf(product.version),
      ...Object.values(schemaVersions).flatMap((list) => list.map((version) => version.major)),
    );
    const version = major > majorOf(product.version) ? `${major}.0.0` : product.version;
    await this.save(product, { ...product, schemaVersions, version });
    await this.relink();
    // A compatible change may have added columns: described again, they get their suggestions.
    for (const source of product.sources) this.scheduleDescribe(source);
    for (const added of versions.filter((entry) => !known.has(entry.topic) && entry.major > 1))
      await this.onNewMajorVersion?.(this.get(id), added.topic);
  }

  /**
   * A source connector's events show a column its product's catalog entry does not know yet (a
   * compatible database change, or one that looks like personal data): its tables are described
   * again soon, so the column gets its suggestion. Only where automatic updates are made.
   */
  describeSoon(connector: string): void {
    this.scheduleDescribe(connector);
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
    return draftProduct(domain, name, this.now().toISOString());
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
        await this.save(product, withoutSource(product, name));
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
    if (this.connectors.get(name)?.facts.kind !== 'source' || !this.leads()) return;
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
    if (!entry || !this.leads() || !this.productOfSource(name)) return;
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
      // Reconfigured (described again: see connectorStored) or deleted meanwhile: dropped. The same
      // config stored again (the config topic's echo of the leader's own write, new task configs)
      // keeps it: connectorStored takes that as no change and describes nothing again, so dropping
      // the description for a new entry object left the product without ports and suggestions.
      const current = this.connectors.get(name);
      if (!current || !sameConfig(current.config, entry.config) || !this.leads()) return;
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

  /** Recomputes what depends on more than one connector: ports and consumers (product-links.ts). */
  private async relink(): Promise<void> {
    const products = this.store.list();
    const links = linkProducts(products, this.connectorFacts());
    for (const product of products) {
      const linked = links.get(product.id);
      if (linked) await this.save(product, { ...product, ...linked });
    }
  }

  /** Writes `next` when it differs from `before` (undefined: a new product). */
  private async save(before: DataProduct | undefined, next: DataProduct): Promise<void> {
    const { updated: _a, ...a } = before ?? ({} as Partial<DataProduct>);
    const { updated: _b, ...b } = next;
    if (before && JSON.stringify(a) === JSON.stringify(b)) return;
    await this.store.put({ ...next, updated: this.now().toISOString() });
    this.changes++;
  }

  /** Whether this worker makes the automatic updates now; when it does not, it is behind (see lead()). */
  private leads(): boolean {
    if (this.automatic()) return true;
    this.behind = true;
    return false;
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

/** The product without a source connector it no longer has (and what that connector captured). */
function withoutSource(product: DataProduct, name: string): DataProduct {
  const sources = product.sources.filter((source) => source !== name);
  return { ...product, sources, captured: pick(product.captured, sources) };
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
