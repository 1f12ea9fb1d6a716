// The DNS names one Service owns and what each resolves to, following CoreDNS's kubernetes
// plugin (plugin/kubernetes/kubernetes.go findServices) and the Kubernetes DNS specification:
//
//   <svc>.<ns>.svc.<zone>                 ClusterIPs; for a headless Service its ready endpoint IPs
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  the same, restricted to one named port (SRV)
//   <endpoint>.<svc>.<ns>.svc.<zone>      one endpoint: its hostname (StatefulSet pods get
//                                          spec.hostname + subdomain) or its IP with dashes
//   ExternalName Services                 a CNAME to spec.externalName
//
// Pure: Service and EndpointSlices in, names out.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isIP } from 'node:net';

/** One of CoreDNS's msg.Service values: an address and port reachable under `target`. */
export interface NameTarget {
  ip: string;
  /** -1 when the EndpointSlice declares no ports (no SRV record then, as CoreDNS). */
  port: number;
  /** The SRV target and the owner of the matching additional address record. */
  target: string;
}

export interface NameRecords {
  /** In CoreDNS order; A/AAAA answers are the distinct IPs, SRV answers one per target:port. */
  targets: NameTarget[];
  /** Set for ExternalName Services: the CNAME target (no trailing dot). */
  externalName?: string;
}

export interface ReverseTarget {
  ip: string;
  /** The PTR target. */
  name: string;
  /** A ClusterIP (wins over endpoint names for the same IP, as CoreDNS's serviceRecordForIP). */
  service: boolean;
}

export interface ServiceDns {
  names: Map<string, NameRecords>;
  reverse: ReverseTarget[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

interface ReadyAddress {
  ip: string;
  hostname: string;
  ports: { name: string; protocol: string; port: number }[];
}

/** As CoreDNS's endpointHostname: the endpoint's hostname, else its IP with dashes. */
export function endpointHostname(ip: string, hostname: string | undefined): string {
  if (hostname) return hostname.toLowerCase();
  if (ip.includes(':')) {
    const dashed = ip.replaceAll(':', '-');
    return dashed.endsWith('-') ? `${dashed}0` : dashed;
  }
  return ip.replaceAll('.', '-');
}

/** Ready addresses of the slices (a nil ready condition counts as ready, per the API docs). */
function readyAddresses(slices: Iterable<EndpointSlice>): ReadyAddress[] {
  const out: ReadyAddress[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports = (slice.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port ?? -1 }));
    // CoreDNS adds a port -1 sentinel to port-less slices so their addresses still answer A queries.
    if (ports.length === 0) ports.push({ name: '', protocol: '', port: -1 });
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIP(ip)) continue;
        out.push({ ip, hostname: endpointHostname(ip, ep.hostname), ports });
      }
    }
  }
  return out;
}

function add(names: Map<string, NameRecords>, name: string, targets: NameTarget[]): void {
  const existing = names.get(name);
  if (existing) existing.targets.push(...targets);
  else names.set(name, { targets: [...targets] });
}

const isLabel = (s: string) => s.length > 0 && s.length <= 63;

export function serviceDns(svc: Service, slices: Iterable<EndpointSlice>, zone: string): ServiceDns {
  const names = new Map<string, NameRecords>();
  const reverse: ReverseTarget[] = [];
  const ns = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const base = `${name}.${ns}.svc.${zone}`.toLowerCase();
  const spec = svc.spec ?? {};

  if (spec.type === 'ExternalName') {
    const target = (spec.externalName ?? '').replace(/\.$/, '');
    // An IP in externalName is not a name CoreDNS can CNAME to; the Service then has no record.
    if (target !== '' && !isIP(target)) names.set(base, { targets: [], externalName: target });
    return { names, reverse };
  }

  const addresses = readyAddresses(slices);
  const headless = spec.clusterIP === 'None';

  if (headless) {
    const all: NameTarget[] = [];
    const byPort = new Map<string, NameTarget[]>();
    for (const a of addresses) {
      for (const p of a.ports) {
        const t = { ip: a.ip, port: p.port, target: `${a.hostname}.${base}` };
        all.push(t);
        if (isLabel(p.name) && p.protocol) {
          const key = `_${p.name}._${p.protocol}.${base}`;
          byPort.set(key, [...(byPort.get(key) ?? []), t]);
        }
      }
    }
    // No ready endpoint: the name does not exist (CoreDNS answers NXDOMAIN).
    if (all.length > 0) add(names, base, all);
    for (const [key, ts] of byPort) add(names, key, ts);
  } else {
    const ips = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter((ip): ip is string => !!ip && isIP(ip) !== 0);
    const ports = spec.ports ?? [];
    // A Service without ports has no record (CoreDNS's findServices finds no port to match).
    if (ports.length > 0) {
      const all: NameTarget[] = [];
      for (const p of ports) {
        const ts = ips.map((ip) => ({ ip, port: p.port, target: base }));
        all.push(...ts);
        const portName = (p.name ?? '').toLowerCase();
        if (isLabel(portName)) add(names, `_${portName}._${(p.protocol ?? 'TCP').toLowerCase()}.${base}`, ts);
      }
      add(names, base, all);
    }
    for (const ip of ips) reverse.push({ ip, name: base, service: true });
  }

  // Every Service with endpoints names each one under itself (CoreDNS's endpoint query), and
  // reverse lookups of an endpoint IP give that name.
  for (const a of addresses) {
    if (!isLabel(a.hostname)) continue;
    const owner = `${a.hostname}.${base}`;
    add(names, owner, a.ports.map((p) => ({ ip: a.ip, port: p.port, target: owner })));
    reverse.push({ ip: a.ip, name: owner, service: false });
  }
  return { names, reverse };
}
