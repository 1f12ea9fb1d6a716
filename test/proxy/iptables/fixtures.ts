// Services and EndpointSlices for iptables-mode tests, named as in upstream's proxier tests
// (ns1/svc1:p80 …) so the chain hashes can be compared with upstream's expected output.
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export function service(namespace: string, name: string, spec: ServiceSpec, status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec, ...(status ? { status } : {}) };
}

export interface EndpointDef {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  nodeName?: string;
}

export function slice(namespace: string, svc: string, port: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }, endpoints: EndpointDef[], suffix = 'a'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name: `${svc}-${suffix}`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: port.name ?? 'p80', port: port.port, protocol: port.protocol ?? 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      nodeName: e.nodeName ?? 'node-a',
    })),
  };
}
