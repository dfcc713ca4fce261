import { describe, expect, it } from 'vitest';
import { serializeKey } from '../../../../../connectors/shared/incremental-snapshot/java-serialization.ts';
import {
  SnapshotState,
  withoutSnapshotFields,
} from '../../../../../connectors/shared/incremental-snapshot/snapshot-state.ts';

// An incremental snapshot's state in the offset, under Debezium's keys and in its encoding.

describe('incremental snapshot state in the offset', () => {
  it('resumes an offset as Debezium writes it, and writes it back the same way', () => {
    const offset = {
      lsn: 24023128,
      incremental_snapshot_collections:
        '[{"incremental_snapshot_collections_id":"public.orders","incremental_snapshot_collections_additional_condition":null,"incremental_snapshot_collections_surrogate_key":null,"incremental_snapshot_collections_correlation_id":"sig-1"},{"incremental_snapshot_collections_id":"public.customers","incremental_snapshot_collections_additional_condition":"(id > 5)","incremental_snapshot_collections_surrogate_key":"",}]'.replace(
          ',}',
          '}',
        ),
      incremental_snapshot_primary_key: serializeKey([{ type: 'int', value: 2048 }]),
      incremental_snapshot_maximum_key: serializeKey([{ type: 'int', value: 100000 }]),
      incremental_snapshot_correlation_id: 'sig-1',
    };
    const state = SnapshotState.fromOffset(offset);
    expect(state.collections).toEqual([
      { id: 'public.orders', correlationId: 'sig-1' },
      { id: 'public.customers', additionalCondition: '(id > 5)' },
    ]);
    expect(state.chunkEnd).toEqual([{ type: 'int', value: 2048 }]);
    expect(state.maximumKey).toEqual([{ type: 'int', value: 100000 }]);
    const fields = state.offsetFields();
    expect(fields).toMatchObject({
      incremental_snapshot_primary_key: offset.incremental_snapshot_primary_key,
      incremental_snapshot_maximum_key: offset.incremental_snapshot_maximum_key,
      incremental_snapshot_correlation_id: 'sig-1',
    });
    expect(JSON.parse(String(fields.incremental_snapshot_collections))[1]).toEqual({
      incremental_snapshot_collections_id: 'public.customers',
      incremental_snapshot_collections_additional_condition: '(id > 5)',
      incremental_snapshot_collections_surrogate_key: null,
      incremental_snapshot_collections_correlation_id: null,
    });
  });

  it("reads Debezium's serialized null as no key yet", () => {
    const state = SnapshotState.fromOffset({
      incremental_snapshot_collections: '[{"incremental_snapshot_collections_id":"db.t"}]',
      incremental_snapshot_primary_key: 'aced000570',
      incremental_snapshot_maximum_key: 'aced000570',
    });
    expect(state.running).toBe(true);
    expect(state.chunkEnd).toBeUndefined();
    expect(state.maximumKey).toBeUndefined();
  });

  it('carries nothing once the last table is done, and cleans offsets of what it carried', () => {
    const state = new SnapshotState();
    expect(state.add([{ id: 'a.b' }, { id: 'a.b' }], 'sig')).toEqual([{ id: 'a.b' }]);
    state.sent([{ type: 'string', value: 'k' }]);
    const carried = { pos: 4, ...state.offsetFields() };
    state.next();
    expect(state.running).toBe(false);
    expect(state.offsetFields()).toEqual({});
    expect(withoutSnapshotFields(carried)).toEqual({ pos: 4 });
  });

  it('names the field it cannot read', () => {
    expect(() =>
      SnapshotState.fromOffset({
        incremental_snapshot_collections: '[{"incremental_snapshot_collections_id":"db.t"}]',
        incremental_snapshot_primary_key: 'zz',
      }),
    ).toThrow('incremental_snapshot_primary_key: the serialized key is not hex');
  });
});
