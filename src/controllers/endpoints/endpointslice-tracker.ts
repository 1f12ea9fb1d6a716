// Which EndpointSlice versions this controller wrote, after upstream's EndpointSliceTracker:
// the informer echoes our own writes back, and a sync that runs before the echo arrives
// would see stale slices and act twice (e.g. create a second slice). Upstream compares
// metadata.generation; this API server keeps no generation for slices, so we compare
// resourceVersions, which are store revisions here and grow with every write.
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

const DELETION_EXPECTED = -1;

function rv(slice: EndpointSlice): number {
  const n = Number(slice.metadata?.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

export class EndpointSliceTracker {
  /** service key → slice uid → resourceVersion we wrote (or DELETION_EXPECTED). */
  private readonly byService = new Map<string, Map<string, number>>();

  private slicesOf(serviceKey: string, create = false): Map<string, number> | undefined {
    let m = this.byService.get(serviceKey);
    if (!m && create) this.byService.set(serviceKey, (m = new Map()));
    return m;
  }

  /** Records a slice as we wrote it. */
  update(serviceKey: string, slice: EndpointSlice): void {
    this.slicesOf(serviceKey, true)!.set(slice.metadata!.uid!, rv(slice));
  }

  /** Records that we deleted a slice, so its lingering presence in the cache reads as stale. */
  expectDeletion(serviceKey: string, slice: EndpointSlice): void {
    this.slicesOf(serviceKey, true)!.set(slice.metadata!.uid!, DELETION_EXPECTED);
  }

  has(serviceKey: string, slice: EndpointSlice): boolean {
    return this.slicesOf(serviceKey)?.has(slice.metadata?.uid ?? '') ?? false;
  }

  /** False for the informer's echo of our own write; true for anything newer or unknown. */
  shouldSync(serviceKey: string, slice: EndpointSlice): boolean {
    const known = this.slicesOf(serviceKey)?.get(slice.metadata?.uid ?? '');
    return known === undefined || rv(slice) > known;
  }

  /** True when the cached slices do not yet show every write we made. */
  stale(serviceKey: string, cached: EndpointSlice[]): boolean {
    const known = this.slicesOf(serviceKey);
    if (!known) return false;
    const present = new Set<string>();
    for (const s of cached) {
      const uid = s.metadata?.uid ?? '';
      present.add(uid);
      const v = known.get(uid);
      if (v !== undefined && (v === DELETION_EXPECTED || v > rv(s))) return true;
    }
    for (const [uid, v] of known) if (v !== DELETION_EXPECTED && !present.has(uid)) return true;
    return false;
  }

  /** Forgets a deleted slice; true when we expected the deletion (our own). */
  handleDeletion(serviceKey: string, slice: EndpointSlice): boolean {
    const known = this.slicesOf(serviceKey);
    const uid = slice.metadata?.uid ?? '';
    const expected = known?.get(uid) === DELETION_EXPECTED;
    known?.delete(uid);
    if (known && known.size === 0) this.byService.delete(serviceKey);
    return expected;
  }

  deleteService(serviceKey: string): void {
    this.byService.delete(serviceKey);
  }
}
