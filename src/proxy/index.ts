// The service proxy (kube-proxy's job) and the built-in service load balancer. Each is
// started on its own with an ApiClient and returns something to stop.
import type { ApiClient } from '../client/api-client.js';
import type { ProxyStats, UserspaceProxyOptions } from './userspace/proxier.js';
import { UserspaceProxier } from './userspace/proxier.js';

export type { ProgrammedEvent, ProxyStats, UserspaceProxyOptions } from './userspace/proxier.js';
export { startServiceLB, type ServiceLB, type ServiceLBOptions } from './service-lb.js';

export type ProxyMode = 'userspace' | 'iptables';

export interface ServiceProxyOptions extends UserspaceProxyOptions {
  mode: ProxyMode;
}

export interface ServiceProxy {
  readonly mode: ProxyMode;
  /** Resolves when the caches have synced and every change seen so far is programmed. */
  waitForIdle(): Promise<void>;
  stats(): ProxyStats;
  /** Closes every listener and connection. Idempotent. */
  stop(): Promise<void>;
}

/** Starts watching Services and EndpointSlices; returns at once (see waitForIdle). */
export async function startServiceProxy(client: ApiClient, opts: ServiceProxyOptions): Promise<ServiceProxy> {
  if (opts.mode !== 'userspace') throw new Error(`service proxy mode ${opts.mode} is not available here`);
  const proxier = new UserspaceProxier(client, opts);
  proxier.start();
  return {
    mode: 'userspace',
    waitForIdle: () => proxier.waitForIdle(),
    stats: () => proxier.stats(),
    stop: () => proxier.stop(),
  };
}
