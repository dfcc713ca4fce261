import type { CapturedColumn } from '../plugin/index.ts';
import type { ProductCatalog } from './catalog.ts';
import { type ColumnMapping, columnMappings } from './column-mappings.ts';
import type { ConnectorView } from './connector-view.ts';
import type { ConsumerGroupReading } from './consumer-groups.ts';
import type { DataProduct, PersonalDataTreatment } from './product-model.ts';

// Lineage as the data actually flows, from what the connectors are configured and were seen to do
// (not drawn by hand): database table -> source connector -> topic (with its registry subjects) ->
// sink connector -> target table, and every consumer group reading a product's topics (a sink's own
// group is shown as the group it consumes with). Served as JSON nodes and edges, per product and
// for the whole mesh. The connector -> topic and sink -> table edges carry column mappings where
// the connector renames, drops, masks or hashes columns (column-mappings.ts).

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
  /** What happens to columns on this step, where anything does (renamed, dropped, masked, hashed). */
  columns?: ColumnMapping[];
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
            columns: table.columns.map((column) => ({
              name: column.name,
              type: column.physicalType,
              ...(column.comment !== undefined && { description: column.comment }),
            })),
          },
        });
        this.edge(tableId, connector, 'reads');
      }
    }
    const sourceTables = new Map<string, { namespace: string; table: string }>();
    const tableColumns = new Map<string, CapturedColumn[]>();
    for (const captured of Object.values(product.captured))
      for (const table of captured.tables) {
        sourceTables.set(table.topic, { namespace: table.namespace, table: table.name });
        tableColumns.set(`${table.namespace}.${table.name}`, table.columns);
      }
    /** Topic -> the fields its events carry, where the source table is known (for the sinks' mappings). */
    const topicFields = new Map<string, string[]>();
    for (const port of product.outputPorts) {
      const columns = port.table === undefined ? undefined : tableColumns.get(port.table);
      const config = port.connector ? this.catalog.connectorConfig(port.connector) : undefined;
      let mappings: ColumnMapping[] = [];
      /** The row fields of the topic's events: the table's columns after the connector's mappings. */
      let fields: Array<{ name: string; type: string; description?: string }> | undefined;
      if (columns && config && port.table !== undefined) {
        const names = columns.map((column) => column.name);
        mappings = columnMappings(config, names, { treatments: treatments(product, port.table) });
        const changed = new Map(mappings.map((mapping) => [mapping.from, mapping.to]));
        fields = columns.flatMap((column) => {
          const to = changed.has(column.name) ? changed.get(column.name) : column.name;
          return to === null || to === undefined
            ? []
            : [
                {
                  name: to,
                  type: column.logicalType,
                  ...(column.comment !== undefined && { description: column.comment }),
                },
              ];
        });
        topicFields.set(
          port.topic,
          fields.map((field) => field.name),
        );
      }
      const topic = this.node({
        id: `topic:${port.topic}`,
        kind: 'topic',
        name: port.topic,
        attributes: {
          keySubject: port.keySubject,
          valueSubject: port.valueSubject,
          format: port.format,
          ...(fields && { fields }),
        },
      });
      this.edge(productNode, topic, 'owns');
      if (port.connector) this.edge(this.connector(port.connector, 'source'), topic, 'writes', mappings);
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
          const fields = topicFields.get(topic);
          this.edge(sink, table, 'writes', fields && config ? columnMappings(config, fields, { topic }) : []);
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

  private edge(from: string, to: string, kind: string, columns: ColumnMapping[] = []): void {
    const key = `${from}\u0000${to}\u0000${kind}`;
    const known = this.edges.get(key)?.columns ?? [];
    const seen = new Set(known.map((mapping) => JSON.stringify(mapping)));
    const all = [...known, ...columns.filter((mapping) => !seen.has(JSON.stringify(mapping)))];
    this.edges.set(key, { from, to, kind, ...(all.length > 0 && { columns: all }) });
  }
}

/** A published product's personal-data decisions for one table's columns (applied before Kafka). */
function treatments(product: DataProduct, table: string): Map<string, PersonalDataTreatment> {
  const result = new Map<string, PersonalDataTreatment>();
  if (product.status !== 'published') return result;
  for (const entry of product.classifications)
    if (entry.state === 'confirmed' && entry.column.startsWith(`${table}.`))
      result.set(entry.column.slice(table.length + 1), entry.treatment ?? product.policy.personalData);
  return result;
}
