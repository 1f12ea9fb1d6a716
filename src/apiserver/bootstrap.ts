// Objects every cluster starts with, created idempotently at each start as upstream's
// bootstrap controllers do: the system namespaces and the `kubernetes` Service/Endpoints.
import type { KubeObject } from '../api/kinds.js';
import { AlreadyExistsError } from '../api/errors.js';
import type { ResourceRegistry } from './resources.js';
import { prepareForCreate } from './strategy.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** The first address of the default service CIDR (10.43.0.0/16), as upstream reserves it. */
export const KUBERNETES_SERVICE_IP = '10.43.0.1';

export interface BootstrapOptions {
  advertiseAddress: string;
  port: number;
}

export async function bootstrapCluster(resources: ResourceRegistry, opts: BootstrapOptions): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(resources, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await ensure(resources, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: KUBERNETES_SERVICE_IP,
      clusterIPs: [KUBERNETES_SERVICE_IP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }],
      sessionAffinity: 'None',
    },
  });
  const address = opts.advertiseAddress === '0.0.0.0' || opts.advertiseAddress === '::' ? '127.0.0.1' : opts.advertiseAddress;
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }] }],
  };
  await ensure(resources, 'endpoints', endpoints);
  // The advertised port may change between starts: keep the endpoints true.
  await resources.core('endpoints').update('default', 'kubernetes', (cur) => ({ ...cur, subsets: endpoints.subsets }));
}

async function ensure(resources: ResourceRegistry, resource: string, obj: KubeObject): Promise<void> {
  const def = resources.lookup('', 'v1', resource)!;
  const store = resources.storeFor(def);
  prepareForCreate(def, obj);
  def.applyDefaults?.(obj);
  try {
    await store.create(obj);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  }
}
