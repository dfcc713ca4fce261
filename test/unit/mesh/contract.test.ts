import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { productContract } from '../../../src/mesh/contract.ts';
import { type DataProduct, DEFAULT_POLICY } from '../../../src/mesh/product-model.ts';

// The ODCS contract says what the product's policy does with personal-data columns nobody has
// decided yet (policy.undecided), and stays valid against the ODCS v3.0.2 JSON Schema.

const root = join(import.meta.dirname, '..', '..', '..');
const validate = new Ajv2019({ allErrors: true, strict: false, validateFormats: false }).compile(
  JSON.parse(readFileSync(join(root, 'test/fixtures/odcs/odcs-json-schema-v3.0.2.json'), 'utf8')),
);
const topic = 'shop.public.customers';
const context = { kafkaBootstrap: 'kafka:9092', schemaRegistryUrl: 'http://registry:8081' };

function product(overrides: Partial<DataProduct> = {}): DataProduct {
  return {
    id: 'sales.customers',
    domain: 'sales',
    name: 'customers',
    owner: 'sales-data-team',
    description: 'Customers',
    status: 'published',
    slaTier: 'tier-2',
    quality: 'curated',
    tags: [],
    version: '1.0.0',
    outputPorts: [
      {
        topic,
        keySubject: `${topic}-key`,
        valueSubject: `${topic}-value`,
        format: 'avro',
        connector: 'src',
        table: 'public.customers',
        keyColumns: ['id'],
      },
    ],
    inputPorts: [],
    consumers: [],
    sources: ['src'],
    captured: {
      src: {
        databaseType: 'postgresql',
        host: 'db',
        port: 5432,
        database: 'shop',
        describedAt: '',
        tables: [
          {
            namespace: 'public',
            name: 'customers',
            topic,
            foreignKeys: [],
            columns: [
              {
                name: 'id',
                position: 1,
                physicalType: 'integer',
                logicalType: 'integer',
                nullable: false,
                primaryKeyPosition: 1,
              },
              { name: 'email', position: 2, physicalType: 'text', logicalType: 'string', nullable: false },
              { name: 'phone', position: 3, physicalType: 'text', logicalType: 'string', nullable: true },
              { name: 'born', position: 4, physicalType: 'date', logicalType: 'date', nullable: true },
            ],
          },
        ],
      },
    },
    classifications: [
      { column: 'public.customers.email', category: 'email', reason: 'name', state: 'confirmed' },
      { column: 'public.customers.phone', category: 'phone', reason: 'name', state: 'suggested' },
      { column: 'public.customers.born', category: 'birth-date', reason: 'name', state: 'suggested' },
    ],
    policy: { ...DEFAULT_POLICY },
    created: '2026-12-07T00:00:00.000Z',
    updated: '2026-12-07T00:00:00.000Z',
    ...overrides,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the contract is read field by field
function column(contract: Record<string, any>, name: string) {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return contract.schema[0].properties.find((entry: any) => entry.name === name);
}

function personalData(contract: Record<string, unknown>, name: string) {
  return column(contract, name).customProperties.find(
    (entry: { property: string }) => entry.property === 'personalData',
  )?.value;
}

describe('ODCS contract: policy.undecided', () => {
  it('says undecided suspects are protected, and how each open suggestion is treated until decided', () => {
    const contract = productContract(
      product({ policy: { ...DEFAULT_POLICY, undecided: 'protect' } }),
      context,
    );
    expect(validate(contract) ? [] : validate.errors).toEqual([]);
    expect(contract.customProperties).toContainEqual({
      property: 'undecidedPersonalData',
      value: 'protect',
      description: expect.stringMatching(/not decided yet.*protected before Kafka.*\(hash;/),
    });
    // a text column is hashed, a date (not text) dropped until decided; a confirmed one keeps its shape
    expect(personalData(contract, 'phone')).toEqual({
      category: 'phone',
      state: 'suggested',
      reason: 'name',
      untilDecided: 'hash',
    });
    expect(personalData(contract, 'born')).toMatchObject({ state: 'suggested', untilDecided: 'drop' });
    expect(personalData(contract, 'email')).toEqual({
      category: 'email',
      state: 'confirmed',
      reason: 'name',
    });
    expect(column(contract, 'phone').tags).toEqual(['personal-data-suggested:phone']);
  });

  it('says they are sent as they are by default, and a draft protects nothing yet', () => {
    const sent = productContract(product(), context);
    expect(validate(sent) ? [] : validate.errors).toEqual([]);
    expect(sent.customProperties).toContainEqual(
      expect.objectContaining({ property: 'undecidedPersonalData', value: 'send' }),
    );
    expect(personalData(sent, 'phone')).not.toHaveProperty('untilDecided');

    const draft = productContract(
      product({ status: 'draft', policy: { ...DEFAULT_POLICY, undecided: 'protect', personalData: 'mask' } }),
      context,
    );
    expect(validate(draft) ? [] : validate.errors).toEqual([]);
    expect(draft.customProperties).toContainEqual(
      expect.objectContaining({ property: 'undecidedPersonalData', value: 'protect' }),
    );
    expect(personalData(draft, 'phone')).not.toHaveProperty('untilDecided');
  });
});
