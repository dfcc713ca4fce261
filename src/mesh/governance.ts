import { OnrampError } from '../plugin/index.ts';
import type { SchemaRegistry } from '../schema/registry.ts';
import type { DataProduct } from './product-model.ts';

// Governance that happens when a product is published: its output subjects get the product's
// registry compatibility level (FULL_TRANSITIVE unless the product's policy says otherwise), so the
// registry itself refuses a schema that would break the product's consumers. A major version that a
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
      await registry.setCompatibility(subject, product.policy.compatibility);
  }
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
