// iptables mode of the service proxy (Linux, root). Start it with startIptablesProxier;
// remove its rules with cleanupIptablesRules (for `coxswain reset`).
import type { ApiClient } from '../../client/api-client.js';
import type { IptablesProxierOptions, IptablesProxyStats } from './proxier.js';
import { IptablesProxier } from './proxier.js';

export { cleanupIptablesRules, type CleanupResult } from './cleanup.js';
export { generateRules, type GeneratedRules, type RulesOptions, type ServicePortState } from './rules.js';
export { buildServicePortStates } from './state.js';
export type { IptablesProxierOptions, IptablesProxyStats, SyncEvent } from './proxier.js';

export interface IptablesProxy {
  readonly mode: 'iptables';
  /** Resolves when the caches have synced and every change seen so far is in the kernel. */
  waitForIdle(): Promise<void>;
  stats(): IptablesProxyStats;
  /** Stops watching; the rules stay in place (as kube-proxy leaves them). Idempotent. */
  stop(): Promise<void>;
}

/** Starts watching Services and EndpointSlices; returns at once (see waitForIdle). */
export function startIptablesProxier(client: ApiClient, opts: IptablesProxierOptions): IptablesProxy {
  const proxier = new IptablesProxier(client, opts);
  proxier.start();
  return {
    mode: 'iptables',
    waitForIdle: () => proxier.waitForIdle(),
    stats: () => proxier.stats(),
    stop: () => proxier.stop(),
  };
}
