import { errorMessage } from '../plugin/index.ts';
import type { SchemaRegistry } from '../schema/registry.ts';
import type { ProductCatalog } from './catalog.ts';
import type { ConnectorView } from './connector-view.ts';
import type { ConsumerGroupDirectory, ConsumerGroupReading } from './consumer-groups.ts';
import type { ContractContext } from './contract.ts';
import type { FreshnessReading, FreshnessTracker } from './freshness.ts';
import { LineageBuilder, type LineageGraph } from './lineage.ts';
import type { DataProduct } from './product-model.ts';
import type { ProductSamples } from './product-samples.ts';

// What the /products routes read besides the catalog: the registry (schemas, compatibility), Kafka's
// consumer groups (consumers, lag), the connectors' run states and freshness (health). Each of those
// may be unreachable; the answer then says so for that part instead of failing as a whole.

export interface ConnectorStates {
  /** The connector's and its tasks' states; undefined when it does not exist. */
  state(name: string): { connector: string; tasks: string[] } | undefined;
}

export interface MeshServicesOptions {
  catalog: ProductCatalog;
  view: ConnectorView;
  registry: SchemaRegistry | undefined;
  groups: ConsumerGroupDirectory | undefined;
  contract: ContractContext;
  freshness?: FreshnessTracker;
  /** Sample events of output topics (GET /products/{id}/samples). */
  samples?: ProductSamples;
}

export interface SubjectInfo {
  subject: string;
  compatibility?: string | undefined;
  versions: number[];
  latest?: { version: number; id: number; schemaType: string; schema: unknown } | undefined;
}

export class MeshServices {
  readonly catalog: ProductCatalog;
  readonly view: ConnectorView;
  readonly contract: ContractContext;
  readonly freshness: FreshnessTracker | undefined;
  readonly samples: ProductSamples | undefined;
  private readonly registry: SchemaRegistry | undefined;
  private readonly groups: ConsumerGroupDirectory | undefined;

  constructor(options: MeshServicesOptions) {
    this.catalog = options.catalog;
    this.view = options.view;
    this.registry = options.registry;
    this.groups = options.groups;
    this.contract = options.contract;
    this.freshness = options.freshness;
    this.samples = options.samples;
  }

  async consumerGroups(): Promise<{ groups: ConsumerGroupReading[]; error?: string }> {
    if (!this.groups) return { groups: [] };
    try {
      return { groups: await this.groups.consumerGroups() };
    } catch (error) {
      return { groups: [], error: errorMessage(error) };
    }
  }

  /** The product's consumers: its sink connectors and every consumer group reading its topics. */
  async consumers(product: DataProduct) {
    const { groups, error } = await this.consumerGroups();
    const topics = new Set(product.outputPorts.map((port) => port.topic));
    const sinkGroups = new Set(product.consumers.map((consumer) => consumer.group));
    return {
      connectors: product.consumers,
      groups: groups
        .filter((group) => group.topics.some((entry) => topics.has(entry.topic)))
        .map((group) => ({
          group: group.group,
          state: group.state,
          connector: sinkGroups.has(group.group)
            ? product.consumers.find((consumer) => consumer.group === group.group)?.connector
            : undefined,
          topics: group.topics.filter((entry) => topics.has(entry.topic)),
        })),
      ...(error !== undefined && { error }),
    };
  }

  async lineage(products: readonly DataProduct[]): Promise<LineageGraph & { error?: string }> {
    const { groups, error } = await this.consumerGroups();
    const builder = new LineageBuilder(this.catalog, this.view, groups);
    for (const product of products) builder.product(product);
    return { ...builder.build(), ...(error !== undefined && { error }) };
  }

  /** Key and value subjects of every output port: compatibility, versions and the latest schema. */
  async schema(product: DataProduct) {
    const registry = this.registry;
    const subject = async (name: string): Promise<SubjectInfo> => {
      if (!registry) return { subject: name, versions: [] };
      const versions = (await registry.versions(name)) ?? [];
      const latest = versions.length > 0 ? await registry.version(name, 'latest') : undefined;
      return {
        subject: name,
        compatibility: await registry.compatibility(name),
        versions,
        ...(latest && {
          latest: {
            version: latest.version,
            id: latest.id,
            schemaType: latest.schemaType ?? 'AVRO',
            schema: parseSchema(latest.schema),
          },
        }),
      };
    };
    try {
      return {
        ports: await Promise.all(
          product.outputPorts.map(async (port) => ({
            topic: port.topic,
            format: port.format,
            key: await subject(port.keySubject),
            value: await subject(port.valueSubject),
          })),
        ),
      };
    } catch (error) {
      return { ports: [], error: errorMessage(error) };
    }
  }

  /** Green when every connector runs, consumers keep up and the freshness SLO holds. */
  async health(product: DataProduct, states: ConnectorStates) {
    const connectors = [
      ...product.sources.map((name) => ({ name, role: 'source' as const })),
      ...product.consumers.map((consumer) => ({ name: consumer.connector, role: 'sink' as const })),
    ].map((entry) => {
      const state = states.state(entry.name);
      return { ...entry, state: state?.connector ?? 'MISSING', tasks: state?.tasks ?? [] };
    });
    const freshness: FreshnessReading[] = product.outputPorts.flatMap((port) => {
      const reading = this.freshness?.reading(port.topic, product.policy.maxLagMs);
      return reading ? [reading] : [];
    });
    const problems: string[] = [];
    for (const connector of connectors) {
      const failed = connector.state === 'FAILED' || connector.tasks.includes('FAILED');
      if (failed || connector.state === 'MISSING')
        problems.push(`${connector.role} connector ${connector.name} is ${failed ? 'FAILED' : 'missing'}`);
    }
    for (const reading of freshness)
      if (reading.sloViolated)
        problems.push(
          `${reading.topic} lags ${reading.lagMs} ms behind its database (SLO ${reading.sloMs} ms)`,
        );
    const warnings = Object.entries(product.captured).flatMap(([name, source]) =>
      source.error ? [`cannot describe the tables of ${name}: ${source.error}`] : [],
    );
    // A column added after publication may look like personal data: until its owner decides, it
    // reaches Kafka as the database has it, or treated when the policy protects undecided columns.
    const undecided = product.classifications.filter((entry) => entry.state === 'suggested');
    const columns = undecided.map((entry) => `${entry.column} (${entry.category})`).join(', ');
    if (product.status === 'published' && undecided.length > 0)
      warnings.push(
        product.policy.undecided === 'protect'
          ? `personal-data suggestions not decided, protected (${product.policy.personalData}) until decided: ${columns}`
          : `personal-data suggestions not decided, sent unprotected until confirmed: ${columns}`,
      );
    const status = problems.length > 0 ? 'red' : warnings.length > 0 ? 'amber' : 'green';
    return {
      product: product.id,
      status,
      problems: [...problems, ...warnings],
      connectors,
      freshness,
      freshnessHistory: product.outputPorts.map((port) => ({
        topic: port.topic,
        minutes: this.freshness?.history(port.topic) ?? [],
      })),
      ...(product.policy.maxLagMs !== undefined && { maxLagMs: product.policy.maxLagMs }),
    };
  }
}

function parseSchema(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
