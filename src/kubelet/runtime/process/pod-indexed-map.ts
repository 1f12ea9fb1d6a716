// The runtime's sandboxes and containers by id, also indexed by pod uid: the kubelet reads a
// pod's state (a label filter on io.kubernetes.pod.uid) several times per sync, and a scan of
// every record each time made a burst of pod starts quadratic.
import { LABEL_POD_UID } from '../types.js';

export class PodIndexedMap<T> extends Map<string, T> {
  private readonly byPod = new Map<string, Set<string>>();

  constructor(private readonly labelsOf: (value: T) => Record<string, string>) {
    super();
  }

  override set(id: string, value: T): this {
    this.unindex(id);
    super.set(id, value);
    const uid = this.labelsOf(value)[LABEL_POD_UID];
    if (uid !== undefined) {
      let ids = this.byPod.get(uid);
      if (!ids) this.byPod.set(uid, (ids = new Set()));
      ids.add(id);
    }
    return this;
  }

  override delete(id: string): boolean {
    this.unindex(id);
    return super.delete(id);
  }

  /** The values matching `labels`: through the index when they name a pod uid. */
  matching(labels: Record<string, string> | undefined, matches: (value: T) => boolean): T[] {
    const uid = labels?.[LABEL_POD_UID];
    if (uid === undefined) return [...this.values()].filter(matches);
    return [...(this.byPod.get(uid) ?? [])].map((id) => this.get(id)!).filter(matches);
  }

  private unindex(id: string): void {
    const old = super.get(id);
    if (old === undefined) return;
    const uid = this.labelsOf(old)[LABEL_POD_UID];
    const ids = uid === undefined ? undefined : this.byPod.get(uid);
    ids?.delete(id);
    if (ids?.size === 0) this.byPod.delete(uid!);
  }
}
