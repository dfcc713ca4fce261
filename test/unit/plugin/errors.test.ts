import { describe, expect, it } from 'vitest';
import { PG_SLOT_IN_USE, PG_WAL_LEVEL } from '../../../connectors/postgres-source/errors.ts';
import {
  defineErrors,
  errorSpec,
  HOST_ERRORS,
  isFatal,
  isRetriable,
  OnrampError,
} from '../../../src/plugin/errors.ts';

describe('the error table', () => {
  it('knows a connector code once its connector declared it, with the same stable string', () => {
    expect(PG_SLOT_IN_USE).toBe('PG_SLOT_IN_USE');
    const error = new OnrampError(PG_SLOT_IN_USE, 'slot busy');
    expect(error.code).toBe('PG_SLOT_IN_USE');
    expect(error.status).toBe(409);
    expect(isRetriable(error)).toBe(true);
    expect(new OnrampError(PG_WAL_LEVEL, 'x').retriable).toBe(false);
    expect(errorSpec(PG_WAL_LEVEL).title).toBe('PostgreSQL wal_level is not logical');
  });

  it('keeps connector codes out of the host table', () => {
    expect(Object.keys(HOST_ERRORS).filter((code) => /^(PG|MYSQL|JDBC)_/.test(code))).toEqual([]);
    expect(new OnrampError('KAFKA_UNAVAILABLE', 'down').retriable).toBe(true);
    expect(isFatal(new OnrampError('PRODUCT_BREAKING_CHANGE', 'x'))).toBe(true);
    expect(isFatal(new OnrampError('RECORD_FAILED', 'x'))).toBe(false);
  });

  it('refuses a code declared again with another meaning, and accepts the same declaration twice', () => {
    const spec = { status: 400, retriable: false, title: 'Test code' } as const;
    const { TEST_CODE } = defineErrors({ TEST_CODE: spec });
    expect(defineErrors({ TEST_CODE: spec }).TEST_CODE).toBe(TEST_CODE);
    expect(() => defineErrors({ TEST_CODE: { ...spec, status: 500 } })).toThrow(/TEST_CODE/);
    expect(() =>
      defineErrors({ KAFKA_UNAVAILABLE: { status: 500, retriable: false, title: 'mine' } }),
    ).toThrow(/KAFKA_UNAVAILABLE/);
  });
});
