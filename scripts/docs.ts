// Generates the configuration reference from the code that defines it, so the docs never drift:
// the host settings (src/config/host-config.ts), the settings every connector has
// (src/host/connector-config.ts), the converters' (src/schema/converter-config.ts) and each
// connector's own fields (connectors/index.ts); and the metrics table with its Debezium JMX mapping
// (src/plugin/metric-catalog.ts).
//
//   node scripts/docs.ts           rewrite README.md's generated section and each connector's README.md
//   node scripts/docs.ts --check   exit 1 when any of them is out of date (the unit suite runs this check)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectorPlugins } from '../connectors/index.ts';
import { envOverrideOf, HOST_SETTINGS } from '../src/config/host-config.ts';
import { hostConfigDef } from '../src/host/connector-config.ts';
import { CLIENT_PROPERTIES } from '../src/kafka/client-properties.ts';
import type { ConnectorPlugin, Fields, MetricSpec, NumericRange } from '../src/plugin/index.ts';
import { DEBEZIUM_METRICS, HOST_METRICS, TASK_LABELS, TASK_METRICS } from '../src/plugin/index.ts';
import { CONVERTER_CONFIGS } from '../src/schema/converter-config.ts';

const root = join(import.meta.dirname, '..');
const BEGIN = '<!-- generated:config-reference -->';
const END = '<!-- /generated:config-reference -->';
const METRICS_BEGIN = '<!-- generated:metrics -->';
const METRICS_END = '<!-- /generated:metrics -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(text: string | undefined): string {
  return text === undefined || text === '' ? '' : `\`${cell(text)}\``;
}

function rangeText(range: NumericRange | undefined): string {
  if (range === undefined) return '';
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return ` From ${min} to ${max}.`;
  return min !== undefined ? ` At least ${min}.` : ` At most ${max}.`;
}

function fieldTable(fields: Fields, skip: ReadonlySet<string> = new Set()): string {
  const rows = Object.entries(fields)
    .filter(([name]) => !skip.has(name))
    .map(([name, spec]) => {
      const aliases = spec.aliases?.length ? ` (also ${spec.aliases.map(code).join(', ')})` : '';
      const required = spec.presence === 'required' ? 'yes' : '';
      const allowed = spec.allowed ? ` One of: ${spec.allowed.join(', ')}.` : '';
      return `| ${code(name)}${aliases} | ${spec.type} | ${required} | ${code(spec.defaultValue)} | ${cell(spec.doc)}${cell(allowed)}${cell(rangeText(spec.range))} |`;
    });
  return ['| key | type | required | default | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

function hostTable(): string {
  const rows = Object.entries(HOST_SETTINGS).map(([key, setting]) => {
    const fallback = 'default' in setting ? code(setting.default) : '';
    return `| ${code(key)} | ${code(envOverrideOf(key))} | ${fallback} | ${cell(setting.doc)} |`;
  });
  return ['| key | environment | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** Kafka's own client settings, as a Kafka Connect worker.properties and connector overrides take them. */
function kafkaClientTable(): string {
  const rows = Object.entries(CLIENT_PROPERTIES).map(([key, spec]) => {
    const where =
      key === 'bootstrap.servers' || key === 'client.id'
        ? `host: ${code(key === 'bootstrap.servers' ? 'kafka.brokers' : 'kafka.client.id')} (or ${code(key)}${key === 'bootstrap.servers' ? `; ${code('<kind>.bootstrap.servers')} only with the same brokers` : ''})`
        : spec.connectorOnly
          ? 'none (per connector only)'
          : spec.kinds
            ? spec.kinds.map((kind) => code(`${kind}.${key}`)).join(', ')
            : `${code(key)}, ${code(`<kind>.${key}`)}`;
    const env =
      key === 'bootstrap.servers' || key === 'client.id'
        ? code(`ONRAMP_KAFKA_${key === 'client.id' ? 'CLIENT_ID' : 'BOOTSTRAP_SERVERS'}`)
        : code(envOverrideOf(spec.kinds ? `${spec.kinds[0]}.${key}` : key));
    const overrides = (spec.kinds ?? ['producer', 'consumer', 'admin'])
      .map((kind) => code(`${kind}.override.${key}`))
      .join(', ');
    return `| ${code(key)} | ${where} | ${env} | ${cell(spec.doc)}${spec.secret ? ' Secret: hidden in every response.' : ''} Per connector: ${overrides}. |`;
  });
  return ['| property | host key | environment | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The converters `key.converter` / `value.converter` select, and the settings each takes under them. */
function converterSection(): string {
  const parts = [
    '### Converters (`key.converter` and `value.converter`, settings as `<key|value>.converter.<setting>`)',
    '',
    'A bad value is refused at validation naming the whole key (e.g. `value.converter.schemas.enable`); a',
    'setting the selected converter does not have is kept and returned as a warning.',
  ];
  for (const [className, def] of Object.entries(CONVERTER_CONFIGS)) {
    const settings = Object.keys(def.fields).length > 0 ? fieldTable(def.fields) : 'No settings.';
    parts.push(
      '',
      `#### ${className.slice(className.lastIndexOf('.') + 1)}`,
      '',
      code(className),
      '',
      settings,
    );
  }
  return parts.join('\n');
}

function pluginSection(plugin: ConnectorPlugin, level: string): string {
  const classes = [plugin.name, ...plugin.aliases].map(code).join(', ');
  return [
    `${level} ${plugin.name} (${plugin.kind})`,
    '',
    `\`connector.class\`: ${classes}`,
    '',
    fieldTable(plugin.config.fields),
  ].join('\n');
}

export function configReference(): string {
  // `<client>.override.<key>` fields are the Kafka client table's "Per connector" column.
  const withoutOverrides = (fields: Fields) =>
    Object.fromEntries(
      Object.entries(fields).filter(([name]) => !/^(producer|consumer|admin)\.override\./.test(name)),
    );
  const source = withoutOverrides(hostConfigDef('source').fields);
  const sink = withoutOverrides(hostConfigDef('sink').fields);
  const sinkOnly = Object.fromEntries(Object.entries(sink).filter(([name]) => !(name in source)));
  const parts = [
    '### Host (`config/host.example.yaml`, `ONRAMP_CONFIG` names another file; environment variables win)',
    '',
    hostTable(),
    '',
    "### Kafka clients (Kafka's own property names)",
    '',
    'As in a Kafka Connect worker.properties: connection settings at the top level of the host YAML apply to',
    'every client (unlike Kafka Connect, task clients inherit them), `producer.`/`consumer.`/`admin.` ones to one',
    'kind (`<kind>` below), and a connector overrides them with `producer.override.`, `consumer.override.`,',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the README shows a config placeholder
    '`admin.override.` as `connector.client.config.override.policy` allows. Values may be `${env:NAME}` placeholders.',
    'Any other Kafka client key is refused (at start or at validation), never accepted and ignored; so is an',
    '`ONRAMP_KAFKA_*` environment variable that names none of the keys below.',
    '',
    kafkaClientTable(),
    '',
    '### Every connector (Kafka Connect settings)',
    '',
    'Also accepted: `transforms.*`, `predicates.*`, `key.converter.*`, `value.converter.*`, `header.converter.*`,',
    '`producer.override.*`, `consumer.override.*` and `admin.override.*`. Unknown keys are kept and reported.',
    '',
    fieldTable(source),
    '',
    '### Every sink connector, in addition',
    '',
    fieldTable(sinkOnly),
    '',
    converterSection(),
  ];
  for (const plugin of connectorPlugins) parts.push('', pluginSection(plugin, '###'));
  if (connectorPlugins.length === 0) parts.push('', '_No connector plugins are registered yet._');
  return parts.join('\n');
}

function metricRow(
  name: string,
  spec: MetricSpec,
  base: readonly string[],
  after: readonly string[] = [],
): string {
  const labels = [...base, ...spec.labels, ...after].join(', ');
  return `| \`onramp_${name}\` | ${spec.type} | ${labels} | ${spec.by} | ${cell(spec.help)} |`;
}

/** The metrics table (src/plugin/metric-catalog.ts) and the mapping from Debezium's JMX attributes. */
export function metricsReference(): string {
  const rows = [
    ...Object.entries(TASK_METRICS).map(([name, spec]) => metricRow(name, spec, TASK_LABELS)),
    ...Object.entries(HOST_METRICS).map(([name, spec]) => metricRow(name, spec, [], ['product', 'domain'])),
  ];
  const mapping = DEBEZIUM_METRICS.map(
    (entry) => `| \`${entry.jmx}\` | ${entry.context} | ${cell(entry.onramp)} |`,
  );
  return [
    '| metric | type | labels | from | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    "Debezium's JMX attributes (MBean `debezium.<connector>:type=connector-metrics,context=snapshot|streaming,server=<topic.prefix>`)",
    'and where the same figure is on `/metrics`:',
    '',
    '| Debezium JMX attribute | context | Onramp (PromQL) |',
    '|---|---|---|',
    ...mapping,
  ].join('\n');
}

/** Replaces the text between `begin` and `end` in `text` (both markers must be there). */
function between(text: string, begin: string, end: string, content: string, file: string): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} lacks the ${begin} ... ${end} markers`);
  return `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`;
}

/** The files this generator owns, with their wanted content. */
function wantedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const withConfig = between(text, BEGIN, END, configReference(), 'README.md');
  files.set(readme, between(withConfig, METRICS_BEGIN, METRICS_END, metricsReference(), 'README.md'));
  for (const plugin of connectorPlugins) {
    const path = join(root, 'connectors', plugin.name, 'README.md');
    const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const head = current.includes(BEGIN) ? current.slice(0, current.indexOf(BEGIN)) : `# ${plugin.name}\n\n`;
    const tail = current.includes(END) ? current.slice(current.indexOf(END) + END.length) : '\n';
    files.set(path, `${head}${BEGIN}\n${pluginSection(plugin, '##')}\n${END}${tail}`);
  }
  return files;
}

/** Paths whose content differs from what the generator would write. */
export function staleDocs(): string[] {
  return [...wantedFiles()]
    .filter(([path, wanted]) => !existsSync(path) || readFileSync(path, 'utf8') !== wanted)
    .map(([path]) => path);
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const stale = staleDocs();
    for (const path of stale) process.stderr.write(`out of date: ${path} (run: npm run docs)\n`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const [path, content] of wantedFiles()) writeFileSync(path, content);
}
