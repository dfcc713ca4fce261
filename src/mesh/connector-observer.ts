import type { ConfigStore, StoredConnector } from '../stores/stores.ts';
import type { TopicStore } from '../stores/topic-store.ts';

// The seam between the connector host and the data-product catalog: the host already writes every
// connector change to its config store and every topic its tasks touch to its topic store, so the
// catalog watches those writes instead of the host growing product logic. A listener runs after the
// write is durable and never delays or fails it.

export interface ConnectorListener {
  connectorStored(connector: StoredConnector): void;
  connectorDeleted(name: string): void;
  topicsRecorded(connector: string, topics: readonly string[]): void;
}

export function observeConfigs(store: ConfigStore, listener: ConnectorListener): ConfigStore {
  return {
    list: () => store.list(),
    get: (name) => store.get(name),
    async put(connector) {
      await store.put(connector);
      notify(() => listener.connectorStored(connector));
    },
    async delete(name) {
      await store.delete(name);
      notify(() => listener.connectorDeleted(name));
    },
    putRestartRequest: (request) => store.putRestartRequest(request),
    subscribe: (configListener) => store.subscribe(configListener),
  };
}

/**
 * Cluster mode: connector configs are written by the leader (and task configs by the worker running
 * the connector), so a worker's own writes are not all there is: every change read from the config
 * topic is told to `listener` too. A change this worker wrote is then told twice; the listeners
 * (catalog, telemetry, lineage feed) take a repeat as no change.
 */
export function followConfigTopic(store: ConfigStore, listener: ConnectorListener): () => void {
  const stored = (name: string) => {
    const connector = store.get(name);
    if (connector) notify(() => listener.connectorStored(connector));
  };
  return store.subscribe({
    onConnectorConfigUpdate: stored,
    onConnectorConfigRemove: (name) => notify(() => listener.connectorDeleted(name)),
    onTaskConfigUpdate: () => undefined,
    onTargetStateChange: stored,
    onRestartRequest: () => undefined,
  });
}

export function observeTopics(store: TopicStore, listener: ConnectorListener): TopicStore {
  return {
    get: (connector) => store.get(connector),
    async put(connector, topics) {
      await store.put(connector, topics);
      notify(() => listener.topicsRecorded(connector, topics));
    },
    delete: (connector) => store.delete(connector),
  };
}

/** One listener that tells each of `listeners`, in order. */
export function fanOut(listeners: readonly ConnectorListener[]): ConnectorListener {
  return {
    connectorStored: (connector) => {
      for (const listener of listeners) notify(() => listener.connectorStored(connector));
    },
    connectorDeleted: (name) => {
      for (const listener of listeners) notify(() => listener.connectorDeleted(name));
    },
    topicsRecorded: (connector, topics) => {
      for (const listener of listeners) notify(() => listener.topicsRecorded(connector, topics));
    },
  };
}

function notify(call: () => void): void {
  try {
    call();
  } catch {
    // The catalog logs its own failures; a connector change never fails because of it.
  }
}
