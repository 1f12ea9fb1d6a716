// The keys of a watch cache in order, for lists and counts. Keeping one sorted array current
// on every write costs a memmove of half the array per new key (tens of microseconds per pod
// at tens of thousands of pods), while lists are rare next to writes: so changes are noted
// in O(1) and merged into the sorted array when an ordered read next needs it.

export class SortedKeySet {
  private sorted: string[] = [];
  /** Keys added since the last merge (not in `sorted`). */
  private readonly added = new Set<string>();
  /** Keys still in `sorted` that were deleted since the last merge. */
  private readonly removed = new Set<string>();

  /** Adds a key that is not in the set. */
  add(key: string): void {
    // Deleted and back before a merge: it is still in `sorted`.
    if (!this.removed.delete(key)) this.added.add(key);
  }

  /** Deletes a key that is in the set. */
  delete(key: string): void {
    if (!this.added.delete(key)) this.removed.add(key);
  }

  /** Every key in code-unit order (as JS compares strings). Shared: do not modify. */
  ordered(): readonly string[] {
    if (this.added.size > 0 || this.removed.size > 0) this.merge();
    return this.sorted;
  }

  private merge(): void {
    const removed = this.removed;
    const kept = removed.size > 0 ? this.sorted.filter((k) => !removed.has(k)) : this.sorted;
    const fresh = [...this.added].sort(compareKeys);
    this.sorted = fresh.length === 0 ? kept : mergeSorted(kept, fresh);
    this.added.clear();
    removed.clear();
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** First index whose key is >= `key` in sorted `keys`. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
