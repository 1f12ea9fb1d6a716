// networking.k8s.io ingresses, ingress classes and network policies, and discovery.k8s.io
// endpoint slices (upstream printIngress, printIngressClass, printNetworkPolicy,
// printEndpointSlice).
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { formatLabelSelector, listWithMore } from './format.js';
import { loadBalancerText } from './service.js';
import { age } from './time.js';
import type { PrinterRegistration } from './types.js';

/** formatHosts: up to three hosts, "+ N more...", or "*" when no rule names a host. */
export function ingressHosts(rules: { host?: string }[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const text = list.join(',');
  return more ? `${text} + ${(rules ?? []).length - max} more...` : text;
}

export const ingressPrinter = definePrinter(
  [
    nameCol,
    str('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    str('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    str('Address', 'Address is a list containing ingress points for the load-balancer'),
    str('Ports', 'Ports of TLS configurations that open'),
    ageCol,
  ],
  (o, now) => [
    o.metadata?.name,
    o.spec?.ingressClassName ?? '<none>',
    ingressHosts(o.spec?.rules),
    loadBalancerText(o.status?.loadBalancer?.ingress),
    (o.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
    age(o, now),
  ],
);

export const ingressClassPrinter = definePrinter(
  [
    nameCol,
    str('Controller', 'Controller that is responsible for handling this class'),
    str('Parameters', 'A reference to a resource with additional parameters'),
    ageCol,
  ],
  (o, now) => {
    const p = o.spec?.parameters;
    let parameters = '<none>';
    if (p) parameters = `${p.kind ?? ''}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
    return [o.metadata?.name, o.spec?.controller ?? '', parameters, age(o, now)];
  },
);

export const networkPolicyPrinter = definePrinter(
  [nameCol, str('Pod-Selector', ['networking.v1.NetworkPolicySpec', 'podSelector']), ageCol],
  // podSelector is a struct upstream, never nil: a missing one selects everything.
  (o, now) => [o.metadata?.name, formatLabelSelector(o.spec?.podSelector ?? {}), age(o, now)],
);

export const endpointSlicePrinter = definePrinter(
  [
    nameCol,
    str('AddressType', ['discovery.v1.EndpointSlice', 'addressType']),
    str('Ports', ['discovery.v1.EndpointSlice', 'ports']),
    str('Endpoints', ['discovery.v1.EndpointSlice', 'endpoints']),
    ageCol,
  ],
  (o, now) => {
    // formatDiscoveryPorts: the port number, else its name, else "*".
    const ports = (o.ports ?? []).map((p: { port?: number | null; name?: string | null }) =>
      p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : '*',
    );
    const addresses = (o.endpoints ?? []).flatMap((e: { addresses?: string[] }) => e.addresses ?? []);
    return [o.metadata?.name, o.addressType ?? '', listWithMore(ports), listWithMore(addresses), age(o, now)];
  },
);

export const networkingPrinters: PrinterRegistration[] = [
  { group: 'networking.k8s.io', resource: 'ingresses', printer: ingressPrinter },
  { group: 'networking.k8s.io', resource: 'ingressclasses', printer: ingressClassPrinter },
  { group: 'networking.k8s.io', resource: 'networkpolicies', printer: networkPolicyPrinter },
  { group: 'discovery.k8s.io', resource: 'endpointslices', printer: endpointSlicePrinter },
];
