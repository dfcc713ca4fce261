// The topics each connector wrote or read (Kafka Connect's "active topics", KIP-558). Kept beside the
// other stores so lineage survives restarts; Kafka Connect keeps them in its status topic.
export interface TopicStore {
  get(connector: string): string[];
  /** Replaces the connector's topic set. Durable when the promise resolves. */
  put(connector: string, topics: readonly string[]): Promise<void>;
  delete(connector: string): Promise<void>;
  /**
   * Cluster mode: tells `listener` when another worker recorded a topic new to a connector (read from
   * the status topic), with the connector's topics then; the leader's catalog describes from it.
   */
  subscribe?(listener: (connector: string, topics: readonly string[]) => void): () => void;
}
