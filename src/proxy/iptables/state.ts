// From API objects to the generator's input, for callers that hold whole lists (tests,
// benches, one-shot tools); the proxier builds the same per Service from its caches.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ServicePortState } from './rules.js';
import { endpointsForPort, SERVICE_NAME_LABEL, serviceKey, servicePortsOf } from './service-ports.js';

export function buildServicePortStates(svcs: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): ServicePortState[] {
  const byService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${name}`;
    let list = byService.get(key);
    if (!list) byService.set(key, (list = []));
    list.push(s);
  }
  const out: ServicePortState[] = [];
  for (const svc of svcs) {
    const mine = byService.get(serviceKey(svc)) ?? [];
    for (const port of servicePortsOf(svc)) out.push({ port, endpoints: endpointsForPort(mine, port, nodeName) });
  }
  return out;
}
