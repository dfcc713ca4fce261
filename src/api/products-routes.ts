import type { FastifyInstance } from 'fastify';
import type { DomainPatch, ProductFilter, ProductInput, ProductPatch } from '../mesh/catalog.ts';
import { contractYaml, productContract } from '../mesh/contract.ts';
import type { ConnectorStates, MeshServices } from '../mesh/mesh-services.ts';
import {
  COMPATIBILITY_LEVELS,
  PERSONAL_DATA_TREATMENTS,
  PRODUCT_STATUSES,
  QUALITY_TIERS,
  SLA_TIERS,
} from '../mesh/product-model.ts';
import { withErrors } from './schemas.ts';

// The data mesh's routes: domains, data products and their contracts, schemas, lineage, consumers
// and health. Every role reads; writes are authorized by rest-security.ts (a domain token changes
// only its own domain's products) and audited there.

const open = { type: 'object', additionalProperties: true } as const;
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', description: 'Product id: <domain>.<name>' } },
  required: ['id'],
} as const;
const tags = ['products'];

const policy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    compatibility: { type: 'string', enum: [...COMPATIBILITY_LEVELS] },
    personalData: { type: 'string', enum: [...PERSONAL_DATA_TREATMENTS] },
    breakingChange: { type: 'string', enum: ['fail', 'new-version'] },
    maxLagMs: { type: 'integer', minimum: 1 },
    undecided: {
      type: 'string',
      enum: ['send', 'protect'],
      description:
        'Columns of a published product that look like personal data and are not decided yet: sent as they are (send, default) or treated by personalData until decided (protect)',
    },
  },
} as const;

const outputPorts = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['topic'],
    properties: {
      topic: { type: 'string', minLength: 1, maxLength: 249, pattern: '^[A-Za-z0-9._-]+$' },
      format: { type: 'string', enum: ['avro', 'json'] },
      keyColumns: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

const editable = {
  owner: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string', maxLength: 10_000 },
  slaTier: { type: 'string', enum: [...SLA_TIERS] },
  quality: { type: 'string', enum: [...QUALITY_TIERS] },
  tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 100 },
  version: { type: 'string', maxLength: 64 },
  policy,
  outputPorts,
} as const;

const productBody = {
  type: 'object',
  additionalProperties: false,
  required: ['domain', 'name'],
  properties: { domain: { type: 'string' }, name: { type: 'string' }, ...editable },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...editable,
    classifications: {
      type: 'array',
      description: "The owner's decisions on personal-data suggestions",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['column', 'state'],
        properties: {
          column: { type: 'string', description: '<namespace>.<table>.<column>' },
          state: { type: 'string', enum: ['confirmed', 'rejected'] },
          treatment: { type: 'string', enum: [...PERSONAL_DATA_TREATMENTS] },
        },
      },
    },
  },
} as const;

export function productRoutes(app: FastifyInstance, mesh: MeshServices, states: ConnectorStates): void {
  const { catalog } = mesh;

  app.get(
    '/domains',
    {
      schema: {
        tags,
        summary: 'Domains: their products, owners and connectors',
        response: withErrors({ 200: { type: 'array', items: open } }, 401),
      },
    },
    async () => catalog.domains(),
  );

  const domainParams = {
    type: 'object',
    properties: { name: { type: 'string', description: 'The domain, as in domain:<name> tokens' } },
    required: ['name'],
  } as const;

  app.get<{ Params: { name: string } }>(
    '/domains/:name',
    {
      schema: {
        tags,
        summary: 'One domain: its description, contact, owners, products and connectors',
        params: domainParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => catalog.domain(request.params.name),
  );

  app.patch<{ Params: { name: string }; Body: DomainPatch }>(
    '/domains/:name',
    {
      schema: {
        tags,
        summary: "Set a domain's description, contact and owners (its own domain's token, or admin)",
        params: domainParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            description: { type: 'string', maxLength: 10_000, description: 'An empty string clears it' },
            contact: {
              type: 'string',
              maxLength: 500,
              description: 'E-mail, chat channel or URL of the team; an empty string clears it',
            },
            owners: {
              type: 'array',
              items: { type: 'string', minLength: 1, maxLength: 200 },
              maxItems: 100,
            },
          },
        },
        response: withErrors({ 200: open }, 400, 401, 403),
      },
    },
    async (request) => catalog.updateDomain(request.params.name, request.body),
  );

  app.get<{ Querystring: ProductFilter }>(
    '/products',
    {
      schema: {
        tags,
        summary: 'Data products, filtered by free text, domain, tag or status',
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', description: 'Text in the id, description, owner, tags, topics or tables' },
            domain: { type: 'string' },
            tag: { type: 'string' },
            status: { type: 'string', enum: [...PRODUCT_STATUSES] },
          },
        },
        response: withErrors({ 200: { type: 'array', items: open } }, 400, 401),
      },
    },
    async (request) => catalog.list(request.query),
  );

  app.post<{ Body: ProductInput }>(
    '/products',
    {
      schema: {
        tags,
        summary: 'Create a data product (e.g. for topics Onramp does not produce)',
        body: productBody,
        response: withErrors({ 201: open }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => reply.status(201).send(await catalog.create(request.body)),
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'One data product',
        params: idParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => catalog.get(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: ProductPatch }>(
    '/products/:id',
    {
      schema: {
        tags,
        summary: "Change a product's owner, description, tiers, tags, version, policy or classifications",
        params: idParams,
        body: patchBody,
        response: withErrors({ 200: open }, 400, 401, 403, 404),
      },
    },
    async (request) => catalog.update(request.params.id, request.body),
  );

  app.delete<{ Params: { id: string } }>(
    '/products/:id',
    {
      schema: {
        tags,
        summary: 'Delete a data product no connector makes any more',
        params: idParams,
        response: withErrors({ 204: { type: 'null' } }, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await catalog.remove(request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/products/:id/publish',
    {
      schema: {
        tags,
        summary:
          'Publish: needs an owner, a description and every personal-data suggestion decided; sets the subjects’ registry compatibility',
        params: idParams,
        response: withErrors({ 200: open }, 401, 403, 404, 409, 503),
      },
    },
    async (request) => catalog.publish(request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/products/:id/deprecate',
    {
      schema: {
        tags,
        summary: 'Deprecate',
        params: idParams,
        response: withErrors({ 200: open }, 401, 403, 404),
      },
    },
    async (request) => catalog.deprecate(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id/contract',
    {
      schema: {
        tags,
        summary: 'The ODCS v3 data contract (YAML; JSON with Accept: application/json)',
        params: idParams,
        response: withErrors({}, 401, 404),
      },
    },
    async (request, reply) => {
      catalog.get(request.params.id);
      // The database as it is now; when it cannot be read, the last description stands.
      const product = await catalog.refresh(request.params.id);
      const contract = productContract(product, mesh.contract);
      if (wantsJson(request.headers.accept)) return reply.type('application/json').send(contract);
      return reply
        .type('application/yaml; charset=utf-8')
        .serializer((payload) => payload as string)
        .send(contractYaml(contract));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id/schema',
    {
      schema: {
        tags,
        summary: 'Key and value schemas of every output port: latest, versions and compatibility',
        params: idParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => {
      const product = catalog.get(request.params.id);
      return { product: product.id, ...(await mesh.schema(product)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id/lineage',
    {
      schema: {
        tags,
        summary: 'Lineage: tables, connectors, topics and consumer groups as nodes and edges',
        params: idParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => ({
      product: request.params.id,
      ...(await mesh.lineage([catalog.get(request.params.id)])),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id/consumers',
    {
      schema: {
        tags,
        summary: 'Sink connectors and Kafka consumer groups reading the product, with lag',
        params: idParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => {
      const product = catalog.get(request.params.id);
      return { product: product.id, ...(await mesh.consumers(product)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/products/:id/health',
    {
      schema: {
        tags,
        summary: 'Health: connector states, freshness against the SLO, problems',
        params: idParams,
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => mesh.health(catalog.get(request.params.id), states),
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    '/products/:id/samples',
    {
      schema: {
        tags,
        summary:
          'Sample events: the newest records of each output topic, decoded, classified columns hashed, masked or dropped as the policy says',
        params: idParams,
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 50, default: 5 } },
        },
        response: withErrors({ 200: open }, 401, 404),
      },
    },
    async (request) => {
      const product = catalog.get(request.params.id);
      const limit = request.query.limit ?? 5;
      if (!mesh.samples)
        return {
          product: product.id,
          masked: [],
          ports: [],
          error: 'The host has no Kafka to read samples from',
        };
      return mesh.samples.samples(product, limit);
    },
  );

  app.get(
    '/lineage',
    {
      schema: {
        tags,
        summary: 'Lineage of the whole mesh as nodes and edges',
        response: withErrors({ 200: open }, 401),
      },
    },
    async () => mesh.lineage(catalog.list()),
  );
}

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /application\/json/i.test(accept) && !/yaml/i.test(accept);
}

/** Run states as the health route needs them, from the connector host. */
export function hostConnectorStates(host: {
  connectorNames(): string[];
  connectorStatus(name: string): { connector: { state: string }; tasks: Array<{ state: string }> };
}): ConnectorStates {
  return {
    state(name) {
      if (!host.connectorNames().includes(name)) return undefined;
      const status = host.connectorStatus(name);
      return { connector: status.connector.state, tasks: status.tasks.map((task) => task.state) };
    },
  };
}
