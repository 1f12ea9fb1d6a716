// Backend choice for one service port, after upstream's userspace LoadBalancerRR
// (pkg/proxy/userspace/roundrobin.go): round robin over the endpoints, and with
// sessionAffinity ClientIP a client IP sticks to its endpoint until it has been idle for
// the affinity timeout or the endpoint goes away. A failed dial asks again with `reset`,
// which moves the client to the next endpoint (upstream's sessionAffinityReset).
import type { Clock } from '../../client/clock.js';
import { endpointKey, type EndpointInfo } from './service-ports.js';

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

/** How many affinity records one service port keeps at most (old ones are dropped first). */
const MAX_AFFINITY_RECORDS = 10_000;

export class RoundRobinBalancer {
  private clusterEndpoints: EndpointInfo[] = [];
  private localEndpoints: EndpointInfo[] = [];
  private clusterNext = 0;
  private localNext = 0;
  private affinityTimeoutMs = 0;
  private readonly affinity = new Map<string, Affinity>();

  constructor(private readonly clock: Clock) {}

  /** Replaces the endpoint lists; affinity to endpoints that remain is kept. */
  update(cluster: EndpointInfo[], local: EndpointInfo[], affinityTimeoutMs: number): void {
    if (!sameEndpoints(this.clusterEndpoints, cluster)) this.clusterNext = 0;
    if (!sameEndpoints(this.localEndpoints, local)) this.localNext = 0;
    this.clusterEndpoints = cluster;
    this.localEndpoints = local;
    if (affinityTimeoutMs !== this.affinityTimeoutMs) this.affinity.clear();
    this.affinityTimeoutMs = affinityTimeoutMs;
  }

  hasEndpoints(local: boolean): boolean {
    return (local ? this.localEndpoints : this.clusterEndpoints).length > 0;
  }

  /** The endpoint for a new connection or session from `clientIp`; undefined when there is none. */
  next(clientIp: string | undefined, local: boolean, reset = false): EndpointInfo | undefined {
    const list = local ? this.localEndpoints : this.clusterEndpoints;
    if (list.length === 0) return undefined;
    const now = this.clock.now();
    const sticky = this.affinityTimeoutMs > 0 && clientIp !== undefined;
    if (sticky && !reset) {
      const rec = this.affinity.get(clientIp);
      if (rec && now - rec.lastUsed <= this.affinityTimeoutMs) {
        const ep = list.find((e) => endpointKey(e) === rec.endpoint);
        if (ep) {
          rec.lastUsed = now;
          return ep;
        }
      }
    }
    let ep: EndpointInfo;
    if (local) {
      ep = list[this.localNext % list.length]!;
      this.localNext = (this.localNext + 1) % list.length;
    } else {
      ep = list[this.clusterNext % list.length]!;
      this.clusterNext = (this.clusterNext + 1) % list.length;
    }
    if (sticky) {
      this.affinity.delete(clientIp);
      this.affinity.set(clientIp, { endpoint: endpointKey(ep), lastUsed: now });
      if (this.affinity.size > MAX_AFFINITY_RECORDS) this.affinity.delete(this.affinity.keys().next().value!);
    }
    return ep;
  }
}

function sameEndpoints(a: readonly EndpointInfo[], b: readonly EndpointInfo[]): boolean {
  return a.length === b.length && a.every((ep, i) => endpointKey(ep) === endpointKey(b[i]!));
}
