// Owner uids known not to exist, so that the dependents of one deleted owner do not each ask
// the API server again (upstream's absentOwnerCache, an LRU of 500 references). A uid is never
// reused, so an entry never goes stale.
export class AbsentOwnerCache {
  private readonly uids = new Map<string, true>();

  constructor(private readonly capacity = 500) {}

  add(uid: string): void {
    this.uids.delete(uid);
    this.uids.set(uid, true);
    if (this.uids.size > this.capacity) this.uids.delete(this.uids.keys().next().value!);
  }

  has(uid: string): boolean {
    if (!this.uids.has(uid)) return false;
    // Refresh its place: recently useful entries stay.
    this.uids.delete(uid);
    this.uids.set(uid, true);
    return true;
  }
}
