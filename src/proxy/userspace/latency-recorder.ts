// The last N programming latencies (informer event → listeners ready), for benches and
// status: a fixed ring so a long-running proxy never grows.
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity = 10_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.filled = Math.min(this.filled + 1, this.samples.length);
  }

  /** Oldest first. */
  values(): number[] {
    if (this.filled < this.samples.length) return Array.from(this.samples.subarray(0, this.filled));
    return [...this.samples.subarray(this.next), ...this.samples.subarray(0, this.next)];
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}
