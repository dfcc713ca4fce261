import type { ProductCatalog } from './catalog.ts';
import type { ConnectorView } from './connector-view.ts';
import type { ConsumerGroupReading } from './consumer-groups.ts';
import type { DataProduct } from './product-model.ts';

// Lineage as the data actually flows, from what the connectors are configured and were seen to do
// (not drawn by hand): database table -> source connector -> topic (with its registry subjects) ->
// sink connector -> target table, and every consumer group reading a product's topics (a sink's own
// group is shown as the group it consumes with). Served as JSON nodes and edges, per product and
// for the whole mesh.

export type LineageNodeKind = 'table' | 'connector' | 'topic' | 'consumer-group' | 'product';

export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  name: string;
  /** table: the database (type and name); connector: source/sink; topic: subjects; group: lag. */
  attributes?: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** reads, writes, consumes, owns */
  kind: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export class LineageBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();
  private readonly catalog: ProductCatalog;
  private readonly view: ConnectorView;
  private readonly groups: readonly ConsumerGroupReading[];

  constructor(catalog: ProductCatalog, view: ConnectorView, groups: readonly ConsumerGroupReading[]) {
    this.catalog = catalog;
    this.view = view;
    this.groups = groups;
  }

  /** One product's flows: its sources upstream, its consumers downstream. */
  product(product: DataProduct): this {
    const productNode = this.node({ id: `product:${product.id}`, kind: 'product', name: product.id });
    for (const source of product.sources) {
      const captured = product.captured[source];
      const connector = this.connector(source, 'source');
      for (const table of captured?.tables ?? []) {
        const tableId = this.node({
          id: `table:${captured?.databaseType}://${captured?.host}:${captured?.port}/${captured?.database}/${table.namespace}.${table.name}`,
          kind: 'table',
          name: `${table.namespace}.${table.name}`,
          attributes: {
            databaseType: captured?.databaseType,
            database: captured?.database,
            host: captured?.host,
            port: captured?.port,
          },
        });
        this.edge(tableId, connector, 'reads');
      }
    }
    const sourceTables = new Map<string, { namespace: string; table: string }>();
    for (const captured of Object.values(product.captured))
      for (const table of captured.tables)
        sourceTables.set(table.topic, { namespace: table.namespace, table: table.name });
    for (const port of product.outputPorts) {
      const topic = this.node({
        id: `topic:${port.topic}`,
        kind: 'topic',
        name: port.topic,
        attributes: { keySubject: port.keySubject, valueSubject: port.valueSubject, format: port.format },
      });
      this.edge(productNode, topic, 'owns');
      if (port.connector) this.edge(this.connector(port.connector, 'source'), topic, 'writes');
    }
    for (const consumer of product.consumers) {
      const sink = this.connector(consumer.connector, 'sink');
      const config = this.catalog.connectorConfig(consumer.connector);
      const targets = config
        ? this.view.targets(
            config,
            consumer.topics.map((topic) => {
              const source = sourceTables.get(topic);
              return source ? { topic, source } : { topic };
            }),
          )
        : [];
      for (const topic of consumer.topics) {
        this.edge(`topic:${topic}`, sink, 'reads');
        for (const target of targets.filter((entry) => entry.topic === topic)) {
          const table = this.node({
            id: `table:${target.databaseType}/${target.database}/${target.table}`,
            kind: 'table',
            name: target.table,
            attributes: {
              databaseType: target.databaseType,
              database: target.database,
              ...(target.host !== undefined && { host: target.host, port: target.port }),
            },
          });
          this.edge(sink, table, 'writes');
        }
      }
      const group = this.group(consumer.group);
      this.edge(sink, group, 'consumes-as');
    }
    const topics = new Set(product.outputPorts.map((port) => port.topic));
    for (const reading of this.groups) {
      for (const entry of reading.topics) {
        if (!topics.has(entry.topic)) continue;
        this.edge(`topic:${entry.topic}`, this.group(reading.group), 'consumes');
      }
    }
    return this;
  }

  build(): LineageGraph {
    return { nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
  }

  private connector(name: string, kind: 'source' | 'sink'): string {
    return this.node({ id: `connector:${name}`, kind: 'connector', name, attributes: { type: kind } });
  }

  private group(group: string): string {
    const reading = this.groups.find((entry) => entry.group === group);
    return this.node({
      id: `group:${group}`,
      kind: 'consumer-group',
      name: group,
      ...(reading && {
        attributes: {
          state: reading.state,
          lag: Object.fromEntries(reading.topics.map((topic) => [topic.topic, topic.lag ?? null])),
        },
      }),
    });
  }

  private node(node: LineageNode): string {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
    return node.id;
  }

  private edge(from: string, to: string, kind: string): void {
    this.edges.set(`${from}\u0000${to}\u0000${kind}`, { from, to, kind });
  }
}
