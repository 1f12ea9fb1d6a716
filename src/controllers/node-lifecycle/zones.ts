// Zone health for rate-limited NoExecute tainting (upstream nodelifecycle ComputeZoneState and
// the eviction rate per zone state): a zone where most nodes are down gets a slower rate (or
// none when small), and when every zone is fully down the controller assumes its own network
// is at fault and taints nothing.
import type { Node } from 'kubernetes-types/core/v1.js';
import { readyCondition } from './taints.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  return `${l['topology.kubernetes.io/region'] ?? ''}:${l['topology.kubernetes.io/zone'] ?? ''}`;
}

export function computeZoneState(ready: number, notReady: number, unhealthyThreshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

export interface ZoneSummary {
  states: Map<string, { state: ZoneState; size: number }>;
  /** Every zone is fully disrupted: stop tainting (upstream "master disruption mode"). */
  allDisrupted: boolean;
}

export function summarizeZones(nodes: readonly Node[], unhealthyThreshold: number): ZoneSummary {
  const counts = new Map<string, { ready: number; notReady: number }>();
  for (const n of nodes) {
    const z = zoneOf(n);
    let c = counts.get(z);
    if (!c) counts.set(z, (c = { ready: 0, notReady: 0 }));
    if (readyCondition(n)?.status === 'True') c.ready++;
    else c.notReady++;
  }
  const states = new Map<string, { state: ZoneState; size: number }>();
  let allDisrupted = counts.size > 0;
  for (const [z, c] of counts) {
    const state = computeZoneState(c.ready, c.notReady, unhealthyThreshold);
    if (state !== 'FullDisruption') allDisrupted = false;
    states.set(z, { state, size: c.ready + c.notReady });
  }
  return { states, allDisrupted };
}

/** Tainting rate (nodes/s) for a zone, as upstream setLimiterInZone. */
export function zoneRate(state: ZoneState, size: number, rates: { primary: number; secondary: number; largeClusterThreshold: number }): number {
  if (state === 'PartialDisruption') return size > rates.largeClusterThreshold ? rates.secondary : 0;
  return rates.primary;
}
