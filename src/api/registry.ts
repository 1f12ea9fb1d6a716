// The built-in kinds the API server serves, and lookups over them.
import { apiVersionOf, type KindDef } from './kinds.js';
import { apiextensionsKinds } from './groups/apiextensions.js';
import { appsKinds } from './groups/apps.js';
import { autoscalingKinds } from './groups/autoscaling.js';
import { batchKinds } from './groups/batch.js';
import { certificatesKinds } from './groups/certificates.js';
import { clusterKinds } from './groups/cluster.js';
import { coreKinds } from './groups/core.js';
import { eventsKinds } from './groups/events.js';
import { networkingKinds } from './groups/networking.js';

export const builtinKinds: KindDef[] = [
  ...coreKinds,
  ...appsKinds,
  ...batchKinds,
  ...certificatesKinds,
  ...autoscalingKinds,
  ...networkingKinds,
  ...eventsKinds,
  ...clusterKinds,
  ...apiextensionsKinds,
];

/** group → preferred version, as discovery reports it ('' is the core group). */
export const groupPreferredVersions: Record<string, string> = {
  '': 'v1',
  apps: 'v1',
  batch: 'v1',
  autoscaling: 'v2',
  'networking.k8s.io': 'v1',
  'discovery.k8s.io': 'v1',
  'events.k8s.io': 'v1',
  'coordination.k8s.io': 'v1',
  policy: 'v1',
  'rbac.authorization.k8s.io': 'v1',
  'storage.k8s.io': 'v1',
  'scheduling.k8s.io': 'v1',
  'authorization.k8s.io': 'v1',
  'authentication.k8s.io': 'v1',
  'apiextensions.k8s.io': 'v1',
  'certificates.k8s.io': 'v1',
};

const byResource = new Map(builtinKinds.map((d) => [`${d.group}/${d.version}/${d.resource}`, d]));
const byKind = new Map(builtinKinds.map((d) => [`${apiVersionOf(d)}/${d.kind}`, d]));

export function findKindByResource(group: string, version: string, resource: string): KindDef | undefined {
  return byResource.get(`${group}/${version}/${resource}`);
}

export function findKindByKind(apiVersion: string, kind: string): KindDef | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}
