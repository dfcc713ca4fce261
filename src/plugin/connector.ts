import type { SinkTarget, SinkTopic, SourceDescription } from './captured-tables.ts';
import type { ConfigDef, ConfigOf, FieldError, Fields } from './config-def.ts';
import type {
  SinkRecord,
  SourceOffsetEntry,
  SourceRecord,
  TopicPartition,
  TopicPartitionOffset,
} from './record.ts';
import type { SnapshotProgress, TaskSignal } from './snapshots.ts';
import type { TaskConfig, TaskContext } from './task-context.ts';

// The contract between the host and a connector. Method syntax (not arrow properties) is deliberate:
// it keeps a connector typed by its own config assignable to the host's list of plugins.

interface PluginBase<F extends Fields> {
  /** Short name, e.g. 'postgres-source'. */
  readonly name: string;
  /** Other class names that select this plugin, e.g. 'io.debezium.connector.postgresql.PostgresConnector'. */
  readonly aliases: readonly string[];
  readonly version: string;
  readonly config: ConfigDef<F>;
  /** Splits the work into at most `maxTasks` task configs (one entry per task). */
  planTasks(config: ConfigOf<F>, maxTasks: number): TaskConfig[];
  /** Runs once when the connector is created (e.g. create a publication or slot). */
  onCreated?(config: ConfigOf<F>): Promise<void>;
  /** Runs once when the connector is deleted (e.g. drop the slot). */
  onDeleted?(config: ConfigOf<F>): Promise<void>;
  /**
   * Runs when a connector's config is replaced, after its tasks stopped and before they start with
   * `after` (e.g. drop or report the slot a renamed slot.name left behind). Resolves with warnings
   * for the update's response; a rejection is logged and does not stop the update.
   */
  onReconfigured?(before: ConfigOf<F>, after: ConfigOf<F>): Promise<FieldError[]>;
  /**
   * The keys the connector this plugin replaces defines (e.g. Debezium's PostgreSQL connector),
   * so that one the plugin does not declare is refused by name instead of silently ignored.
   */
  readonly originalKeys?: OriginalKeys;
}

/** Another implementation's config keys (data files next to each connector, e.g. debezium-keys.json). */
export interface OriginalKeys {
  /** Whose keys these are, for messages: 'Debezium PostgreSQL connector (io.debezium...)'. */
  readonly connector: string;
  /** Key names; `<n>`-style placeholders stand for any text (column.mask.with.<n>.chars). */
  readonly keys: readonly string[];
  /** Legacy key -> the key that replaced it. */
  readonly renamed?: Readonly<Record<string, string>>;
  /** What to do instead of an unimplemented key (or `prefix.`), where there is an alternative. */
  readonly alternatives?: Readonly<Record<string, string>>;
  /**
   * Keys (or `prefix.`) that only tune the original's own internals and change nothing Onramp
   * produces, with why: accepted, and reported as warnings rather than refused.
   */
  readonly noEffect?: Readonly<Record<string, string>>;
  /**
   * Unimplemented keys whose value, when it is this one, asks for what Onramp always does
   * (include.schema.changes=false, snapshot.locking.mode=none): accepted then, with a warning.
   */
  readonly behavesAs?: Readonly<Record<string, string>>;
}

export interface SourcePlugin<F extends Fields = Fields> extends PluginBase<F> {
  readonly kind: 'source';
  createTask(): SourceTask<ConfigOf<F>>;
  /**
   * Optional, for the data-product catalog: the tables this config captures, read from the
   * database's catalog (columns, keys, comments, enums, foreign keys), and the topic of each.
   */
  describe?(config: ConfigOf<F>): Promise<SourceDescription>;
}

export interface SinkPlugin<F extends Fields = Fields> extends PluginBase<F> {
  readonly kind: 'sink';
  createTask(): SinkTask<ConfigOf<F>>;
  /** Optional, for lineage: the table each of these topics is written to (no connection needed). */
  targets?(config: ConfigOf<F>, topics: readonly SinkTopic[]): SinkTarget[];
}

export type ConnectorPlugin<F extends Fields = Fields> = SourcePlugin<F> | SinkPlugin<F>;

export interface SourceTask<C> {
  /** `from` holds the offsets stored for this connector (empty on first start). */
  start(config: C, context: TaskContext, from: readonly SourceOffsetEntry[]): Promise<void>;
  /**
   * Returns the next records, in order. Resolves with [] when nothing arrived within a short wait
   * (about a second) so the host can check for pause/stop; never busy-loops. When `signal`
   * aborts (the task stops, or the producer's linger.ms wait for more records is over) it resolves
   * soon with what it has, possibly []; records it took must be returned, never dropped. The
   * array is the host's: it clears each entry once converted (so a converted record's values can
   * be collected while the rest of the batch is sent), so return one the task keeps no use for.
   */
  poll(signal: AbortSignal): Promise<SourceRecord[]>;
  /**
   * Every record up to these offsets is acknowledged by Kafka and the offsets are stored: the
   * source may now release them (confirm the LSN, forget the binlog position).
   */
  commit(offsets: readonly SourceOffsetEntry[]): Promise<void>;
  stop(): Promise<void>;
  /**
   * Optional: a Debezium signal sent through the host (POST /connectors/{name}/snapshots, Debezium's
   * in-process channel). Resolves once the task took it; rejects with SNAPSHOT_REQUEST_INVALID
   * saying why it cannot run it.
   */
  signal?(signal: TaskSignal): Promise<void>;
  /** Optional: the ad hoc snapshots the task runs or ran (GET /connectors/{name}/snapshots). */
  snapshots?(): SnapshotProgress | undefined;
}

export interface SinkTask<C> {
  start(config: C, context: TaskContext): Promise<void>;
  /** Receives records in Kafka order per partition; may buffer them. */
  put(records: readonly SinkRecord[]): Promise<void>;
  /** Makes everything put so far durable in the target; Kafka offsets are committed after this. */
  flush(): Promise<void>;
  /**
   * Optional, for tasks that keep their own offsets (e.g. in the target database, in the same
   * transaction as the rows): where newly assigned partitions start. Called after each (re)assignment,
   * before the first records of those partitions are put; the offsets returned win over the consumer
   * group's, partitions left out start from the group's.
   */
  startOffsets?(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]>;
  stop(): Promise<void>;
}
