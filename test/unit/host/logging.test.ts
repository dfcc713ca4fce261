import { describe, expect, it } from 'vitest';
import { formatLsns, humanLine, lsnText, resolveLogFormat } from '../../../src/host/log-format.ts';
import { LogLevels, taskLogger } from '../../../src/host/log-levels.ts';
import { createLogger } from '../../../src/host/logger.ts';

// Log lines as an operator reads them: JSON with ISO times and level names (or the human format),
// one LSN spelling, and loggers per connector and task that /admin/loggers can set one by one.

function capture(format: 'json' | 'human' = 'json') {
  const lines: string[] = [];
  const root = createLogger({
    level: 'info',
    format,
    destination: { write: (line: string) => void lines.push(line) },
  });
  const levels = new LogLevels(root);
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { root, levels, lines, parsed };
}

describe('log lines', () => {
  it('are JSON with an ISO-8601 time, the level by name and the logger name', () => {
    const { levels, parsed } = capture();
    levels.logger('onramp.host').warn({ connector: 'orders' }, 'something to know');
    const [line] = parsed();
    expect(line?.level).toBe('warn');
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
    expect(line).toMatchObject({ logger: 'onramp.host', connector: 'orders', msg: 'something to know' });
  });

  it('write every PostgreSQL LSN as X/X, however it was logged', () => {
    expect(lsnText(24023128)).toBe('0/16E9058');
    expect(lsnText(0x1_0000_0010n)).toBe('1/10');
    expect(lsnText('24023128')).toBe('0/16E9058');
    expect(lsnText('0/16E9058')).toBe('0/16E9058');
    const { root, parsed } = capture();
    root.info(
      {
        lsn: 24023128n,
        storedLsn: 24023128,
        storedOffset: { lsn: 24023128, lsn_commit: '24023128', txId: 771 },
      },
      'starting',
    );
    expect(parsed()[0]).toMatchObject({
      lsn: '0/16E9058',
      storedLsn: '0/16E9058',
      storedOffset: { lsn: '0/16E9058', lsn_commit: '0/16E9058', txId: 771 },
    });
    const untouched = { table: 'public.t', rows: 3 };
    expect(formatLsns(untouched)).toBe(untouched);
  });

  it('have a human format: time, level, logger, message, then key=value', () => {
    const { levels, lines } = capture('human');
    const error = new Error('connection refused');
    levels.logger('connector.orders.task.0').error({ slot: 'orders', err: error }, 'stream failed');
    const [line = ''] = lines;
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR connector\.orders\.task\.0 stream failed {2}slot=orders err="connection refused"\n {4}Error: connection refused\n/,
    );
    expect(humanLine('not json\n')).toBe('not json\n');
    expect(resolveLogFormat('auto', true)).toBe('human');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
  });
});

describe('loggers per connector and task', () => {
  it('PUT on a connector’s logger changes its own and its tasks’ lines only', () => {
    const { root, levels, parsed } = capture();
    const orders = taskLogger(root, 'orders', 0).child({ connector: 'orders', task: 0 });
    const ordersCopy = taskLogger(root, 'orders.copy', 0).child({ connector: 'orders.copy', task: 0 });
    const payments = taskLogger(root, 'payments', 0).child({ connector: 'payments', task: 0 });
    const host = levels.logger('onramp.host');

    expect(levels.set('connector.orders', 'DEBUG')).toEqual(['connector.orders', 'connector.orders.task.0']);
    orders.debug('orders debug');
    ordersCopy.debug('orders.copy debug');
    payments.debug('payments debug');
    expect(parsed().map((line) => line.msg)).toEqual(['orders debug']);
    expect(parsed()[0]).toMatchObject({ logger: 'connector.orders.task.0', level: 'debug' });

    expect(levels.set('connector.payments', 'ERROR')).toEqual([
      'connector.payments',
      'connector.payments.task.0',
    ]);
    payments.warn('payments warn');
    host.info({ connector: 'payments' }, 'host line about payments');
    host.info({ connector: 'orders' }, 'host line about orders');
    expect(parsed().map((line) => line.msg)).toEqual(['orders debug', 'host line about orders']);
  });

  it('a task logger created later takes its connector’s level; root reaches everything', () => {
    const { root, levels } = capture();
    levels.connectorLogger('orders');
    levels.set('connector.orders', 'TRACE');
    const restarted = taskLogger(root, 'orders', 3);
    expect(restarted.level).toBe('trace');
    expect(levels.get('connector.orders.task.3')).toEqual({ level: 'TRACE', last_modified: null });
    expect(taskLogger(root, 'other', 0).level).toBe('info');

    const all = levels.set('root', 'WARN');
    expect(all).toContain('connector.orders.task.3');
    expect(restarted.level).toBe('warn');
    expect(levels.get('connector.other.task.0')?.level).toBe('WARN');
  });

  it('unknown loggers are not found; a deleted connector’s loggers go', () => {
    const { root, levels } = capture();
    expect(levels.get('connector.nope')).toBeUndefined();
    taskLogger(root, 'orders', 0);
    expect(Object.keys(levels.list())).toEqual(['root', 'connector.orders', 'connector.orders.task.0']);
    levels.forgetConnector('orders');
    expect(levels.get('connector.orders')).toBeUndefined();
    expect(levels.get('connector.orders.task.0')).toBeUndefined();
  });
});
