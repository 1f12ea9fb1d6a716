// Polls until a condition holds, for tests that wait on a cluster (never a fixed sleep).

export interface EventuallyOptions<T> {
  timeoutMs?: number;
  intervalMs?: number;
  /** When the value means "done" (default: truthy). */
  accept?: (v: T | undefined | null | false) => boolean;
}

/** Calls `fn` until `accept` holds for its value; errors are retried and reported on timeout. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  opts: EventuallyOptions<T> = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, accept = (v) => Boolean(v) } = opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (accept(v)) return v as T;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? last.message : last === undefined ? '' : JSON.stringify(last);
      throw new Error(`timed out waiting for ${what}${why ? `: ${why}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Done when the value is neither undefined nor false (0 and '' count as answers). */
export const definedAnswer = <T>(v: T | undefined | null | false): boolean => v !== undefined && v !== false;
