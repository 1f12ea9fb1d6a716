// Services (TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR) and Endpoints
// (ENDPOINTS with "+ N more..."), as upstream printService / printEndpoints.
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { formatLabels, joinHostPort, sortedUnique } from './format.js';
import { age } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

/**
 * loadBalancerStatusStringer: the sorted, de-duplicated IPs (or hostnames). The server prints
 * wide, so nothing is clipped to 16 characters.
 */
export function loadBalancerText(ingress: LoadBalancerIngress[] | undefined): string {
  const values: string[] = [];
  for (const i of ingress ?? []) {
    if (i.ip) values.push(i.ip);
    else if (i.hostname) values.push(i.hostname);
  }
  return sortedUnique(values).join(',');
}

/** getServiceExternalIP. */
function externalIP(svc: KubeObject): string {
  const spec = svc.spec ?? {};
  const externalIPs: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerText(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP", or "80:30080/TCP" with a node port. */
function portsText(ports: { port?: number; nodePort?: number; protocol?: string }[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
  return text || '<none>';
}

export const servicePrinter = definePrinter(
  [
    nameCol,
    str('Type', ['core.v1.ServiceSpec', 'type']),
    str('Cluster-IP', ['core.v1.ServiceSpec', 'clusterIP']),
    str('External-IP', ['core.v1.ServiceSpec', 'externalIPs']),
    str('Port(s)', ['core.v1.ServiceSpec', 'ports']),
    ageCol,
    str('Selector', ['core.v1.ServiceSpec', 'selector'], 1),
  ],
  (o, now) => {
    const spec = o.spec ?? {};
    // ClusterIPs mirrors ClusterIP; older objects may carry only the latter.
    const clusterIP: string = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    return [o.metadata?.name, spec.type ?? 'ClusterIP', clusterIP, externalIP(o), portsText(spec.ports), age(o, now), formatLabels(spec.selector)];
  },
);

interface EndpointSubset {
  addresses?: { ip?: string }[];
  ports?: { port?: number }[];
}

/** formatEndpoints: up to three "ip:port" entries, then " + N more...", or "<none>". */
export function endpointsText(subsets: EndpointSubset[] | undefined): string {
  if (!subsets || subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip ?? '');
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip ?? '', port.port ?? 0));
      }
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

export const endpointsPrinter = definePrinter(
  [nameCol, str('Endpoints', ['core.v1.Endpoints', 'subsets']), ageCol],
  (o, now) => [o.metadata?.name, endpointsText(o.subsets), age(o, now)],
);

export const servicePrinters: PrinterRegistration[] = [
  { group: '', resource: 'services', printer: servicePrinter },
  { group: '', resource: 'endpoints', printer: endpointsPrinter },
];
