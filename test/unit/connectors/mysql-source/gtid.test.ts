import { describe, expect, it } from 'vitest';
import { checkMariadbGtids, parseMariadbGtids } from '../../../../connectors/mysql-source/gtid.ts';

describe('MariaDB GTID positions', () => {
  it('parses one watermark per domain, exactly beyond 2^53', () => {
    const position = parseMariadbGtids('0-1-25, 3-7-18446744073709551615');
    expect(position.get('0')).toEqual({ server: '1', seq: 25n });
    expect(position.get('3')?.seq).toBe(18446744073709551615n);
    expect(parseMariadbGtids('').size).toBe(0);
    expect(() => parseMariadbGtids('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5')).toThrow(/not a MariaDB GTID/);
  });

  it('accepts a position the server wrote and still keeps, after a failover too', () => {
    expect(checkMariadbGtids('0-1-100', '0-1-150', '0-1-20')).toEqual({ status: 'ok' });
    expect(checkMariadbGtids('0-1-100', '0-1-100', '')).toEqual({ status: 'ok' });
    // Another server took over domain 0 and carried on counting.
    expect(checkMariadbGtids('0-1-100', '0-2-130', '0-1-90')).toEqual({ status: 'ok' });
    // Everything before the oldest binlog is purged, but the position already covers it.
    expect(checkMariadbGtids('0-1-100,1-5-9', '0-1-150,1-5-12', '0-1-100,1-5-3')).toEqual({ status: 'ok' });
  });

  it('reports a position the server never wrote as a mismatch', () => {
    expect(checkMariadbGtids('0-1-200', '0-1-150', '')).toEqual({
      status: 'mismatch',
      serverGtids: '0-1-150',
    });
    expect(checkMariadbGtids('0-1-100,4-4-1', '0-1-150', '')).toMatchObject({ status: 'mismatch' });
    expect(checkMariadbGtids('uuid:1-5', '0-1-150', '')).toMatchObject({ status: 'mismatch' });
  });

  it('reports a position whose following transactions were purged', () => {
    expect(checkMariadbGtids('0-1-100', '0-1-150', '0-1-120')).toEqual({
      status: 'purged',
      serverPurged: '0-1-120',
    });
    // A domain whose early transactions are gone and that the position does not cover at all.
    expect(checkMariadbGtids('0-1-100', '0-1-150,2-2-40', '2-2-7')).toMatchObject({ status: 'purged' });
  });
});
