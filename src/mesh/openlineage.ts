import { randomUUID } from 'node:crypto';
import type { Logger } from '../plugin/index.ts';
import { errorMessage } from '../plugin/index.ts';
import type { LineageGraph, LineageNode } from './lineage.ts';

// Lineage exported as OpenLineage run events (https://openlineage.io/spec), for Marquez and the
// other OpenLineage consumers: each connector is a job (namespace `lineage.openlineage.namespace`,
// name = connector), its run lasts while the connector exists, and its inputs and outputs are the
// datasets the lineage graph records — database tables (`postgres://host:port` + `db.schema.table`,
// `mysql://host:port` + `db.table`, the OpenLineage naming spec) and Kafka topics
// (`kafka://<bootstrap server>` + topic). An event is sent when a connector's datasets change
// (START the first time, RUNNING after) and COMPLETE when it is deleted; before the run event, a
// JobEvent (static lineage, spec 2-0-2) states the job's definition as it now is: its inputs and
// outputs and a jobType facet (STREAMING, integration ONRAMP, SOURCE or SINK), so a receiver knows the
// job as created or reconfigured without inferring it from runs. Each table and topic whose
// columns are known is also sent as a DatasetEvent with its schema facet (columns, types, comments
// as descriptions; a topic's fields after the connector's column mappings) when it changes. Sending
// never blocks or fails the host; a refused or unreachable endpoint is logged.

const PRODUCER = 'https://github.com/onramp/onramp';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const DATASET_EVENT_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent';
const JOB_EVENT_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent';
const JOB_TYPE_FACET_URL =
  'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet';
const SCHEMA_FACET_URL =
  'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet';
const SEND_TIMEOUT_MS = 10_000;

export interface OpenLineageOptions {
  /** The OpenLineage HTTP endpoint base (events go to `<url>/api/v1/lineage`, as its HTTP transport does). */
  url: string;
  namespace: string;
  /** The Kafka bootstrap server that names topic datasets. */
  kafkaServer: string;
  log: Logger;
}

interface Dataset {
  namespace: string;
  name: string;
}

export interface RunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string };
  job: { namespace: string; name: string };
  inputs: Dataset[];
  outputs: Dataset[];
}

/** A dataset's schema (OpenLineage's static lineage): a table's columns or a topic's row fields. */
export interface DatasetEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  dataset: Dataset & {
    facets: {
      schema: {
        _producer: string;
        _schemaURL: string;
        fields: Array<{ name: string; type: string; description?: string }>;
      };
    };
  };
}

/** A job's definition (OpenLineage's static lineage): what it reads and writes, with no run. */
export interface JobEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  job: {
    namespace: string;
    name: string;
    facets: {
      jobType: {
        _producer: string;
        _schemaURL: string;
        processingType: 'STREAMING';
        integration: 'ONRAMP';
        jobType: 'SOURCE' | 'SINK';
      };
    };
  };
  inputs: Dataset[];
  outputs: Dataset[];
}

export type LineageEvent = RunEvent | DatasetEvent | JobEvent;

/** The OpenLineage dataset a lineage node is, or undefined (connectors, groups, products). */
export function datasetOf(node: LineageNode, kafkaServer: string): Dataset | undefined {
  if (node.kind === 'topic') return { namespace: `kafka://${kafkaServer}`, name: node.name };
  if (node.kind !== 'table') return undefined;
  const attributes = node.attributes ?? {};
  const type = String(attributes.databaseType ?? '');
  const scheme = type === 'postgresql' || type === 'postgres' ? 'postgres' : 'mysql';
  const where =
    attributes.host === undefined
      ? String(attributes.database ?? '')
      : `${attributes.host}:${attributes.port}`;
  const database = String(attributes.database ?? '');
  // MySQL's "schema" is the database: db.table; PostgreSQL: db.schema.table.
  const name =
    scheme === 'mysql' && node.name.startsWith(`${database}.`) ? node.name : `${database}.${node.name}`;
  return { namespace: `${scheme}://${where}`, name };
}

export class OpenLineageExporter {
  private readonly options: OpenLineageOptions;
  private readonly runs = new Map<string, { runId: string; signature: string }>();
  /** The schema last sent for each dataset (`<namespace>/<name>`). */
  private readonly schemas = new Map<string, string>();
  private sending: Promise<void> = Promise.resolve();

  constructor(options: OpenLineageOptions) {
    this.options = options;
  }

  /** The events that bring the receiver up to date with `graph` (and remembers them as sent). */
  eventsFor(graph: LineageGraph, now = new Date()): LineageEvent[] {
    const nodes = new Map(graph.nodes.map((node) => [node.id, node]));
    const events: LineageEvent[] = this.datasetEvents(graph, now);
    const seen = new Set<string>();
    for (const connector of graph.nodes.filter((node) => node.kind === 'connector')) {
      seen.add(connector.name);
      const datasets = (ids: string[]) =>
        ids
          .map((id) => nodes.get(id))
          .flatMap((node) => {
            const dataset = node ? datasetOf(node, this.options.kafkaServer) : undefined;
            return dataset ? [dataset] : [];
          })
          .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
      const inputs = datasets(
        graph.edges.filter((edge) => edge.to === connector.id).map((edge) => edge.from),
      );
      const outputs = datasets(
        graph.edges.filter((edge) => edge.from === connector.id).map((edge) => edge.to),
      );
      const signature = JSON.stringify([inputs, outputs]);
      const known = this.runs.get(connector.name);
      if (known?.signature === signature) continue;
      const runId = known?.runId ?? randomUUID();
      this.runs.set(connector.name, { runId, signature });
      const type = connector.attributes?.type === 'sink' ? 'SINK' : 'SOURCE';
      events.push(this.jobEvent(connector.name, type, inputs, outputs, now));
      events.push(this.event(known ? 'RUNNING' : 'START', connector.name, runId, inputs, outputs, now));
    }
    for (const [name, run] of this.runs) {
      if (seen.has(name)) continue;
      this.runs.delete(name);
      events.push(this.event('COMPLETE', name, run.runId, [], [], now));
    }
    return events;
  }

  /** A DatasetEvent with its schema for each table and topic whose columns are known and changed. */
  private datasetEvents(graph: LineageGraph, now: Date): DatasetEvent[] {
    const events: DatasetEvent[] = [];
    for (const node of graph.nodes) {
      const list = node.attributes?.[node.kind === 'table' ? 'columns' : 'fields'];
      if (!Array.isArray(list) || list.length === 0) continue;
      const dataset = datasetOf(node, this.options.kafkaServer);
      if (!dataset) continue;
      const fields = (list as Array<{ name: string; type: string; description?: string }>).map((field) => ({
        name: field.name,
        type: field.type,
        ...(field.description !== undefined && { description: field.description }),
      }));
      const key = `${dataset.namespace}/${dataset.name}`;
      const signature = JSON.stringify(fields);
      if (this.schemas.get(key) === signature) continue;
      this.schemas.set(key, signature);
      events.push({
        eventTime: now.toISOString(),
        producer: PRODUCER,
        schemaURL: DATASET_EVENT_URL,
        dataset: {
          ...dataset,
          facets: { schema: { _producer: PRODUCER, _schemaURL: SCHEMA_FACET_URL, fields } },
        },
      });
    }
    return events;
  }

  /** Sends what changed since the last call; one send at a time, in order. */
  export(graph: LineageGraph): Promise<void> {
    const events = this.eventsFor(graph);
    this.sending = this.sending.then(async () => {
      for (const event of events) await this.post(event);
    });
    return this.sending;
  }

  private jobEvent(
    job: string,
    jobType: 'SOURCE' | 'SINK',
    inputs: Dataset[],
    outputs: Dataset[],
    now: Date,
  ): JobEvent {
    return {
      eventTime: now.toISOString(),
      producer: PRODUCER,
      schemaURL: JOB_EVENT_URL,
      job: {
        namespace: this.options.namespace,
        name: job,
        facets: {
          jobType: {
            _producer: PRODUCER,
            _schemaURL: JOB_TYPE_FACET_URL,
            processingType: 'STREAMING',
            integration: 'ONRAMP',
            jobType,
          },
        },
      },
      inputs,
      outputs,
    };
  }

  private event(
    eventType: RunEvent['eventType'],
    job: string,
    runId: string,
    inputs: Dataset[],
    outputs: Dataset[],
    now: Date,
  ): RunEvent {
    return {
      eventType,
      eventTime: now.toISOString(),
      producer: PRODUCER,
      schemaURL: SCHEMA_URL,
      run: { runId },
      job: { namespace: this.options.namespace, name: job },
      inputs,
      outputs,
    };
  }

  private async post(event: LineageEvent): Promise<void> {
    const what =
      'run' in event
        ? `the ${event.eventType} event of ${event.job.name}`
        : 'job' in event
          ? `the definition of ${event.job.name}`
          : `the schema of ${event.dataset.name}`;
    const url = `${this.options.url.replace(/\/+$/, '')}/api/v1/lineage`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      if (!response.ok)
        this.options.log.warn(
          { status: response.status },
          `OpenLineage endpoint refused ${what}: HTTP ${response.status}`,
        );
    } catch (error) {
      this.options.log.warn({}, `OpenLineage: ${what} not sent: ${errorMessage(error)}`);
    }
  }
}

/**
 * Keeps an OpenLineage receiver up to date: every connector change or newly seen topic schedules one
 * export of the whole mesh's lineage a moment later (changes coming together are sent together).
 */
export class LineageFeed {
  private readonly exporter: OpenLineageExporter;
  private readonly graph: () => Promise<LineageGraph>;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: {
    exporter: OpenLineageExporter;
    graph: () => Promise<LineageGraph>;
    delayMs?: number;
  }) {
    this.exporter = options.exporter;
    this.graph = options.graph;
    this.delayMs = options.delayMs ?? 1_000;
  }

  connectorStored(): void {
    this.schedule();
  }

  connectorDeleted(): void {
    this.schedule();
  }

  topicsRecorded(): void {
    this.schedule();
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.graph()
        .then((graph) => this.exporter.export(graph))
        .catch(() => undefined);
    }, this.delayMs);
    this.timer.unref();
  }
}
