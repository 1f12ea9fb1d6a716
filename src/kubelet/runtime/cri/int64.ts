// int64/uint64 CRI fields arrive as decimal strings (see api-types.ts); these turn them into
// numbers where the precision loss is acceptable.

/** A counter or size as a number (exact below 2^53, i.e. 8 PiB or 104 days of CPU time). */
export function int64ToNumber(v: string | number | null | undefined): number {
  if (v === null || v === undefined || v === '') return 0;
  return typeof v === 'number' ? v : Number(v);
}

/** A CRI timestamp (nanoseconds since the epoch) as milliseconds, exactly (BigInt division). */
export function nanosToMillis(v: string | number | null | undefined): number {
  if (v === null || v === undefined || v === '') return 0;
  if (typeof v === 'number') return Math.floor(v / 1e6);
  return Number(BigInt(v) / 1_000_000n);
}
