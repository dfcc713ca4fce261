// Out-of-range numbers through the host: a port outside 1..65535 (or a negative size or interval)
// in any of the three connectors is a 400 on create naming the key, and a validation error on that
// key, before anything opens a socket; the host keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHostServes, validationErrors } from '../support/connector-status.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';

let host: HostProcess;

beforeAll(async () => {
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.stop();
});

const postgres = {
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'database.hostname': '127.0.0.1',
  'database.user': 'onramp',
  'database.password': 'onramp',
  'database.dbname': 'onramp',
  'topic.prefix': 'ranges',
};
const mysql = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': '127.0.0.1',
  'database.user': 'onramp',
  'database.password': 'onramp',
  'database.server.id': '4242',
  'topic.prefix': 'ranges',
};
const sink = {
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  topics: 'ranges.public.items',
};

describe('numeric settings out of range', () => {
  it.each([
    ['postgres source', postgres, 'database.port', '70000'],
    ['postgres source', postgres, 'database.port', '-1'],
    ['postgres source', postgres, 'max.batch.size', '-5'],
    ['postgres source', postgres, 'status.update.interval.ms', '120000'],
    ['mysql source', mysql, 'database.port', '70000'],
    ['mysql source', mysql, 'database.port', '0'],
    ['mysql source', mysql, 'connect.timeout.ms', '-1'],
    ['mysql source', mysql, 'snapshot.fetch.size', '0'],
    [
      'jdbc sink',
      { ...sink, 'connection.url': 'jdbc:postgresql://127.0.0.1:5432/onramp' },
      'batch.size',
      '-1',
    ],
    [
      'jdbc sink',
      { ...sink, 'connection.url': 'jdbc:postgresql://127.0.0.1:5432/onramp' },
      'flush.retry.delay.ms',
      '-1',
    ],
  ])('%s: %s=%s is a 400 naming the key', async (_, base, key, value) => {
    const name = `ranges-${key.replaceAll('.', '-')}-${value.replace('-', 'minus')}`;
    const { status, body } = await host.call('POST', '/connectors', {
      name,
      config: { ...base, [key]: value },
    });
    expect(status).toBe(400);
    expect(body.error_code).toBe(400);
    expect(body.message).toContain(`Invalid value ${value} for configuration ${key}: Value must be`);
    const plugin = String(base['connector.class']).split('.').pop() ?? '';
    const errors = await validationErrors(host, plugin, { ...base, [key]: value, 'topic.prefix': 'ranges' });
    expect(errors[key]?.[0]).toMatch(
      new RegExp(`^Invalid value ${value} for configuration ${key.replaceAll('.', '\\.')}: Value must be`),
    );
    expect((await host.call('GET', `/connectors/${name}`)).status).toBe(404);
  });

  it('jdbc sink: a URL port out of range is a 400 naming connection.url', async () => {
    const { status, body } = await host.call('POST', '/connectors', {
      name: 'ranges-url-port',
      config: { ...sink, 'connection.url': 'jdbc:mysql://127.0.0.1:70000/onramp' },
    });
    expect(status).toBe(400);
    expect(body.message).toMatch(/connection\.url: Port 70000 is out of range: must be between 1 and 65535/);
  });

  it('the host still serves', async () => {
    await expectHostServes(host);
  });
});
