// The `kube-system/kube-dns` Service, as kubeadm and k3s install it for CoreDNS: pods' resolv.conf
// names its ClusterIP (the tenth address of the service range), and the service proxy carries
// queries to the endpoint where our DNS server listens. The server is not a pod, so the
// Service has no selector and its Endpoints and EndpointSlice are written here (as the API
// server does for `default/kubernetes`); each start puts them back as they should be.
import type { ApiClient } from '../client/api-client.js';
import { NotFoundError } from '../api/errors.js';
import { endpoints, endpointSlices, services } from '../client/resources.js';

export interface KubeDnsServiceOptions {
  /** The ClusterIP pods are told to use. */
  clusterIP: string;
  /** Where the DNS server listens (UDP and TCP). */
  endpoint: { address: string; port: number };
}

const NAMESPACE = 'kube-system';
const NAME = 'kube-dns';
const LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

export async function ensureKubeDnsService(client: ApiClient, opts: KubeDnsServiceOptions): Promise<void> {
  const { address, port } = opts.endpoint;
  await upsert(client.resource(services, NAMESPACE), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      clusterIP: opts.clusterIP,
      clusterIPs: [opts.clusterIP],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
      ],
    },
  }, (current) => current.spec?.clusterIP !== opts.clusterIP);
  await upsert(client.resource(endpoints, NAMESPACE), {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }] }],
  });
  await upsert(client.resource(endpointSlices, NAMESPACE), {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { ...LABELS, 'kubernetes.io/service-name': NAME } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }],
  });
}

interface Writable {
  get(name: string): Promise<any>;
  create(obj: any): Promise<any>;
  update(obj: any): Promise<any>;
  delete(name: string): Promise<any>;
}

/**
 * Creates the object, or replaces what is there. `recreate` says when an update cannot do
 * (a Service's ClusterIP is immutable).
 */
async function upsert(resource: Writable, desired: any, recreate?: (current: any) => boolean): Promise<void> {
  const name = desired.metadata.name as string;
  let current: any;
  try {
    current = await resource.get(name);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (!current) {
    await resource.create(desired);
    return;
  }
  if (recreate?.(current)) {
    await resource.delete(name);
    await resource.create(desired);
    return;
  }
  await resource.update({ ...desired, metadata: { ...desired.metadata, resourceVersion: current.metadata.resourceVersion } });
}
