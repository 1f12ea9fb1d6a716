// Defaults for the small core/v1 kinds: Secret, Namespace, Node, Endpoints, LimitRange.
import type { KubeObject } from '../kinds.js';
import { child, items, setDefault, type Obj } from './set-default.js';

export function defaultSecret(obj: KubeObject): void {
  if (!obj.type) obj.type = 'Opaque';
  // As the upstream v1 conversion: stringData is write-only and merged into data (base64).
  if (obj.stringData && typeof obj.stringData === 'object') {
    const data = child(obj, 'data');
    for (const [k, v] of Object.entries(obj.stringData as Obj)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    delete obj.stringData;
  }
}

export function defaultNamespace(obj: KubeObject): void {
  // Upstream (1.21+) labels every namespace with its own name.
  const name = obj.metadata?.name;
  if (name) child(child(obj, 'metadata'), 'labels')['kubernetes.io/metadata.name'] = name;
  // The "kubernetes" finalizer is added by the namespace strategy on create.
  const spec = child(obj, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setDefault(child(obj, 'status'), 'phase', 'Active');
}

export function defaultNode(obj: KubeObject): void {
  const status = obj.status as Obj | undefined;
  // Upstream SetDefaults_NodeStatus: allocatable defaults to capacity.
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

export function defaultEndpoints(obj: KubeObject): void {
  for (const subset of items(obj, 'subsets')) {
    for (const port of items(subset, 'ports')) setDefault(port, 'protocol', 'TCP');
  }
}

function fillMissing(target: Obj, source: Obj | undefined): void {
  for (const [k, v] of Object.entries(source ?? {})) setDefault(target, k, v);
}

/** Upstream SetDefaults_LimitRangeItem: container defaults flow max → default → defaultRequest, min → defaultRequest. */
export function defaultLimitRange(obj: KubeObject): void {
  for (const item of items(obj.spec, 'limits')) {
    if (item.type !== 'Container') continue;
    const def: Obj = { ...(item.default ?? {}) };
    fillMissing(def, item.max);
    const req: Obj = { ...(item.defaultRequest ?? {}) };
    fillMissing(req, def);
    fillMissing(req, item.min);
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}
