// Upstream's slowStartBatch: calls fn `count` times in batches of 1, 2, 4, … run in parallel,
// stopping after the first batch with a failure, so a controller that cannot create pods
// (quota, admission) fails after one call instead of hammering the API server with `count`.

export interface SlowStartResult {
  /** How many calls succeeded. */
  successes: number;
  /** The first error of the failing batch, if any. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: unknown;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else if (error === undefined) error = r.reason ?? new Error('failed');
    }
    if (error !== undefined) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}

/** Batch sizes slowStartBatch uses for `count` calls when all succeed (for tests and logs). */
export function slowStartBatchSizes(count: number, initialBatchSize = 1): number[] {
  const sizes: number[] = [];
  let remaining = count;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    sizes.push(batch);
    remaining -= batch;
  }
  return sizes;
}
