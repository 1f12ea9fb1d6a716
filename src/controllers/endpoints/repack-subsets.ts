// Endpoints subsets in canonical form, after upstream's pkg/api/v1/endpoints RepackSubsets:
// every address is listed once per distinct set of ports it offers, so addresses offering the
// same ports share one subset. An address both ready and not ready for a port counts as ready.
// Upstream orders ports and subsets by hash; we order them by content, which is as stable.
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';

/** Stands for "no ports" (a headless service without ports), as upstream's Port: -1 sentinel. */
const NO_PORT = '\u0000';

function addressKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ''}`;
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? '']);
}

export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort | undefined>();
  // port → address key → ready
  const byPort = new Map<string, Map<string, boolean>>();
  const note = (port: string, addrs: EndpointAddress[] | undefined, ready: boolean) => {
    let set = byPort.get(port);
    if (!set) byPort.set(port, (set = new Map()));
    for (const a of addrs ?? []) {
      const k = addressKey(a);
      if (!addresses.has(k)) addresses.set(k, a);
      if (ready || !set.has(k)) set.set(k, ready || (set.get(k) ?? false));
    }
  };
  for (const s of subsets) {
    const sPorts = s.ports?.length ? s.ports.map((p) => [portKey(p), p] as const) : [[NO_PORT, undefined] as const];
    for (const [k, p] of sPorts) {
      ports.set(k, p);
      note(k, s.addresses, true);
      note(k, s.notReadyAddresses, false);
    }
  }
  // Group ports by the exact set of (address, readiness) offering them.
  const groups = new Map<string, { members: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [pk, members] of byPort) {
    if (members.size === 0) continue;
    const id = [...members].map(([k, r]) => `${k}=${r}`).sort().join('\u0001');
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { members, ports: [] }));
    const port = ports.get(pk);
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.members) (r ? ready : notReady).push(addresses.get(k)!);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready.sort(compareAddresses);
    if (notReady.length) subset.notReadyAddresses = notReady.sort(compareAddresses);
    if (g.ports.length) subset.ports = g.ports.sort((a, b) => portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0);
    out.push(subset);
  }
  return out.sort((a, b) => {
    const ka = subsetSortKey(a);
    const kb = subsetSortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** As upstream's addrsByIPAndUID. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const ka = addressKey(a);
  const kb = addressKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function subsetSortKey(s: EndpointSubset): string {
  const first = s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  return `${first ? addressKey(first) : ''}\u0001${(s.ports ?? []).map(portKey).join(',')}`;
}
