import { OnrampError } from '../plugin/index.ts';
import type { SchemaRegistry } from '../schema/registry.ts';
import type { DataProduct } from './product-model.ts';

// Governance that happens when a product is published: its output subjects get the product's
// registry compatibility level (FULL_TRANSITIVE unless the product's policy says otherwise), so the
// registry itself refuses a schema that would break the product's consumers, and the product's
// metadata (owner, domain, product, personal-data tags) where the registry keeps schema metadata. A major version that a
// breaking change starts later (`<topic>.v2`) gets the same level on its own subjects.

export async function applyCompatibility(
  registry: SchemaRegistry | undefined,
  product: DataProduct,
  /** Only these topics' subjects (a new major version's); every output port when absent. */
  topics?: readonly string[],
): Promise<void> {
  const ports = product.outputPorts.filter((port) => !topics || topics.includes(port.topic));
  if (ports.length === 0) return;
  if (!registry)
    throw new OnrampError(
      'PRODUCT_NOT_READY',
      `Data product ${product.id} cannot be published: the host has no schema registry to set ${product.policy.compatibility} on`,
    );
  for (const port of ports) {
    if (port.format !== 'avro') continue;
    for (const subject of [port.keySubject, port.valueSubject])
      await registry.setCompatibilityAndMetadata(
        subject,
        product.policy.compatibility,
        subjectMetadata(product, port.table, subject === port.valueSubject),
      );
  }
}

/**
 * What a published product tells the registry about its subjects (Confluent's schema metadata):
 * owner, domain and product as properties, and the confirmed personal-data columns of the table a
 * value subject carries as field tags (`PII`, and `PII_<CATEGORY>`), on any record's field of that name.
 */
export function subjectMetadata(
  product: DataProduct,
  table: string | undefined,
  value: boolean,
): { properties: Record<string, string>; tags?: Record<string, string[]> } {
  const properties: Record<string, string> = {
    'onramp.product': product.id,
    'onramp.domain': product.domain,
    'onramp.slaTier': product.slaTier,
    'onramp.quality': product.quality,
    ...(product.owner !== undefined && { 'onramp.owner': product.owner }),
  };
  const tags: Record<string, string[]> = {};
  if (value && table !== undefined) {
    for (const entry of product.classifications) {
      if (entry.state !== 'confirmed' || !entry.column.startsWith(`${table}.`)) continue;
      const column = entry.column.slice(table.length + 1);
      const category = entry.category.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
      tags[`**.${column}`] = ['PII', `PII_${category}`];
    }
  }
  return Object.keys(tags).length > 0 ? { properties, tags } : { properties };
}

/** The connector configs publishing may adjust (the host's PATCH /connectors/{name}/config). */
export interface ConnectorConfigs {
  config(name: string): Readonly<Record<string, string>> | undefined;
  patch(name: string, patch: Record<string, string>): Promise<unknown>;
}

/**
 * A published product's schemas document themselves: its source connectors put the database's
 * column comments into the fields' doc (Debezium's include.schema.comments), unless their config
 * sets the key either way. The connector restarts with it; the doc-only schema change is compatible.
 */
export async function enableSchemaComments(
  product: DataProduct,
  connectors: ConnectorConfigs,
): Promise<void> {
  for (const name of product.sources) {
    const config = connectors.config(name);
    if (config && config['include.schema.comments'] === undefined)
      await connectors.patch(name, { 'include.schema.comments': 'true' });
  }
}
