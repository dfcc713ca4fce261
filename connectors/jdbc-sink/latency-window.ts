// The apply latency of the last batches of a table, for a p99 gauge: TaskMetrics has counters and
// gauges only, so the quantile is taken here over a fixed window of recent batches.

const SIZE = 1024;

export class LatencyWindow {
  private readonly samples = new Float64Array(SIZE);
  private count = 0;

  add(ms: number): void {
    this.samples[this.count % SIZE] = ms;
    this.count += 1;
  }

  /** Nearest-rank quantile (0..1) of the window. */
  quantile(q: number): number {
    const size = Math.min(this.count, SIZE);
    if (size === 0) return 0;
    const sorted = this.samples.slice(0, size).sort();
    return sorted[Math.min(size - 1, Math.max(0, Math.ceil(q * size) - 1))] ?? 0;
  }
}
