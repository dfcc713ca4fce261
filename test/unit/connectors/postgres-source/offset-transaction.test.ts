import { describe, expect, it } from 'vitest';
import {
  changeOffset,
  readStoredOffset,
  resumePoint,
  toSourceOffset,
} from '../../../../connectors/postgres-source/offset.ts';

// Transaction metadata progress in the PostgreSQL offset: written with a record in the middle of a
// transaction, read back on restart so the transaction's numbering (and its END) continues.
describe('postgres offset with transaction metadata progress', () => {
  const inside = changeOffset({
    changeLsn: 200n,
    lastCommitEnd: 100n,
    txId: 571,
    commitTime: 1_700_000_000_000_000n,
    messageType: 'INSERT',
    events: 2,
    transaction: {
      transaction_id: '571',
      'transaction_data_collection_order_public.a': 1,
      'transaction_data_collection_order_public.b': 1,
    },
  });

  it('resumes inside the transaction with its numbering', () => {
    const stored = readStoredOffset([{ partition: { server: 'shop' }, offset: inside }], 'shop');
    expect(stored && resumePoint(stored)).toEqual({
      startLsn: 100n,
      partial: {
        txId: 571,
        events: 2,
        transaction: {
          id: '571',
          counts: {
            total: 2,
            perCollection: new Map([
              ['public.a', 1],
              ['public.b', 1],
            ]),
          },
        },
      },
    });
    expect(stored && toSourceOffset(stored)).toEqual(inside);
  });

  it('a BEGIN offset (no event yet) resumes the transaction from its start', () => {
    const begin = changeOffset({
      changeLsn: 150n,
      lastCommitEnd: 100n,
      txId: 572,
      commitTime: 1n,
      messageType: 'BEGIN',
      events: 0,
      transaction: { transaction_id: '572' },
    });
    const stored = readStoredOffset([{ partition: { server: 'shop' }, offset: begin }], 'shop');
    expect(stored && resumePoint(stored)).toMatchObject({
      startLsn: 100n,
      partial: { txId: 572, events: 0, transaction: { id: '572', counts: { total: 0 } } },
    });
  });
});
