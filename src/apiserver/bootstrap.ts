// Objects every cluster starts with, created idempotently at each start as upstream's
// bootstrap controllers do: the system namespaces. The `kubernetes` Service, Endpoints and
// EndpointSlice are kept by kubernetes-service.ts.
import type { KubeObject } from '../api/kinds.js';
import { AlreadyExistsError } from '../api/errors.js';
import type { ResourceRegistry } from './resources.js';
import { prepareForCreate } from './strategy.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrapCluster(resources: ResourceRegistry): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(resources, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
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
