import type { Cluster } from '../kafka/types.ts';
import { errorMessage } from '../plugin/errors.ts';

// Whether Kafka answers, for /health and GET /. Never makes a caller wait longer than it asked: the
// check keeps running in the background (the client may retry for seconds against a dead broker) and
// one check at a time is in flight; a result is reused for a couple of seconds.

export interface KafkaHealth {
  reachable: boolean;
  detail: string;
}

export class KafkaHealthProbe {
  private readonly cluster: Cluster;
  private readonly reuseMs: number;
  private knownClusterId: string | undefined;
  private inFlight: Promise<KafkaHealth> | undefined;
  private last: { at: number; health: KafkaHealth } | undefined;

  constructor(cluster: Cluster, reuseMs = 2_000) {
    this.cluster = cluster;
    this.reuseMs = reuseMs;
  }

  /** The Kafka cluster id once Kafka answered; null while it has not. */
  async clusterId(timeoutMs: number): Promise<string | null> {
    if (this.knownClusterId !== undefined) return this.knownClusterId;
    await this.check(timeoutMs);
    return this.knownClusterId ?? null;
  }

  async check(timeoutMs: number): Promise<KafkaHealth> {
    const recent = this.last;
    if (recent && Date.now() - recent.at < this.reuseMs) return recent.health;
    const probe = this.inFlight ?? this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<KafkaHealth>((resolve) => {
      timer = setTimeout(
        () => resolve({ reachable: false, detail: `Kafka did not answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private start(): Promise<KafkaHealth> {
    const probe = this.cluster.clusterId().then(
      (id): KafkaHealth => {
        this.knownClusterId = id;
        return { reachable: true, detail: `Kafka is reachable (cluster id ${id})` };
      },
      (error: unknown): KafkaHealth => ({
        reachable: false,
        detail: `Kafka is unreachable: ${errorMessage(error)}`,
      }),
    );
    this.inFlight = probe;
    void probe.then((health) => {
      this.last = { at: Date.now(), health };
      if (this.inFlight === probe) this.inFlight = undefined;
    });
    return probe;
  }
}
