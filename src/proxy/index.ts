// The service proxy (kube-proxy's job) and the built-in service load balancer. Each is
// started on its own with an ApiClient and returns something to stop.
import type { ApiClient } from '../client/api-client.js';
import type { ProxyStats, UserspaceProxyOptions } from './userspace/proxier.js';
import { UserspaceProxier } from './userspace/proxier.js';
import type { IptablesProxyStats } from './iptables/index.js';
import { startIptablesProxier } from './iptables/index.js';

export type { ProgrammedEvent, ProxyStats, UserspaceProxyOptions } from './userspace/proxier.js';
export type { IptablesProxyStats } from './iptables/index.js';
export { startServiceLB, type ServiceLB, type ServiceLBOptions } from './service-lb.js';

export type ProxyMode = 'userspace' | 'iptables';

export interface ServiceProxyOptions extends UserspaceProxyOptions {
  mode: ProxyMode;
  /** iptables mode: the pod range; traffic to a ClusterIP from outside it is masqueraded (upstream's --cluster-cidr). */
  clusterCIDR?: string;
}

export interface ServiceProxy<Stats = ProxyStats> {
  readonly mode: ProxyMode;
  /** Resolves when the caches have synced and every change seen so far is programmed. */
  waitForIdle(): Promise<void>;
  stats(): Stats;
  /** userspace: closes every listener and connection; iptables: stops watching (the rules stay, as kube-proxy's). Idempotent. */
  stop(): Promise<void>;
}

/** Starts watching Services and EndpointSlices; returns at once (see waitForIdle). */
export async function startServiceProxy(client: ApiClient, opts: ServiceProxyOptions & { mode: 'userspace' }): Promise<ServiceProxy>;
export async function startServiceProxy(client: ApiClient, opts: ServiceProxyOptions & { mode: 'iptables' }): Promise<ServiceProxy<IptablesProxyStats>>;
export async function startServiceProxy(client: ApiClient, opts: ServiceProxyOptions): Promise<ServiceProxy<ProxyStats | IptablesProxyStats>>;
export async function startServiceProxy(client: ApiClient, opts: ServiceProxyOptions): Promise<ServiceProxy<ProxyStats | IptablesProxyStats>> {
  if (opts.mode === 'iptables') {
    return startIptablesProxier(client, {
      nodeName: opts.nodeName,
      nodeAddresses: opts.nodeAddresses,
      clusterCIDR: opts.clusterCIDR,
      logger: opts.logger,
      informers: opts.informers,
      clock: opts.clock,
    });
  }
  const proxier = new UserspaceProxier(client, opts);
  proxier.start();
  return {
    mode: 'userspace',
    waitForIdle: () => proxier.waitForIdle(),
    stats: () => proxier.stats(),
    stop: () => proxier.stop(),
  };
}
