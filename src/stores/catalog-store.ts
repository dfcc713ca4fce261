import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataProduct, DomainInfo, SchemaVersion } from '../mesh/product-model.ts';
import { OnrampError } from '../plugin/errors.ts';
import { AtomicFileWriter } from './atomic-file.ts';

// The data-product catalog's store. The embedded one is one JSON document, <data.dir>/catalog.json,
// loaded at open and served from memory; every change rewrites it crash-safely (temp file, fsync,
// rename, fsync of the directory: see atomic-file.ts) before its promise resolves. A catalog holds
// hundreds of products, not millions, so one document keeps it simple. In cluster mode the catalog
// is kept in a Kafka topic instead (kafka-catalog-store.ts).

export interface CatalogStore {
  list(): DataProduct[];
  get(id: string): DataProduct | undefined;
  /** Durable when the promise resolves. */
  put(product: DataProduct): Promise<void>;
  delete(id: string): Promise<void>;
  /** What domains' teams said about themselves, by name. */
  domains(): DomainInfo[];
  /** Durable when the promise resolves. */
  putDomain(domain: DomainInfo): Promise<void>;
  flush(): Promise<void>;
  /** Grows when products change by other writers too (cluster mode: other workers' records). */
  revision?(): number;
  /** Resolves once what other writers wrote so far is in this view (cluster mode: a new leader). */
  catchUp?(): Promise<void>;
  /**
   * Cluster mode: a follower's source task met a schema change of a published product's table
   * topic; the leader records it into the product (SchemaVersionRequest), so no follower writes a
   * product record. Durable when the promise resolves.
   */
  requestSchemaVersions?(request: SchemaVersionRequest): Promise<void>;
  /** The requests not yet recorded by a leader (it clears each once recorded). */
  schemaVersionRequests?(): SchemaVersionRequest[];
  clearSchemaVersionRequest?(request: SchemaVersionRequest): Promise<void>;
  /** Tells `listener` of each request read (other workers' included). */
  onSchemaVersionRequest?(listener: (request: SchemaVersionRequest) => void): void;
}

export interface SchemaVersionRequest {
  product: string;
  topic: string;
  versions: SchemaVersion[];
}

const FILE = 'catalog.json';
const FORMAT = 1;

export async function openCatalogStore(dataDir: string): Promise<CatalogStore> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE);
  const products = new Map<string, DataProduct>();
  const domains = new Map<string, DomainInfo>();
  const loaded = await load(path);
  for (const product of loaded.products) products.set(product.id, product);
  for (const domain of loaded.domains) domains.set(domain.name, domain);
  return new FileCatalogStore(path, products, domains);
}

async function load(path: string): Promise<{ products: DataProduct[]; domains: DomainInfo[] }> {
  let text: string;
  try {
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { products: [], domains: [] };
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new OnrampError('INTERNAL', `Store file ${path} cannot be read: ${(error as Error).message}`);
  }
  const { format, products, domains } = (doc ?? {}) as {
    format?: unknown;
    products?: unknown;
    domains?: unknown;
  };
  if (format !== FORMAT || !Array.isArray(products) || (domains !== undefined && !Array.isArray(domains)))
    throw new OnrampError(
      'INTERNAL',
      `Store file ${path} has an unexpected shape (format ${String(format)})`,
    );
  return { products: products as DataProduct[], domains: (domains ?? []) as DomainInfo[] };
}

class FileCatalogStore implements CatalogStore {
  private readonly writer = new AtomicFileWriter();
  private readonly path: string;
  private readonly products: Map<string, DataProduct>;
  private readonly domainInfos: Map<string, DomainInfo>;

  constructor(path: string, products: Map<string, DataProduct>, domains: Map<string, DomainInfo>) {
    this.path = path;
    this.products = products;
    this.domainInfos = domains;
  }

  domains(): DomainInfo[] {
    return [...this.domainInfos.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  putDomain(domain: DomainInfo): Promise<void> {
    this.domainInfos.set(domain.name, structuredClone(domain));
    return this.save();
  }

  list(): DataProduct[] {
    return [...this.products.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): DataProduct | undefined {
    return this.products.get(id);
  }

  put(product: DataProduct): Promise<void> {
    this.products.set(product.id, structuredClone(product));
    return this.save();
  }

  delete(id: string): Promise<void> {
    if (!this.products.delete(id)) return Promise.resolve();
    return this.save();
  }

  flush(): Promise<void> {
    return this.writer.idle();
  }

  private save(): Promise<void> {
    if (this.products.size === 0 && this.domainInfos.size === 0) return this.writer.write(this.path, null);
    const doc = {
      format: FORMAT,
      products: this.list(),
      ...(this.domainInfos.size > 0 && { domains: this.domains() }),
    };
    return this.writer.write(this.path, `${JSON.stringify(doc, null, 2)}\n`);
  }
}
