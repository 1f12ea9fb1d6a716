// Who holds which ClusterIP and NodePort. Holders are the stored Services (rebuilt from the
// watch cache, so the ledger can never drift from the store, as upstream's repair loops
// ensure) and in-flight reservations of writes not yet in the cache. A resource is free for
// a Service when nobody but that Service (stored or in flight) holds it.

export type Resource = `ip:${string}` | `port:${number}`;

export const ipKey = (ip: string): Resource => `ip:${ip}`;
export const portKey = (port: number): Resource => `port:${port}`;

export class AllocationLedger {
  private readonly holders = new Map<Resource, Set<string>>();
  private readonly held = new Map<string, Resource[]>();

  /** Replaces what `owner` holds. */
  set(owner: string, resources: Iterable<Resource>): void {
    this.remove(owner);
    const list = [...new Set(resources)];
    if (!list.length) return;
    this.held.set(owner, list);
    for (const r of list) {
      let s = this.holders.get(r);
      if (!s) this.holders.set(r, (s = new Set()));
      s.add(owner);
    }
  }

  remove(owner: string): void {
    const list = this.held.get(owner);
    if (!list) return;
    this.held.delete(owner);
    for (const r of list) {
      const s = this.holders.get(r);
      s?.delete(owner);
      if (s && s.size === 0) this.holders.delete(r);
    }
  }

  /** Whether `r` is held by nobody outside `self` (owner ids of the asking Service). */
  isFree(r: Resource, self: readonly string[] = []): boolean {
    const s = this.holders.get(r);
    if (!s) return true;
    for (const owner of s) if (!self.includes(owner)) return false;
    return true;
  }

  holdings(owner: string): readonly Resource[] {
    return this.held.get(owner) ?? [];
  }
}
