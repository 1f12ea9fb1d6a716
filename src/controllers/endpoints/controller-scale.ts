// How many pods a pod's controller wants, after upstream's disruption controller "finders"
// (getPodReplicationController, getPodDeployment, getPodReplicaSet, getPodStatefulSet,
// getScaleController): the built-in workloads are read from the informer caches; any other
// controller (a custom resource) through its scale subresource, found via discovery.
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import type { Lister } from '../../client/lister.js';

export interface ControllerScale {
  uid: string;
  scale: number;
}

export interface WorkloadListers {
  replicationControllers: Lister<ReplicationController>;
  replicaSets: Lister<ReplicaSet>;
  deployments: Lister<Deployment>;
  statefulSets: Lister<StatefulSet>;
}

type Finder = (ref: OwnerReference, namespace: string) => Promise<ControllerScale | undefined>;

function groupOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length > 2 || !parts[parts.length - 1]) throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
  return parts.length === 2 ? parts[0]! : '';
}

/** As upstream's verifyGroupKind. */
function isKind(ref: OwnerReference, kind: string, groups: string[]): boolean {
  return ref.kind === kind && groups.includes(groupOf(ref.apiVersion));
}

/** The controller owner of an object, if any (metav1.GetControllerOf). */
export function controllerOf(meta: { ownerReferences?: OwnerReference[] } | undefined): OwnerReference | undefined {
  return meta?.ownerReferences?.find((r) => r.controller === true);
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

export class ControllerScaleFinder {
  /** "group/version" → kind → plural resource with a scale subresource. */
  private readonly discovered = new Map<string, Map<string, ApiResource>>();
  private readonly finders: Finder[];

  constructor(private readonly listers: WorkloadListers, private readonly client: ApiClient) {
    this.finders = [
      (r, ns) => this.replicationController(r, ns),
      (r, ns) => this.deployment(r, ns),
      (r, ns) => this.replicaSet(r, ns),
      (r, ns) => this.statefulSet(r, ns),
      (r, ns) => this.scaleSubresource(r, ns),
    ];
  }

  /** The scale of the controller `ref` points to, or undefined when none matches it. */
  async find(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    for (const finder of this.finders) {
      const found = await finder(ref, namespace);
      if (found) return found;
    }
    return undefined;
  }

  private async replicationController(ref: OwnerReference, ns: string): Promise<ControllerScale | undefined> {
    if (!isKind(ref, 'ReplicationController', [''])) return undefined;
    const rc = this.listers.replicationControllers.get(ns, ref.name);
    if (!rc || rc.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: rc.spec?.replicas ?? 1 };
  }

  /** A ReplicaSet owned by a Deployment counts as the Deployment. */
  private async deployment(ref: OwnerReference, ns: string): Promise<ControllerScale | undefined> {
    if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
    const rs = this.listers.replicaSets.get(ns, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const owner = controllerOf(rs.metadata);
    if (!owner || !isKind(owner, 'Deployment', ['apps', 'extensions'])) return undefined;
    const d = this.listers.deployments.get(ns, owner.name);
    if (!d || d.metadata?.uid !== owner.uid) return undefined;
    return { uid: owner.uid, scale: d.spec?.replicas ?? 1 };
  }

  private async replicaSet(ref: OwnerReference, ns: string): Promise<ControllerScale | undefined> {
    if (!isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) return undefined;
    const rs = this.listers.replicaSets.get(ns, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    // Skip a ReplicaSet a Deployment controls: the Deployment's scale is what counts.
    if (controllerOf(rs.metadata)?.kind === 'Deployment') return undefined;
    return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
  }

  private async statefulSet(ref: OwnerReference, ns: string): Promise<ControllerScale | undefined> {
    if (!isKind(ref, 'StatefulSet', ['apps'])) return undefined;
    const ss = this.listers.statefulSets.get(ns, ref.name);
    if (!ss || ss.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: ss.spec?.replicas ?? 1 };
  }

  /** Any other kind with a scale subresource (e.g. a custom resource's). */
  private async scaleSubresource(ref: OwnerReference, ns: string): Promise<ControllerScale | undefined> {
    const group = groupOf(ref.apiVersion);
    const version = ref.apiVersion.split('/').pop()!;
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!resource) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    const desc = { group, version, resource: resource.name, kind: ref.kind, namespaced: resource.namespaced };
    try {
      const scale = await this.client.resource(desc, resource.namespaced ? ns : undefined).getScale(ref.name);
      if (scale.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
    } catch (err) {
      // A kind without a scale subresource answers NotFound too: not a controller we can size.
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    let byKind = this.discovered.get(apiVersion);
    if (!byKind?.has(kind)) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      let list: { resources?: ApiResource[] };
      try {
        list = await this.client.requestJson<{ resources?: ApiResource[] }>('GET', path);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      byKind = new Map();
      for (const r of list.resources ?? []) if (!r.name.includes('/')) byKind.set(r.kind, r);
      this.discovered.set(apiVersion, byKind);
    }
    return byKind.get(kind);
  }
}
