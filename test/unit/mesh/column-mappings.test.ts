import { describe, expect, it } from 'vitest';
import { columnMappings } from '../../../src/mesh/column-mappings.ts';

// Column-level lineage from a connector's config: the product's personal-data policy first (source
// connectors), then the transforms that act on columns once the row is the record value, then the
// JDBC sink's field lists. Unchanged columns are not listed.

const columns = ['id', 'email', 'name', 'phone', 'country', 'credit'];

describe('columnMappings', () => {
  it('lists what the product policy and the transforms after ExtractNewRecordState do to each column', () => {
    const config = {
      transforms: 'early,unwrap,rename,mask,maybe',
      // Before the unwrap, ReplaceField acts on the envelope (before/after/source), not on columns.
      'transforms.early.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.early.exclude': 'source',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.rename.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.rename.renames': 'country:country_code,name:full_name',
      'transforms.rename.blacklist': 'credit',
      'transforms.mask.type': 'org.apache.kafka.connect.transforms.MaskField$Value',
      'transforms.mask.fields': 'full_name',
      'transforms.maybe.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.maybe.exclude': 'country_code',
      'transforms.maybe.predicate': 'isAudit',
    };
    const treatments = new Map([
      ['email', 'hash' as const],
      ['phone', 'drop' as const],
    ]);
    expect(columnMappings(config, columns, { treatments })).toEqual([
      { from: 'email', to: 'email', steps: [{ change: 'hashed', by: 'product policy' }] },
      {
        from: 'name',
        to: 'full_name',
        steps: [
          { change: 'renamed', by: 'transform rename', to: 'full_name' },
          { change: 'masked', by: 'transform mask' },
        ],
      },
      { from: 'phone', to: null, steps: [{ change: 'dropped', by: 'product policy' }] },
      {
        from: 'country',
        to: 'country_code',
        steps: [
          { change: 'renamed', by: 'transform rename', to: 'country_code' },
          { change: 'dropped', by: 'transform maybe', when: 'isAudit' },
        ],
      },
      { from: 'credit', to: null, steps: [{ change: 'dropped', by: 'transform rename' }] },
    ]);
  });

  it("lists the JDBC sink's field lists, by name or as <topic>:<field>", () => {
    expect(
      columnMappings({ 'field.exclude.list': 'shop.customers:credit,other:email' }, columns, {
        topic: 'shop.customers',
      }),
    ).toEqual([{ from: 'credit', to: null, steps: [{ change: 'dropped', by: 'field.exclude.list' }] }]);
    expect(
      columnMappings({ 'field.include.list': 'id,email' }, ['id', 'email', 'credit'], { topic: 't' }),
    ).toEqual([{ from: 'credit', to: null, steps: [{ change: 'dropped', by: 'field.include.list' }] }]);
  });

  it('lists nothing for a connector that changes no column', () => {
    expect(columnMappings({ transforms: '' }, columns)).toEqual([]);
  });
});
