import type { ConnectorFacts } from './connector-view.ts';
import type { DataProduct, InputPort, OutputPort, SinkConsumer } from './product-model.ts';

// What links products to each other and to connectors, recomputed from scratch whenever a connector
// or a product changes: a product's output ports are its source connectors' captured tables' topics
// (plus ports added over REST for topics no connector writes), its input ports the tables those
// connectors read or the upstream products its domain's sinks read, and its consumers the sink
// connectors reading its topics. Pure: the catalog stores what this returns.

export interface ProductLinks {
  outputPorts: OutputPort[];
  inputPorts: InputPort[];
  consumers: SinkConsumer[];
}

/** The links of every product, by product id. `connectors` are every known connector's facts. */
export function linkProducts(
  products: readonly DataProduct[],
  connectors: readonly ConnectorFacts[],
): Map<string, ProductLinks> {
  const byName = new Map(connectors.map((facts) => [facts.name, facts]));
  const sinks = connectors.filter((facts) => facts.kind === 'sink');
  const withPorts = products.map((product) => ({
    product,
    outputPorts: outputPortsOf(product, (source) => byName.get(source)?.format ?? 'avro'),
  }));
  const links = new Map<string, ProductLinks>();
  for (const { product, outputPorts } of withPorts) {
    const topics = outputPorts.map((port) => port.topic);
    const consumers: SinkConsumer[] = sinks
      .filter((sink) => topics.some((topic) => sinkReads(sink, topic)))
      .map((sink) => ({
        connector: sink.name,
        group: sink.group ?? `connect-${sink.name}`,
        topics: topics.filter((topic) => sinkReads(sink, topic)),
        ...(sink.domain && { domain: sink.domain }),
        ...(sink.product && { product: sink.product }),
      }));
    const inputPorts: InputPort[] = tableInputs(product);
    for (const sink of sinks) {
      if (sink.domain !== product.domain || sink.product !== product.name) continue;
      for (const upstream of withPorts) {
        if (upstream.product.id === product.id) continue;
        const read = upstream.outputPorts.map((port) => port.topic).filter((topic) => sinkReads(sink, topic));
        if (read.length > 0)
          inputPorts.push({
            kind: 'product',
            connector: sink.name,
            product: upstream.product.id,
            topics: read,
          });
      }
    }
    links.set(product.id, { outputPorts, inputPorts, consumers });
  }
  return links;
}

function sinkReads(sink: ConnectorFacts, topic: string): boolean {
  return sink.topics.includes(topic) || (sink.topicsRegex?.test(topic) ?? false);
}

/** The tables the product's source connectors read. */
function tableInputs(product: DataProduct): InputPort[] {
  const inputs: InputPort[] = [];
  for (const source of product.sources) {
    const captured = product.captured[source];
    for (const table of captured?.tables ?? []) {
      inputs.push({
        kind: 'table',
        connector: source,
        databaseType: captured?.databaseType ?? 'unknown',
        database: captured?.database ?? '',
        table: `${table.namespace}.${table.name}`,
      });
    }
  }
  return inputs;
}

/** Ports of the captured tables' topics, plus ports added over REST for topics no connector writes. */
function outputPortsOf(product: DataProduct, formatOf: (source: string) => string): OutputPort[] {
  const ports: OutputPort[] = [];
  for (const source of product.sources) {
    const format = formatOf(source);
    for (const table of product.captured[source]?.tables ?? []) {
      const port: OutputPort = {
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
      };
      ports.push(port);
      // Major versions started by breaking changes (schema-guard.ts) are ports of their own.
      for (const version of product.schemaVersions?.[table.topic] ?? [])
        if (version.major > 1)
          ports.push({
            ...port,
            topic: version.topic,
            keySubject: `${version.topic}-key`,
            valueSubject: `${version.topic}-value`,
            major: version.major,
          });
    }
  }
  const produced = new Set(ports.map((port) => port.topic));
  for (const port of product.outputPorts)
    if (port.connector === undefined && !produced.has(port.topic)) ports.push(port);
  return ports;
}
