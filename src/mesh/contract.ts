import { stringify } from 'yaml';
import type { CapturedColumn, CapturedTable } from '../plugin/index.ts';
import type { Classification, DataProduct, OutputPort } from './product-model.ts';

// A product's data contract in the Open Data Contract Standard (ODCS v3.0.2, validated against its
// JSON Schema in test/e2e/data-products.test.ts), derived from what the source database
// says: every captured table with its columns, logical and physical types, primary key positions,
// nullability, defaults, enum values, comments as descriptions and foreign keys as relationships
// (v3.0 has no `relationships` field yet, so they travel as a custom property in v3.1's shape);
// servers (the Kafka topics and registry subjects, and the source database); personal-data
// classifications (confirmed ones as `classification`, open suggestions as tags and a custom
// property); SLA and team from the product. The product's policy travels as contract-level custom
// properties: `personalDataTreatment`, and `undecidedPersonalData` (policy.undecided: `send` or
// `protect`, with a description) so a consumer learns whether columns that look like personal data
// but are not decided yet (open suggestions, columns added after publishing) reach Kafka as they are
// or protected; a published product that protects them also names, on each open suggestion's column,
// the treatment it gets until decided (`personalData.untilDecided`).

export const ODCS_API_VERSION = 'v3.0.2';

export interface ContractContext {
  /** bootstrap.servers of the host's Kafka. */
  kafkaBootstrap: string;
  schemaRegistryUrl: string | undefined;
}

type CustomProperty = { property: string; value: unknown; description?: string };

/**
 * policy.undecided as a custom property. `description` is v3.1's field of a custom property; v3.0.2's
 * schema allows it (its CustomProperty does not close its properties).
 */
function undecidedProperty(product: DataProduct): CustomProperty {
  const setting = product.policy.undecided ?? 'send';
  return {
    property: 'undecidedPersonalData',
    value: setting,
    description:
      setting === 'protect'
        ? `Once published, columns that look like personal data but that the owner has not decided yet (open suggestions, columns added after publishing) are protected before Kafka as personalDataTreatment says (${product.policy.personalData}; a column that is not text is dropped) until decided.`
        : 'Once published, columns that look like personal data but that the owner has not decided yet (open suggestions, columns added after publishing) reach Kafka as the database has them until decided.',
  };
}

/** What an open suggestion's column gets until decided, when the published product protects them. */
function untilDecided(product: DataProduct, column: CapturedColumn): string | undefined {
  if (product.status !== 'published' || product.policy.undecided !== 'protect') return undefined;
  const treatment = product.policy.personalData;
  // hash and mask rewrite text only (product-stage.ts): any other column is dropped until decided
  return treatment === 'drop' || column.logicalType === 'string' ? treatment : 'drop';
}

/** ODCS statuses: draft, active, deprecated. */
function contractStatus(product: DataProduct): string {
  return product.status === 'published' ? 'active' : product.status;
}

export function productContract(product: DataProduct, context: ContractContext): Record<string, unknown> {
  const tables = new Map<string, CapturedTable>();
  for (const source of Object.values(product.captured))
    for (const table of source.tables) tables.set(table.topic, table);
  const classifications = new Map(product.classifications.map((entry) => [entry.column, entry]));

  const schema = product.outputPorts.map((port) => {
    const table = tables.get(port.topic);
    return table ? tableObject(table, port, classifications, product) : topicObject(port);
  });

  const contract: Record<string, unknown> = {
    apiVersion: ODCS_API_VERSION,
    kind: 'DataContract',
    id: `urn:onramp:product:${product.id}`,
    name: product.name,
    version: product.version,
    status: contractStatus(product),
    domain: product.domain,
    dataProduct: product.name,
    ...(product.description && { description: { purpose: product.description } }),
    ...(product.tags.length > 0 && { tags: product.tags }),
    schema,
    servers: servers(product, context),
    ...(product.owner && { team: [{ username: product.owner, role: 'owner' }] }),
    slaDefaultElement: 'tier',
    slaProperties: [
      { property: 'tier', value: product.slaTier },
      ...(product.policy.maxLagMs !== undefined
        ? [{ property: 'latency', value: product.policy.maxLagMs, unit: 'ms', driver: 'operational' }]
        : []),
    ],
    customProperties: [
      { property: 'qualityTier', value: product.quality },
      { property: 'productStatus', value: product.status },
      { property: 'compatibility', value: product.policy.compatibility },
      { property: 'personalDataTreatment', value: product.policy.personalData },
      undecidedProperty(product),
    ],
    contractCreatedTs: product.created,
  };
  return contract;
}

export function contractYaml(contract: Record<string, unknown>): string {
  return stringify(contract, { lineWidth: 0 });
}

function tableObject(
  table: CapturedTable,
  port: OutputPort,
  classifications: Map<string, Classification>,
  product: DataProduct,
): Record<string, unknown> {
  const relationships = table.foreignKeys.flatMap((fk) =>
    fk.columns.map((column, index) => ({
      type: 'foreignKey',
      from: `${table.name}.${column}`,
      to: `${fk.referencedTable.split('.').pop()}.${fk.referencedColumns[index] ?? ''}`,
      customProperties: [
        { property: 'constraint', value: fk.name },
        { property: 'referencedTable', value: fk.referencedTable },
      ],
    })),
  );
  const custom: CustomProperty[] = [
    { property: 'topic', value: port.topic },
    { property: 'keySubject', value: port.keySubject },
    { property: 'valueSubject', value: port.valueSubject },
    { property: 'format', value: port.format },
  ];
  if (relationships.length > 0) custom.push({ property: 'relationships', value: relationships });
  if (table.owner) custom.push({ property: 'databaseOwner', value: table.owner });
  return {
    name: table.name,
    physicalName: `${table.namespace}.${table.name}`,
    physicalType: 'table',
    logicalType: 'object',
    ...(table.comment && { description: table.comment }),
    properties: table.columns.map((column) =>
      columnProperty(column, classifications.get(`${table.namespace}.${table.name}.${column.name}`), product),
    ),
    customProperties: custom,
  };
}

function topicObject(port: OutputPort): Record<string, unknown> {
  return {
    name: port.topic,
    physicalName: port.topic,
    physicalType: 'topic',
    logicalType: 'object',
    customProperties: [
      { property: 'topic', value: port.topic },
      { property: 'keySubject', value: port.keySubject },
      { property: 'valueSubject', value: port.valueSubject },
      { property: 'format', value: port.format },
    ],
  };
}

function columnProperty(
  column: CapturedColumn,
  classification: Classification | undefined,
  product: DataProduct,
): Record<string, unknown> {
  const custom: CustomProperty[] = [];
  const protectedUntil = classification?.state === 'suggested' ? untilDecided(product, column) : undefined;
  if (column.default !== undefined) custom.push({ property: 'default', value: column.default });
  if (column.enumValues) custom.push({ property: 'enumValues', value: column.enumValues });
  const tags: string[] = [];
  if (classification && classification.state !== 'rejected') {
    custom.push({
      property: 'personalData',
      value: {
        category: classification.category,
        state: classification.state,
        reason: classification.reason,
        ...(classification.treatment && { treatment: classification.treatment }),
        ...(protectedUntil && { untilDecided: protectedUntil }),
      },
    });
    tags.push(
      classification.state === 'confirmed'
        ? `personal-data:${classification.category}`
        : `personal-data-suggested:${classification.category}`,
    );
  }
  return {
    name: column.name,
    physicalType: column.physicalType,
    logicalType: column.logicalType,
    required: !column.nullable,
    ...(column.primaryKeyPosition !== undefined && {
      primaryKey: true,
      primaryKeyPosition: column.primaryKeyPosition,
    }),
    ...(column.unique && { unique: true }),
    ...(column.comment && { description: column.comment }),
    ...(classification?.state === 'confirmed' && { classification: 'restricted' }),
    ...(classification?.state === 'confirmed' && { criticalDataElement: true }),
    ...(tags.length > 0 && { tags }),
    ...(column.enumValues && {
      quality: [
        {
          type: 'library',
          rule: 'validValues',
          description: `One of: ${column.enumValues.join(', ')}`,
          mustBe: column.enumValues,
          dimension: 'conformity',
        },
      ],
    }),
    ...(custom.length > 0 && { customProperties: custom }),
  };
}

function servers(product: DataProduct, context: ContractContext): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [];
  if (product.outputPorts.length > 0) {
    list.push({
      server: 'kafka',
      type: 'kafka',
      host: context.kafkaBootstrap,
      format: product.outputPorts[0]?.format ?? 'avro',
      customProperties: [
        { property: 'topics', value: product.outputPorts.map((port) => port.topic) },
        {
          property: 'subjects',
          value: product.outputPorts.flatMap((port) => [port.keySubject, port.valueSubject]),
        },
        ...(context.schemaRegistryUrl
          ? [{ property: 'schemaRegistryUrl', value: context.schemaRegistryUrl }]
          : []),
      ],
    });
  }
  for (const [connector, source] of Object.entries(product.captured)) {
    if (source.host === '') continue;
    const namespaces = [...new Set(source.tables.map((table) => table.namespace))];
    for (const namespace of namespaces.length > 0 ? namespaces : ['']) {
      list.push({
        server: `${connector}${namespaces.length > 1 ? `-${namespace}` : ''}`,
        type: source.databaseType,
        host: source.host,
        port: source.port,
        database: source.databaseType === 'mysql' ? namespace || source.database : source.database,
        ...(source.databaseType === 'postgresql' && { schema: namespace }),
        description: `Source database read by connector ${connector}`,
      });
    }
  }
  return list;
}
