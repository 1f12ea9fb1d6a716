// Latency summaries for the benchmarks: percentiles over recorded samples (milliseconds).

export interface LatencySummary {
  count: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
  meanms: number;
}

/** Nearest-rank percentiles, as load testers usually report them. */
export function summarize(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50ms: NaN, p99ms: NaN, maxms: NaN, meanms: NaN };
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  let sum = 0;
  for (const x of sorted) sum += x;
  return { count: n, p50ms: round(at(0.5)), p99ms: round(at(0.99)), maxms: round(sorted[n - 1]!), meanms: round(sum / n) };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
