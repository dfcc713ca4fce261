// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { describe, expect, it } from 'vitest';
import {
  type ConfigInfos,
  describeFields,
  hideSecrets,
  hostConfigDef,
  invalidConfigMessage,
  sinkRuntimeDef,
  tasksMax,
  validateConnectorConfig,
} from '../../../src/host/connector-config.ts';
import { sinkSubscription } from '../../../src/host/run-config.ts';
import {
  clientOverrides,
  clientProperties,
  consumerTuning,
  kafkaClientConfig,
} from '../../../src/kafka/client-properties.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { defineConfig, field, parseConfig } from '../../../src/plugin/index.ts';

function plugin(kind: 'source' | 'sink', probeFails = false): ConnectorPlugin {
  return {
    name: `demo-${kind}`,
    kind,
    aliases: [],
    version: '1.0.0',
    config: defineConfig(
      {
        'database.hostname': field.string({ doc: 'Host', required: true, group: 'Connection' }),
        'database.port': field.int({ doc: 'Port', default: 5432, group: 'Connection' }),
        'database.password': field.password({
          doc: 'Password',
          group: 'Connection',
          aliases: ['connection.password'],
        }),
        'snapshot.mode': field.enum(['initial', 'never'] as const)({ doc: 'Snapshot', default: 'initial' }),
      },
      {
        check: (config) =>
          config['database.port'] === 1 ? [{ field: 'database.port', message: 'port 1 is reserved' }] : [],
        probe: async (config) =>
          probeFails
            ? [{ field: 'database.hostname', message: `cannot reach ${config['database.hostname']}` }]
            : [],
      },
    ),
    planTasks: () => [{}],
    createTask: () => {
      throw new Error('not used');
    },
  } as ConnectorPlugin;
}

function byName(infos: ConfigInfos) {
  return new Map(infos.configs.map((config) => [config.value.name, config]));
}

describe('host ConfigDef', () => {
  it('gives every connector the Kafka Connect keys with their defaults', () => {
    const parsed = parseConfig(hostConfigDef('source'), { name: 'a', 'connector.class': 'X' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.values).toMatchObject({
      'tasks.max': 1,
      'errors.tolerance': 'none',
      'errors.retry.timeout': 0,
      'errors.retry.delay.max.ms': 60000,
      'errors.log.enable': false,
      transforms: [],
      'config.action.reload': 'restart',
    });
    const sink = parseConfig(hostConfigDef('sink'), { name: 'a', 'connector.class': 'X', topics: 'a,b' });
    expect(sink.errors).toEqual([]);
    expect(sink.values).toMatchObject({
      topics: ['a', 'b'],
      'errors.deadletterqueue.topic.replication.factor': 3,
      'errors.deadletterqueue.context.headers.enable': false,
    });
  });

  it('requires name and connector.class, tasks.max >= 1, and transforms the runners can build (sources too)', () => {
    expect(parseConfig(hostConfigDef('source'), {}).errors.map((error) => error.field)).toEqual([
      'name',
      'connector.class',
    ]);
    const raw = {
      name: 'a',
      'connector.class': 'X',
      topics: 'orders',
      'tasks.max': '0',
      transforms: 'unwrap,route',
      'transforms.route.type': 'com.acme.Nope',
    };
    expect(parseConfig(hostConfigDef('sink', raw), raw).errors).toEqual([
      {
        field: 'tasks.max',
        message: 'Invalid value 0 for configuration tasks.max: Value must be at least 1',
      },
      {
        field: 'transforms.unwrap.type',
        message: 'Missing required configuration "transforms.unwrap.type" which has no default value.',
      },
      {
        field: 'transforms.route.type',
        message: expect.stringContaining(
          'Invalid value com.acme.Nope for configuration transforms.route.type',
        ),
      },
    ]);
    // Sources build the same chain: a supported transform passes, an unknown one is named.
    const source = {
      name: 'a',
      'connector.class': 'X',
      transforms: 'route,bad',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'x_$1',
      'transforms.bad.type': 'R',
    };
    expect(parseConfig(hostConfigDef('source', source), source).errors.map((error) => error.field)).toEqual([
      'transforms.bad.type',
    ]);
  });

  it('sinks need exactly one of topics and topics.regex, and the DLQ topic outside topics', () => {
    const errors = (raw: Record<string, string>) =>
      parseConfig(hostConfigDef('sink'), { name: 'a', 'connector.class': 'X', ...raw }).errors.map(
        (error) => error.message,
      );
    expect(errors({})).toContain('Must configure one of topics or topics.regex');
    expect(errors({ topics: 'a', 'topics.regex': 'a.*' })).toContain(
      'topics and topics.regex are mutually exclusive options, but both are set.',
    );
    expect(errors({ 'topics.regex': '(' })[0]).toMatch(/Invalid regular expression/);
    expect(errors({ topics: 'a,dlq', 'errors.deadletterqueue.topic.name': 'dlq' })[0]).toContain(
      "The DLQ topic 'dlq'",
    );
    expect(errors({ 'topics.regex': 'shop\\..*' })).toEqual([]);
  });

  it("checks client overrides by the clients' own rules, naming the key, whatever the host's Kafka settings", () => {
    const sink = (raw: Record<string, string>) =>
      parseConfig(hostConfigDef('sink'), { name: 'a', 'connector.class': 'X', topics: 't', ...raw }).errors;
    expect(sink({ 'consumer.override.session.timeout.ms': '1000' })).toEqual([
      {
        field: 'consumer.override.session.timeout.ms',
        message:
          "Invalid value 1000 for configuration consumer.override.session.timeout.ms: must be between 6000 and 1800000 (the broker's default group session timeout bounds)",
      },
    ]);
    const source = (raw: Record<string, string>) =>
      parseConfig(hostConfigDef('source'), { name: 'a', 'connector.class': 'X', ...raw }).errors;
    expect(source({ 'producer.override.compression.type': 'snappy', 'producer.override.acks': '1' })).toEqual(
      [
        {
          field: 'producer.override.compression.type',
          message:
            "Invalid value snappy for configuration producer.override.compression.type: only none and gzip are available (Onramp's Kafka client has no snappy codec)",
        },
        {
          field: 'producer.override.acks',
          message:
            'Invalid value 1 for configuration producer.override.acks: Onramp always produces with acks=all (nothing is acknowledged upstream before every in-sync replica has it)',
        },
      ],
    );
    expect(source({ 'producer.override.compression.type': 'gzip' })).toEqual([]);
    // A source has no consumer: its consumer.override.* keys are not declared (checkClientOverrides refuses them).
    expect(Object.keys(hostConfigDef('source').fields)).not.toContain('consumer.override.session.timeout.ms');
    // The clients apply the same rule, with the same message (validation shows it once).
    const host = kafkaClientConfig({ brokers: ['127.0.0.1:9092'] });
    const tuning = (raw: Record<string, string>) =>
      consumerTuning(clientProperties('consumer', host.layers, clientOverrides(raw)));
    expect(tuning({ 'consumer.override.session.timeout.ms': '6000' }).tuning.sessionTimeoutMs).toBe(6000);
    expect(tuning({ 'consumer.override.session.timeout.ms': '1000' }).errors).toEqual(
      sink({ 'consumer.override.session.timeout.ms': '1000' }),
    );
    expect(sinkSubscription('a', 0, parseConfig(sinkRuntimeDef, { topics: 't' }).values, {})).toEqual({
      groupId: 'connect-a',
      groupInstanceId: 'a-0',
      topics: ['t'],
    });
  });

  it('gives every sink task a static group.instance.id: <connector>-<task>, or the configured one', () => {
    const values = parseConfig(sinkRuntimeDef, { topics: 't' }).values;
    const instance = (connector: string, taskId: number, consumer: Record<string, string> = {}) =>
      sinkSubscription(connector, taskId, values, consumer).groupInstanceId;
    expect(instance('orders-sink', 0)).toBe('orders-sink-0');
    expect(instance('orders-sink', 3)).toBe('orders-sink-3');
    // Task 0 keeps a configured id as it is (a connector moved from Kafka Connect keeps its member).
    const configured = { 'group.instance.id': 'orders' };
    expect([instance('x', 0, configured), instance('x', 2, configured)]).toEqual(['orders', 'orders-2']);
    // A name Kafka would refuse as an id: the legal characters, and a hash keeping names apart.
    const spaced = instance('orders sink/eu', 1) as string;
    expect(spaced).toMatch(/^orders_sink_eu-[0-9a-f]{12}-1$/);
    expect(spaced).not.toBe(instance('orders_sink_eu', 1));
    expect(instance('x'.repeat(300), 0)).toHaveLength(200 + 1 + 12 + 2);
  });

  it('reads tasks.max from a stored config', () => {
    expect(tasksMax({ 'tasks.max': '4' })).toBe(4);
    expect(tasksMax({})).toBe(1);
  });
});

describe('validateConnectorConfig', () => {
  it('reports host and plugin errors together, in the ConfigInfos shape', async () => {
    const { infos } = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'DemoConnector',
      raw: {
        'connector.class': 'DemoConnector',
        'database.port': 'x',
        'tasks.max': 'two',
        'database.password': 'pw',
      },
    });
    expect(infos.name).toBe('DemoConnector');
    expect(infos.error_count).toBe(4);
    const configs = byName(infos);
    expect(configs.get('name')?.value.errors).toEqual([
      'Missing required configuration "name" which has no default value.',
    ]);
    expect(configs.get('tasks.max')?.value.errors[0]).toContain('tasks.max');
    expect(configs.get('database.hostname')?.value.errors).toHaveLength(1);
    expect(configs.get('database.port')?.value.errors[0]).toContain('database.port');
    expect(configs.get('database.password')?.value.value).toBe('[hidden]');
    expect(configs.get('snapshot.mode')?.value).toEqual({
      name: 'snapshot.mode',
      value: 'initial',
      recommended_values: ['initial', 'never'],
      errors: [],
      visible: true,
    });
    expect(configs.get('database.hostname')?.definition).toEqual({
      name: 'database.hostname',
      type: 'STRING',
      required: true,
      default_value: null,
      importance: 'HIGH',
      documentation: 'Host',
      group: 'Connection',
      order: 1,
      width: 'MEDIUM',
      display_name: 'database.hostname',
      dependents: [],
    });
    expect(infos.groups.slice(0, 4)).toEqual(['Common', 'Transforms', 'Predicates', 'Error Handling']);
    expect(infos.groups).toContain('Connection');
  });

  it('runs check() and then probe() only when the fields are valid', async () => {
    const base = { name: 'a', 'connector.class': 'Demo', 'database.hostname': 'db' };
    const checked = await validateConnectorConfig({
      plugin: plugin('source', true),
      className: 'Demo',
      raw: { ...base, 'database.port': '1' },
    });
    expect(checked.infos.error_count).toBe(1);
    expect(byName(checked.infos).get('database.port')?.value.errors).toEqual(['port 1 is reserved']);

    const probed = await validateConnectorConfig({
      plugin: plugin('source', true),
      className: 'Demo',
      raw: base,
    });
    expect(probed.infos.error_count).toBe(1);
    expect(byName(probed.infos).get('database.hostname')?.value.errors).toEqual(['cannot reach db']);

    const ok = await validateConnectorConfig({ plugin: plugin('source'), className: 'Demo', raw: base });
    expect(ok.infos.error_count).toBe(0);
    expect(ok.pluginConfig['database.port']).toBe(5432);
  });

  it('keeps and lists unknown keys without errors; known prefixes are not unknown', async () => {
    const outcome = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'Demo',
      raw: {
        name: 'a',
        'connector.class': 'Demo',
        'database.hostname': 'db',
        'some.unknown': 'x',
        'value.converter.schemas.enable': 'false',
        'producer.override.linger.ms': '5',
        'connection.password': 'via-alias',
      },
    });
    expect(outcome.infos.error_count).toBe(0);
    expect(outcome.unknown).toEqual(['some.unknown']);
    const configs = byName(outcome.infos);
    expect(configs.get('some.unknown')?.definition.group).toBe('Unknown');
    expect(configs.get('some.unknown')?.value.errors).toEqual([]);
    expect(configs.get('value.converter.schemas.enable')?.definition.group).toBe('Converters');
    // The alias feeds the declared field and is not listed on its own.
    expect(configs.has('connection.password')).toBe(false);
    expect(configs.get('database.password')?.value.value).toBe('[hidden]');
  });

  it('validates with placeholders resolved and reports unresolvable ones on their key', async () => {
    const raw = {
      name: 'a',
      'connector.class': 'Demo',
      'database.hostname': '${env:DB_HOST}',
      'database.password': '${env:NOPE}',
    };
    const outcome = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'Demo',
      raw,
      placeholders: { env: { DB_HOST: 'db.internal' } },
    });
    expect(outcome.resolved['database.hostname']).toBe('db.internal');
    expect(outcome.infos.error_count).toBe(1);
    expect(byName(outcome.infos).get('database.password')?.value.errors[0]).toContain('NOPE');
    // Shown values stay unresolved.
    expect(byName(outcome.infos).get('database.hostname')?.value.value).toBe('${env:DB_HOST}');
  });

  it('rejects converters that do not exist', async () => {
    const outcome = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'Demo',
      raw: {
        name: 'a',
        'connector.class': 'Demo',
        'database.hostname': 'db',
        'value.converter': 'com.acme.Nope',
      },
      isKnownConverter: (name) => name === 'org.apache.kafka.connect.json.JsonConverter',
    });
    expect(byName(outcome.infos).get('value.converter')?.value.errors).toEqual([
      'Invalid value com.acme.Nope for configuration value.converter: Class com.acme.Nope could not be found.',
    ]);
  });

  it("checks a connector's converter settings against the worker's converter when it names none", async () => {
    const raw = {
      name: 'a',
      'connector.class': 'Demo',
      'database.hostname': 'db',
      'value.converter.schemas.enable': 'maybe',
    };
    const workerConverters = { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' };
    const outcome = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'Demo',
      raw,
      workerConverters,
    });
    // JsonConverter (the worker's) has schemas.enable, so a bad value is an error, not "no such setting".
    expect(byName(outcome.infos).get('value.converter.schemas.enable')?.value.errors[0]).toMatch(
      /value\.converter\.schemas\.enable/,
    );
    const avro = await validateConnectorConfig({ plugin: plugin('source'), className: 'Demo', raw });
    expect(avro.infos.error_count).toBe(0);
    expect(avro.warnings.map((warning) => warning.name)).toContain('value.converter.schemas.enable');
  });

  it("formats Kafka Connect's create-time message, naming each field", async () => {
    const { infos } = await validateConnectorConfig({
      plugin: plugin('source'),
      className: 'Demo',
      raw: { name: 'a', 'connector.class': 'Demo', 'database.port': 'x' },
    });
    expect(invalidConfigMessage(infos).split('\n')).toEqual([
      'Connector configuration is invalid and contains the following 2 error(s):',
      'Missing required configuration "database.hostname" which has no default value.',
      expect.stringContaining('for configuration database.port'),
      'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    ]);
  });
});

describe('hideSecrets and describeFields', () => {
  it('hides PASSWORD fields (and their aliases) and secret-looking keys unless the value is a placeholder', () => {
    expect(
      hideSecrets(
        {
          'database.password': 'pw',
          'connection.password': 'pw2',
          'database.hostname': 'db',
          'value.converter.basic.auth.user.info': 'u:p',
          'other.password': '${file:/s.properties:pw}',
          'mixed.password': 'x${env:Y}',
        },
        plugin('source'),
      ),
    ).toEqual({
      'database.password': '[hidden]',
      'connection.password': '[hidden]',
      'database.hostname': 'db',
      'value.converter.basic.auth.user.info': '[hidden]',
      'other.password': '${file:/s.properties:pw}',
      'mixed.password': '[hidden]',
    });
  });

  it('numbers fields within their group', () => {
    const keys = describeFields(plugin('source').config.fields);
    expect(keys.map((key) => [key.name, key.group, key.order])).toEqual([
      ['database.hostname', 'Connection', 1],
      ['database.port', 'Connection', 2],
      ['database.password', 'Connection', 3],
      ['snapshot.mode', 'Common', 1],
    ]);
    expect(keys[1]?.default_value).toBe('5432');
  });
});
