import { describe, expect, it } from 'vitest';
import { isUnavailable, JDBC_WRITE_FAILED, rejected } from '../../../../connectors/jdbc-sink/errors.ts';

const driverError = (fields: Record<string, unknown>) => Object.assign(new Error('boom'), fields);

describe('JDBC sink error classification', () => {
  it('treats connection loss, shutdown, auth and deadlocks as retriable, data errors as rejected records', () => {
    expect(isUnavailable(driverError({ code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnavailable(driverError({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe(true);
    expect(isUnavailable(driverError({ code: '57P01' }))).toBe(true);
    expect(isUnavailable(driverError({ code: '40P01' }))).toBe(true);
    expect(isUnavailable(driverError({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBe(true);
    expect(isUnavailable(driverError({ code: '22001' }))).toBe(false);
    expect(isUnavailable(driverError({ code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001' }))).toBe(
      false,
    );
    const reason = rejected(JDBC_WRITE_FAILED, 'users', driverError({ code: '23505' }));
    expect(reason.code).toBe('JDBC_WRITE_FAILED');
    expect(reason.message).toBe('Table users: boom (SQLSTATE 23505)');
  });
});
