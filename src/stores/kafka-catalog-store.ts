import type { LogRecord, LogTopicSpec, TopicLog } from '../cluster/topic-log.ts';
import type { DataProduct, DomainInfo, SchemaVersion } from '../mesh/product-model.ts';
import type { CatalogStore, SchemaVersionRequest } from './catalog-store.ts';

// The data-product catalog's store in cluster mode: one compacted topic beside Kafka Connect's
// config topic (`<config.storage.topic>-products`, same replication and topic settings), one record
// per product keyed by its id, a tombstone when it is deleted, and one per domain that said something
// about itself keyed `domain:<name>` (product ids have no ':'). Every worker reads it from its
// beginning at start and follows it, so a product written through any worker (publish, owner
// decisions, onboarding) is in every worker's catalog, and a worker's source tasks apply a product
// published elsewhere (the catalog's revision follows this store's).
//
// Writes are applied to this worker's view at once (read your own writes) and resolve once Kafka
// acknowledged them; records from the topic then apply in log order, so every worker ends with the
// log's last record per product. REST writes to products go to the leader (cluster-forwarding.ts),
// and so do the catalog's automatic updates (onboarding, table descriptions, ports and consumers:
// only the leader's catalog makes them, see ProductCatalog.lead), so those never carry a product
// as a worker saw it before a person's change. Schema versions met by a follower's source task
// (SchemaGuard) are written as a request keyed `versions:<product>:<topic>` (topics have no ':'),
// which the leader records into the product and then clears with a tombstone.

const FORMAT = 1;
const DOMAIN_KEY = 'domain:';
const VERSIONS_KEY = 'versions:';

export function catalogTopicSpec(configTopic: LogTopicSpec): LogTopicSpec {
  return { ...configTopic, name: `${configTopic.name}-products`, partitions: 1 };
}

export interface KafkaCatalogStoreOptions {
  log: TopicLog;
  /** A record that is not a product document (another writer's format): skipped, and said why. */
  onSkipped?: (key: string, reason: string) => void;
}

export class KafkaCatalogStore implements CatalogStore {
  private readonly log: TopicLog;
  private readonly onSkipped: KafkaCatalogStoreOptions['onSkipped'];
  private readonly products = new Map<string, DataProduct>();
  private readonly domainInfos = new Map<string, DomainInfo>();
  private readonly requests = new Map<string, SchemaVersionRequest>();
  private readonly requestListeners: Array<(request: SchemaVersionRequest) => void> = [];
  private sends = new Set<Promise<void>>();
  private changes = 0;

  constructor(options: KafkaCatalogStoreOptions) {
    this.log = options.log;
    this.onSkipped = options.onSkipped;
  }

  /** Creates the topic when missing and reads it to its end. */
  async start(): Promise<void> {
    await this.log.start((record) => this.apply(record));
  }

  /** Resolves once every record in the topic now is in this view (tests). */
  readToEnd(timeoutMs?: number): Promise<void> {
    return this.log.readToEnd(timeoutMs);
  }

  requestSchemaVersions(request: SchemaVersionRequest): Promise<void> {
    const copy = structuredClone(request);
    const key = `${VERSIONS_KEY}${copy.product}:${copy.topic}`;
    return this.send(key, Buffer.from(JSON.stringify({ format: FORMAT, request: copy })));
  }

  schemaVersionRequests(): SchemaVersionRequest[] {
    return [...this.requests.values()];
  }

  clearSchemaVersionRequest(request: SchemaVersionRequest): Promise<void> {
    const key = `${VERSIONS_KEY}${request.product}:${request.topic}`;
    if (this.requests.get(key) === request) this.requests.delete(key);
    return this.send(key, null);
  }

  onSchemaVersionRequest(listener: (request: SchemaVersionRequest) => void): void {
    this.requestListeners.push(listener);
  }

  catchUp(): Promise<void> {
    return this.log.readToEnd();
  }

  revision(): number {
    return this.changes;
  }

  list(): DataProduct[] {
    return [...this.products.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): DataProduct | undefined {
    return this.products.get(id);
  }

  put(product: DataProduct): Promise<void> {
    const copy = structuredClone(product);
    this.products.set(copy.id, copy);
    this.changes++;
    return this.send(copy.id, Buffer.from(JSON.stringify({ format: FORMAT, product: copy })));
  }

  domains(): DomainInfo[] {
    return [...this.domainInfos.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  putDomain(domain: DomainInfo): Promise<void> {
    const copy = structuredClone(domain);
    this.domainInfos.set(copy.name, copy);
    this.changes++;
    const key = `${DOMAIN_KEY}${copy.name}`;
    return this.send(key, Buffer.from(JSON.stringify({ format: FORMAT, domain: copy })));
  }

  delete(id: string): Promise<void> {
    if (this.products.delete(id)) this.changes++;
    return this.send(id, null);
  }

  async flush(): Promise<void> {
    while (this.sends.size > 0) await Promise.allSettled([...this.sends]);
  }

  stop(): Promise<void> {
    return this.log.stop();
  }

  private send(id: string, value: Buffer | null): Promise<void> {
    const sent = this.log.send([{ key: Buffer.from(id, 'utf8'), value }]);
    this.sends.add(sent);
    void sent.then(
      () => this.sends.delete(sent),
      () => this.sends.delete(sent),
    );
    return sent;
  }

  private apply(record: LogRecord): void {
    const id = record.key?.toString('utf8') ?? '';
    const problem = this.applyProblem(id, record.value);
    if (problem !== undefined) this.onSkipped?.(id, problem);
  }

  /** Applies one record to the view; why it cannot, when it cannot. */
  private applyProblem(id: string, value: Buffer | null): string | undefined {
    if (id === '') return 'a record without a key';
    if (id.startsWith(DOMAIN_KEY)) return this.applyDomain(id.slice(DOMAIN_KEY.length), value);
    if (id.startsWith(VERSIONS_KEY)) return this.applyRequest(id, value);
    if (value === null) {
      if (this.products.delete(id)) this.changes++;
      return undefined;
    }
    let doc: { format?: unknown; product?: DataProduct };
    try {
      doc = JSON.parse(value.toString('utf8')) as typeof doc;
    } catch {
      return 'not JSON';
    }
    if (doc.format !== FORMAT || doc.product?.id !== id)
      return `unexpected shape (format ${String(doc.format)})`;
    this.products.set(id, doc.product);
    this.changes++;
    return undefined;
  }

  private applyRequest(key: string, value: Buffer | null): string | undefined {
    if (value === null) {
      this.requests.delete(key);
      return undefined;
    }
    let doc: { format?: unknown; request?: { product?: unknown; topic?: unknown; versions?: unknown } };
    try {
      doc = JSON.parse(value.toString('utf8')) as typeof doc;
    } catch {
      return 'not JSON';
    }
    const request = doc.request;
    if (
      doc.format !== FORMAT ||
      typeof request?.product !== 'string' ||
      typeof request.topic !== 'string' ||
      !Array.isArray(request.versions) ||
      key !== `${VERSIONS_KEY}${request.product}:${request.topic}`
    )
      return `unexpected shape (format ${String(doc.format)})`;
    const read: SchemaVersionRequest = {
      product: request.product,
      topic: request.topic,
      versions: request.versions as SchemaVersion[],
    };
    this.requests.set(key, read);
    for (const listener of this.requestListeners) listener(read);
    return undefined;
  }

  private applyDomain(name: string, value: Buffer | null): string | undefined {
    if (value === null) {
      if (this.domainInfos.delete(name)) this.changes++;
      return undefined;
    }
    let doc: { format?: unknown; domain?: DomainInfo };
    try {
      doc = JSON.parse(value.toString('utf8')) as typeof doc;
    } catch {
      return 'not JSON';
    }
    if (doc.format !== FORMAT || doc.domain?.name !== name)
      return `unexpected shape (format ${String(doc.format)})`;
    this.domainInfos.set(name, doc.domain);
    this.changes++;
    return undefined;
  }
}
