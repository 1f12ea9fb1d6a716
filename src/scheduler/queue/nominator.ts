// Pods nominated to nodes by preemption (upstream nominator): the filter pass treats them as
// already running there, so lower-priority pods do not take the room they made.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podKey, type PodInfo } from '../framework/pod-info.js';

export class Nominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  /** Records pod as nominated to nodeName (or to its status.nominatedNodeName). */
  add(pi: PodInfo, nodeName?: string): void {
    this.delete(pi.pod);
    const node = nodeName ?? pi.pod.status?.nominatedNodeName;
    if (!node) return;
    this.nodeOf.set(pi.key, node);
    const list = this.byNode.get(node) ?? [];
    list.push(pi);
    this.byNode.set(node, list);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const rest = (this.byNode.get(node) ?? []).filter((p) => p.key !== key);
    if (rest.length) this.byNode.set(node, rest);
    else this.byNode.delete(node);
  }

  nominatedNodeName(pod: Pod): string | undefined {
    return this.nodeOf.get(podKey(pod));
  }

  podsForNode = (nodeName: string): readonly PodInfo[] => this.byNode.get(nodeName) ?? [];

  /** Whether any pod is nominated anywhere (the filter pass can then skip the per-node lookup). */
  get empty(): boolean {
    return this.byNode.size === 0;
  }
}
