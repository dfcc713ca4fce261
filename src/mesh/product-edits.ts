import { OnrampError } from '../plugin/index.ts';
import {
  type Classification,
  type DataProduct,
  domainNameProblem,
  type ProductPolicy,
  type ProductStatus,
  productNameProblem,
  type QualityTier,
  type SlaTier,
  versionProblem,
} from './product-model.ts';

// What people change about a product over REST, and the rules those changes follow: the filter of
// GET /products, the bodies of POST and PATCH /products, and what must hold before publishing.

export interface ProductFilter {
  q?: string;
  domain?: string;
  tag?: string;
  status?: string;
}

/** POST /products: a product for topics, with or without connectors behind them. */
export interface ProductInput {
  domain: string;
  name: string;
  owner?: string;
  description?: string;
  slaTier?: SlaTier;
  quality?: QualityTier;
  tags?: string[];
  version?: string;
  outputPorts?: Array<{ topic: string; format?: string; keyColumns?: string[] }>;
  policy?: Partial<ProductPolicy>;
}

/** PATCH /products/{id}: what people decide. */
export interface ProductPatch {
  owner?: string;
  description?: string;
  slaTier?: SlaTier;
  quality?: QualityTier;
  tags?: string[];
  version?: string;
  policy?: Partial<ProductPolicy>;
  classifications?: Array<
    Pick<Classification, 'column' | 'state'> & Partial<Pick<Classification, 'treatment'>>
  >;
  outputPorts?: ProductInput['outputPorts'];
}

/** Whether a product matches GET /products' filters (q searches ids, texts, topics and tables). */
export function matchesFilter(product: DataProduct, filter: ProductFilter): boolean {
  const q = filter.q?.trim().toLowerCase();
  if (filter.domain && product.domain !== filter.domain) return false;
  if (filter.status && product.status !== filter.status) return false;
  if (filter.tag && !product.tags.includes(filter.tag)) return false;
  if (!q) return true;
  const text = [
    product.id,
    product.description ?? '',
    product.owner ?? '',
    ...product.tags,
    ...product.outputPorts.map((port) => port.topic),
    ...Object.values(product.captured).flatMap((source) =>
      source.tables.flatMap((table) => [table.name, table.comment ?? '']),
    ),
  ]
    .join('\n')
    .toLowerCase();
  return text.includes(q);
}

export function checkName(domain: string, name: string): void {
  const problem = domainNameProblem(domain) ?? productNameProblem(name);
  if (problem) throw new OnrampError('PRODUCT_INVALID', problem);
}

export function applyPatch(product: DataProduct, patch: ProductPatch): DataProduct {
  const next: DataProduct = { ...product };
  if (patch.owner !== undefined) next.owner = patch.owner;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.slaTier !== undefined) next.slaTier = patch.slaTier;
  if (patch.quality !== undefined) next.quality = patch.quality;
  if (patch.tags !== undefined) next.tags = [...new Set(patch.tags)];
  if (patch.version !== undefined) {
    const problem = versionProblem(patch.version);
    if (problem) throw new OnrampError('PRODUCT_INVALID', problem);
    next.version = patch.version;
  }
  if (patch.policy !== undefined) next.policy = { ...product.policy, ...patch.policy };
  if (patch.classifications !== undefined) {
    const decisions = new Map(patch.classifications.map((decision) => [decision.column, decision]));
    const known = new Set(product.classifications.map((entry) => entry.column));
    const unknown = [...decisions.keys()].filter((column) => !known.has(column));
    if (unknown.length > 0)
      throw new OnrampError(
        'PRODUCT_INVALID',
        `No classification suggestion for ${unknown.join(', ')} in ${product.id} (known: ${[...known].join(', ') || 'none'})`,
      );
    next.classifications = product.classifications.map((entry) => {
      const decision = decisions.get(entry.column);
      if (!decision) return entry;
      const decided: Classification = { ...entry, state: decision.state };
      if (decision.treatment !== undefined) decided.treatment = decision.treatment;
      return decided;
    });
  }
  if (patch.outputPorts !== undefined) {
    const owned = product.outputPorts.filter((port) => port.connector !== undefined);
    const ownedTopics = new Set(owned.map((port) => port.topic));
    next.outputPorts = [
      ...owned,
      ...patch.outputPorts
        .filter((port) => !ownedTopics.has(port.topic))
        .map((port) => ({
          topic: port.topic,
          keySubject: `${port.topic}-key`,
          valueSubject: `${port.topic}-value`,
          format: port.format ?? 'avro',
          keyColumns: port.keyColumns ?? [],
        })),
    ];
  }
  return next;
}

/** What stands between a product and publication. */
export function publishProblems(product: DataProduct): string[] {
  const problems: string[] = [];
  const status: ProductStatus = product.status;
  if (status === 'deprecated') problems.push('it is deprecated');
  if (!product.owner) problems.push('it has no owner');
  if (!product.description) problems.push('it has no description');
  if (product.outputPorts.length === 0) problems.push('it has no output ports yet');
  const open = product.classifications.filter((entry) => entry.state === 'suggested');
  if (open.length > 0)
    problems.push(
      `personal-data suggestions are not confirmed or rejected: ${open.map((entry) => `${entry.column} (${entry.category})`).join(', ')}`,
    );
  problems.push(...treatmentProblems(product));
  return problems;
}

/**
 * Confirmed personal-data columns whose treatment cannot protect them: hash and mask rewrite text,
 * so a column the database does not hold as text (a birth date, a numeric id) would reach Kafka
 * unchanged; it must be dropped instead. Checked on publish and on every change of a published product.
 */
export function treatmentProblems(product: DataProduct): string[] {
  const types = new Map<string, string>();
  for (const source of Object.values(product.captured))
    for (const table of source.tables)
      for (const column of table.columns)
        types.set(`${table.namespace}.${table.name}.${column.name}`, column.logicalType);
  return product.classifications.flatMap((entry) => {
    const treatment = entry.treatment ?? product.policy.personalData;
    const type = types.get(entry.column);
    if (entry.state !== 'confirmed' || treatment === 'drop' || type === undefined || type === 'string')
      return [];
    return [
      `${entry.column} is ${type}, not text: ${treatment} would leave it unchanged, set its treatment to drop`,
    ];
  });
}
