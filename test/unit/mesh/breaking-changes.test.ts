import { describe, expect, it } from 'vitest';
import { breakingChanges } from '../../../src/mesh/breaking-changes.ts';
import type { ConnectField } from '../../../src/plugin/index.ts';

const id: ConnectField = { field: 'id', type: 'int32', optional: false };
const email: ConnectField = { field: 'email', type: 'string', optional: false };
const country: ConnectField = { field: 'country', type: 'string', optional: true };
const credit: ConnectField = {
  field: 'credit',
  type: 'bytes',
  optional: true,
  name: 'org.apache.kafka.connect.data.Decimal',
  parameters: { scale: '2', 'connect.decimal.precision': '12' },
};
const published = [id, email, country, credit];

describe('breakingChanges', () => {
  it('finds nothing when a nullable column is added', () => {
    expect(
      breakingChanges(
        published,
        [...published, { field: 'note', type: 'string', optional: true }],
        'FULL_TRANSITIVE',
      ),
    ).toEqual([]);
  });

  it('names a dropped column and a renamed one (same place, same type)', () => {
    expect(
      breakingChanges(published, [id, { ...country, field: 'country_code' }, credit], 'BACKWARD'),
    ).toEqual([
      { rule: 'dropped-column', column: 'email', detail: 'no longer in the table' },
      { rule: 'dropped-column', column: 'country', detail: 'no longer in the table' },
    ]);
    expect(
      breakingChanges(published, [id, email, { ...country, field: 'country_code' }, credit], 'BACKWARD'),
    ).toEqual([{ rule: 'renamed-column', column: 'country', detail: 'renamed to country_code' }]);
  });

  it('narrowed types: integers, decimals, and a nullable column made NOT NULL', () => {
    const narrowed = [
      { ...id, type: 'int16' as const },
      email,
      { ...country, optional: false },
      { ...credit, parameters: { scale: '2', 'connect.decimal.precision': '10' } },
    ];
    expect(breakingChanges(published, narrowed, 'NONE')).toEqual([
      { rule: 'narrowed-type', column: 'id', detail: 'int32 -> int16' },
      { rule: 'narrowed-type', column: 'country', detail: 'nullable -> NOT NULL' },
      { rule: 'narrowed-type', column: 'credit', detail: 'decimal(12,2) -> decimal(10,2)' },
    ]);
  });

  it('a changed type, and a new NOT NULL column without a default', () => {
    expect(
      breakingChanges(
        published,
        [
          id,
          { ...email, type: 'int64' },
          country,
          credit,
          { field: 'tier', type: 'string', optional: false },
        ],
        'BACKWARD',
      ),
    ).toEqual([
      { rule: 'changed-type', column: 'email', detail: 'string -> int64' },
      {
        rule: 'not-null-without-default',
        column: 'tier',
        detail: 'new NOT NULL string column without a default',
      },
    ]);
    expect(
      breakingChanges(
        published,
        [...published, { field: 'tier', type: 'string', optional: false, default: 'a' }],
        'FULL',
      ),
    ).toEqual([]);
  });

  it('widening breaks old readers only under FORWARD and FULL compatibility', () => {
    const widened = [{ ...id, type: 'int64' as const }, email, country, credit];
    expect(breakingChanges(published, widened, 'BACKWARD_TRANSITIVE')).toEqual([]);
    expect(breakingChanges(published, widened, 'FULL_TRANSITIVE')).toEqual([
      { rule: 'widened-type', column: 'id', detail: 'int32 -> int64' },
    ]);
    // int16 -> int32 is an Avro int either way.
    expect(breakingChanges([{ ...id, type: 'int16' }], [id], 'FULL_TRANSITIVE')).toEqual([]);
  });
});
