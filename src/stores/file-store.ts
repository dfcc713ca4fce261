import { chmod, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OnrampError } from '../plugin/errors.ts';
import type { SourceOffsetEntry, SourcePartition } from '../plugin/index.ts';
import { AtomicFileWriter, syncDirectory, TEMP_MARKER } from './atomic-file.ts';
import { fileNameFor } from './file-name.ts';
import { isSealed, type SecretCodec, SecretKeyError } from './secret-codec.ts';
import type {
  ConfigListener,
  ConfigStore,
  OffsetStore,
  RestartRequest,
  StatusStore,
  StoredConnector,
  StoredStatus,
  TargetState,
} from './stores.ts';
import type { TopicStore } from './topic-store.ts';

// The embedded stores: one JSON file per connector in each of data/connectors, data/offsets,
// data/status and data/topics. Everything is loaded at open and served from memory; every change is
// written through (atomically, see atomic-file.ts) before its promise resolves. Offsets are served
// only once durable (see FileOffsetStore).

export interface FileStores {
  configs: ConfigStore;
  offsets: OffsetStore;
  statuses: StatusStore;
  topics: TopicStore;
  /** Waits for every pending write; the stores stay usable. */
  flush(): Promise<void>;
}

/** Which stored config values are secrets, and the key that seals them (none: plaintext, 0600). */
export interface StoreSecrets {
  codec?: SecretCodec | undefined;
  /** Whether `key` of a connector's config (or of one of its task configs) holds a secret. */
  isSecret(connectorConfig: Readonly<Record<string, string>>, key: string, value: string): boolean;
}

export async function openFileStores(dataDir: string, secrets?: StoreSecrets): Promise<FileStores> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const writer = new AtomicFileWriter();
  const dirs = {
    connectors: new JsonDirectory(join(dataDir, 'connectors'), writer),
    offsets: new JsonDirectory(join(dataDir, 'offsets'), writer),
    status: new JsonDirectory(join(dataDir, 'status'), writer),
    topics: new JsonDirectory(join(dataDir, 'topics'), writer),
  };
  const [connectors, offsets, statuses, topics] = await Promise.all([
    dirs.connectors.load((doc) => openSecrets(parseConnectorDoc(doc), secrets?.codec)),
    dirs.offsets.load(parseOffsetsDoc),
    dirs.status.load(parseStatusDoc),
    dirs.topics.load(parseTopicsDoc),
  ]);
  const configs = new FileConfigStore(dirs.connectors, connectors, secrets);
  // A data dir from before the key was set: its plaintext secrets are sealed now.
  await configs.sealPlaintext();
  return {
    configs,
    offsets: new FileOffsetStore(dirs.offsets, offsets),
    statuses: new FileStatusStore(dirs.status, statuses),
    topics: new FileTopicStore(dirs.topics, topics),
    flush: () => writer.idle(),
  };
}

/** A directory of JSON documents, one per connector. */
class JsonDirectory {
  readonly dir: string;
  private readonly writer: AtomicFileWriter;

  constructor(dir: string, writer: AtomicFileWriter) {
    this.dir = dir;
    this.writer = writer;
  }

  async load<T>(parse: (doc: unknown) => { name: string; value: T }): Promise<Map<string, T>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const loaded = new Map<string, T>();
    let removedTemp = false;
    for (const entry of await readdir(this.dir)) {
      const path = join(this.dir, entry);
      if (entry.includes(TEMP_MARKER)) {
        // A write that never reached its rename: the target still holds the previous content.
        await unlink(path).catch(() => undefined);
        removedTemp = true;
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      // Files written before they were created 0600 are made private too.
      if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new OnrampError('INTERNAL', `Store file ${path} cannot be read: ${(error as Error).message}`);
      }
      try {
        const { name, value } = parse(doc);
        loaded.set(name, value);
      } catch (error) {
        if (error instanceof SecretKeyError)
          throw new OnrampError('INTERNAL', `Store file ${path}: ${error.message}`);
        throw new OnrampError(
          'INTERNAL',
          `Store file ${path} has an unexpected shape: ${(error as Error).message}`,
        );
      }
    }
    if (removedTemp) await syncDirectory(this.dir);
    return loaded;
  }

  save(name: string, doc: unknown): Promise<void> {
    return this.writer.write(join(this.dir, fileNameFor(name)), `${JSON.stringify(doc, null, 2)}\n`);
  }

  remove(name: string): Promise<void> {
    return this.writer.write(join(this.dir, fileNameFor(name)), null);
  }
}

interface LoadedConnector {
  /** Secrets opened. */
  connector: StoredConnector;
  /** As the file holds it (sealed values still sealed). */
  file: StoredConnector;
}

/** Opens the sealed values of a connector document. */
function openSecrets(
  parsed: { name: string; value: StoredConnector },
  codec: SecretCodec | undefined,
): { name: string; value: LoadedConnector } {
  const open = (config: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(config).map(([key, value]) => {
        if (!isSealed(value)) return [key, value];
        if (!codec)
          throw new SecretKeyError(
            `${key} is encrypted, but no secret key is configured (ONRAMP_SECRET_KEY or secrets.key.file)`,
          );
        return [key, codec.open(value)];
      }),
    );
  const file = parsed.value;
  return {
    name: parsed.name,
    value: { connector: { ...file, config: open(file.config), tasks: file.tasks.map(open) }, file },
  };
}

class FileConfigStore implements ConfigStore {
  private readonly dir: JsonDirectory;
  private readonly connectors: Map<string, StoredConnector>;
  private readonly loaded: Map<string, LoadedConnector>;
  private readonly secrets: StoreSecrets | undefined;
  private readonly listeners = new Set<ConfigListener>();

  constructor(dir: JsonDirectory, loaded: Map<string, LoadedConnector>, secrets: StoreSecrets | undefined) {
    this.dir = dir;
    this.loaded = loaded;
    this.connectors = new Map([...loaded].map(([name, entry]) => [name, entry.connector]));
    this.secrets = secrets;
  }

  /** With a key: rewrites each connector whose file holds a secret in plaintext. */
  async sealPlaintext(): Promise<void> {
    const secrets = this.secrets;
    if (!secrets?.codec) return;
    for (const { connector, file } of this.loaded.values()) {
      const plain = (config: Record<string, string>, stored: Record<string, string> | undefined) =>
        Object.entries(config).some(
          ([key, value]) => secrets.isSecret(connector.config, key, value) && !isSealed(stored?.[key] ?? ''),
        );
      if (
        plain(connector.config, file.config) ||
        connector.tasks.some((task, index) => plain(task, file.tasks[index]))
      ) {
        await this.dir.save(connector.name, this.sealed(connector));
      }
    }
    this.loaded.clear();
  }

  list(): StoredConnector[] {
    return [...this.connectors.values()].map((connector) => structuredClone(connector));
  }

  get(name: string): StoredConnector | undefined {
    const connector = this.connectors.get(name);
    return connector && structuredClone(connector);
  }

  async put(connector: StoredConnector): Promise<void> {
    const copy = structuredClone(connector);
    const before = this.connectors.get(copy.name);
    this.connectors.set(copy.name, copy);
    await this.dir.save(copy.name, this.sealed(copy));
    // Told once durable, as a Kafka store tells once it read its record back.
    const name = copy.name;
    if (!before || !sameStrings(before.config, copy.config))
      this.notify((l) => l.onConnectorConfigUpdate(name));
    if (before && before.targetState !== copy.targetState) this.notify((l) => l.onTargetStateChange(name));
    if (!before || !sameTasks(before.tasks, copy.tasks)) this.notify((l) => l.onTaskConfigUpdate(name));
  }

  async delete(name: string): Promise<void> {
    const existed = this.connectors.delete(name);
    await this.dir.remove(name);
    if (existed) this.notify((l) => l.onConnectorConfigRemove(name));
  }

  /** One process has no one else to tell: the request only reaches this process's listeners. */
  async putRestartRequest(request: RestartRequest): Promise<void> {
    const copy = { ...request };
    this.notify((l) => l.onRestartRequest(copy));
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(call: (listener: ConfigListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch {
        // A listener reports its own failures; a durable write does not fail because of one.
      }
    }
  }

  /** The connector as its file holds it: every secret value sealed when a key is configured. */
  private sealed(connector: StoredConnector): StoredConnector {
    const secrets = this.secrets;
    const codec = secrets?.codec;
    if (!secrets || !codec) return connector;
    const seal = (config: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(config).map(([key, value]) => [
          key,
          secrets.isSecret(connector.config, key, value) ? codec.seal(value) : value,
        ]),
      );
    return { ...connector, config: seal(connector.config), tasks: connector.tasks.map(seal) };
  }
}

function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function sameTasks(a: readonly Record<string, string>[], b: readonly Record<string, string>[]): boolean {
  return a.length === b.length && a.every((task, index) => sameStrings(task, b[index] ?? {}));
}

/** Partitions are compared by content, independent of key order. */
function partitionKey(partition: SourcePartition): string {
  return JSON.stringify(Object.entries(partition).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Offsets are read only once durable: get() returns what a finished write put on disk, never an
 * offset still waiting for (or in the middle of) its write. Otherwise GET /connectors/{n}/offsets or
 * a task restart could see an offset that a crash then loses, and a restart would begin behind
 * what was shown. Puts build on every put before them (durable or not), so none is lost.
 */
class FileOffsetStore implements OffsetStore {
  private readonly dir: JsonDirectory;
  /** Every put so far, durable or not: what the next write starts from. */
  private readonly latest: Map<string, Map<string, SourceOffsetEntry>>;
  /** What get() returns: the newest content a finished write holds, per connector. */
  private readonly durable: Map<string, SourceOffsetEntry[]>;
  /** The sequence number of the put whose content `durable` holds, per connector. */
  private readonly durableSeq = new Map<string, number>();
  private seq = 0;

  constructor(dir: JsonDirectory, loaded: Map<string, SourceOffsetEntry[]>) {
    this.dir = dir;
    this.latest = new Map(
      [...loaded].map(([name, entries]) => [
        name,
        new Map(entries.map((entry) => [partitionKey(entry.partition), entry])),
      ]),
    );
    this.durable = new Map([...this.latest].map(([name, entries]) => [name, [...entries.values()]]));
  }

  get(connector: string): SourceOffsetEntry[] {
    return structuredClone(this.durable.get(connector) ?? []);
  }

  put(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffsetEntry['offset'] | null }>,
  ): Promise<void> {
    let current = this.latest.get(connector);
    if (!current) {
      current = new Map();
      this.latest.set(connector, current);
    }
    for (const { partition, offset } of entries) {
      const key = partitionKey(partition);
      if (offset === null) current.delete(key);
      else current.set(key, structuredClone({ partition, offset }));
    }
    if (current.size === 0) return this.reset(connector);
    // Entries are never mutated once in the map (a put replaces them), so the array is a snapshot.
    const content = [...current.values()];
    return this.written(connector, content, this.dir.save(connector, { connector, offsets: content }));
  }

  reset(connector: string): Promise<void> {
    this.latest.delete(connector);
    return this.written(connector, [], this.dir.remove(connector));
  }

  /**
   * Makes `content` visible once `write` is durable. The writer coalesces queued writes and resolves
   * their promises in order once the newest is on disk, so the last one to settle is what the file
   * holds; an older put settling late never hides a newer durable one.
   */
  private async written(
    connector: string,
    content: SourceOffsetEntry[],
    write: Promise<void>,
  ): Promise<void> {
    const seq = ++this.seq;
    await write;
    if ((this.durableSeq.get(connector) ?? 0) > seq) return;
    this.durableSeq.set(connector, seq);
    if (content.length === 0) this.durable.delete(connector);
    else this.durable.set(connector, content);
  }
}

interface StatusDoc {
  connector: StoredStatus | undefined;
  tasks: Map<number, StoredStatus>;
}

class FileStatusStore implements StatusStore {
  private readonly dir: JsonDirectory;
  private readonly statuses: Map<string, StatusDoc>;

  constructor(dir: JsonDirectory, statuses: Map<string, StatusDoc>) {
    this.dir = dir;
    this.statuses = statuses;
  }

  getConnector(name: string): StoredStatus | undefined {
    const status = this.statuses.get(name)?.connector;
    return status && { ...status };
  }

  getTask(name: string, taskId: number): StoredStatus | undefined {
    const status = this.statuses.get(name)?.tasks.get(taskId);
    return status && { ...status };
  }

  putConnector(name: string, status: StoredStatus): Promise<void> {
    this.doc(name).connector = { ...status };
    return this.save(name);
  }

  putTask(name: string, taskId: number, status: StoredStatus): Promise<void> {
    this.doc(name).tasks.set(taskId, { ...status });
    return this.save(name);
  }

  delete(name: string): Promise<void> {
    this.statuses.delete(name);
    return this.dir.remove(name);
  }

  private doc(name: string): StatusDoc {
    let doc = this.statuses.get(name);
    if (!doc) {
      doc = { connector: undefined, tasks: new Map() };
      this.statuses.set(name, doc);
    }
    return doc;
  }

  private save(name: string): Promise<void> {
    const doc = this.doc(name);
    return this.dir.save(name, {
      name,
      connector: doc.connector ?? null,
      tasks: Object.fromEntries([...doc.tasks].map(([id, status]) => [String(id), status])),
    });
  }
}

class FileTopicStore implements TopicStore {
  private readonly dir: JsonDirectory;
  private readonly topics: Map<string, string[]>;

  constructor(dir: JsonDirectory, topics: Map<string, string[]>) {
    this.dir = dir;
    this.topics = topics;
  }

  get(connector: string): string[] {
    return [...(this.topics.get(connector) ?? [])];
  }

  put(connector: string, topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return this.delete(connector);
    this.topics.set(connector, [...topics]);
    return this.dir.save(connector, { connector, topics });
  }

  delete(connector: string): Promise<void> {
    this.topics.delete(connector);
    return this.dir.remove(connector);
  }
}

// --- document parsing: the files are ours, but a hand-edited or foreign file must fail clearly.

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} must be a string`);
  return value;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  const map = record(value, what);
  return Object.fromEntries(Object.entries(map).map(([key, item]) => [key, text(item, `${what}.${key}`)]));
}

const TARGET_STATES: readonly TargetState[] = ['STARTED', 'PAUSED', 'STOPPED'];
const RUN_STATES: readonly StoredStatus['state'][] = [
  'UNASSIGNED',
  'RUNNING',
  'PAUSED',
  'STOPPED',
  'FAILED',
  'RESTARTING',
];

function parseConnectorDoc(doc: unknown): { name: string; value: StoredConnector } {
  const body = record(doc, 'connector');
  const name = text(body.name, 'name');
  const targetState = text(body.targetState, 'targetState') as TargetState;
  if (!TARGET_STATES.includes(targetState)) throw new Error(`targetState ${targetState} is unknown`);
  if (!Array.isArray(body.tasks)) throw new Error('tasks must be an array');
  const tasks = body.tasks.map((task, index) => stringMap(task, `tasks[${index}]`));
  return { name, value: { name, config: stringMap(body.config, 'config'), targetState, tasks } };
}

function parseOffsetsDoc(doc: unknown): { name: string; value: SourceOffsetEntry[] } {
  const body = record(doc, 'offsets');
  const name = text(body.connector, 'connector');
  if (!Array.isArray(body.offsets)) throw new Error('offsets must be an array');
  const entries = body.offsets.map((entry, index) => {
    const item = record(entry, `offsets[${index}]`);
    return {
      partition: record(item.partition, `offsets[${index}].partition`) as SourcePartition,
      offset: record(item.offset, `offsets[${index}].offset`) as SourceOffsetEntry['offset'],
    };
  });
  return { name, value: entries };
}

function parseStoredStatus(value: unknown, what: string): StoredStatus {
  const body = record(value, what);
  const state = text(body.state, `${what}.state`) as StoredStatus['state'];
  if (!RUN_STATES.includes(state)) throw new Error(`${what}.state ${state} is unknown`);
  const status: StoredStatus = { state, workerId: text(body.workerId, `${what}.workerId`) };
  if (body.trace !== undefined) status.trace = text(body.trace, `${what}.trace`);
  if (body.generation !== undefined) {
    if (!Number.isSafeInteger(body.generation)) throw new Error(`${what}.generation must be an integer`);
    status.generation = body.generation as number;
  }
  return status;
}

function parseStatusDoc(doc: unknown): { name: string; value: StatusDoc } {
  const body = record(doc, 'status');
  const name = text(body.name, 'name');
  const connector = body.connector === null ? undefined : parseStoredStatus(body.connector, 'connector');
  const tasks = new Map(
    Object.entries(record(body.tasks, 'tasks')).map(([id, status]) => [
      Number(id),
      parseStoredStatus(status, `tasks.${id}`),
    ]),
  );
  return { name, value: { connector, tasks } };
}

function parseTopicsDoc(doc: unknown): { name: string; value: string[] } {
  const body = record(doc, 'topics');
  const name = text(body.connector, 'connector');
  if (!Array.isArray(body.topics)) throw new Error('topics must be an array');
  return { name, value: body.topics.map((topic, index) => text(topic, `topics[${index}]`)) };
}
