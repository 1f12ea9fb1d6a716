// Owner references and claiming, after upstream pkg/controller/controller_ref_manager.go: a
// controller keeps the objects it controls that its selector still matches, releases those it
// no longer matches, and adopts matching orphans (after checking it still exists, unchanged).
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import type { ObjectWithMeta } from '../../client/resources.js';
import type { LabelSelector } from '../../api/labels.js';

export interface ControllerIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  namespace?: string;
  deleting: boolean;
}

/** The owner reference with controller: true, if any (upstream metav1.GetControllerOf). */
export function controllerRefOf(obj: ObjectWithMeta): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** As upstream metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: ObjectWithMeta, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

export function identityOf(owner: ObjectWithMeta, apiVersion: string, kind: string): ControllerIdentity {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    namespace: owner.metadata?.namespace,
    deleting: !!owner.metadata?.deletionTimestamp,
  };
}

export interface ClaimOptions<T extends ObjectWithMeta> {
  controller: ControllerIdentity;
  selector: LabelSelector;
  /** The API for the claimed kind, scoped to the controller's namespace. */
  api: ResourceClient<T>;
  /** Extra condition besides the selector (a StatefulSet's pods must carry its name). */
  filter?: (obj: T) => boolean;
  /** Throws if the controller must not adopt (it was deleted or replaced since the cache saw it). */
  canAdopt: () => Promise<void>;
}

/**
 * Returns the objects the controller owns after claiming: kept, adopted (patched with a
 * controller reference) and without the released ones. As upstream, objects owned by another
 * controller are left alone and orphans being deleted are not adopted.
 */
export async function claimObjects<T extends ObjectWithMeta>(objects: readonly T[], opts: ClaimOptions<T>): Promise<T[]> {
  const { controller, selector, api } = opts;
  const matches = (o: T) => selector.matches(o.metadata?.labels) && (opts.filter ? opts.filter(o) : true);
  const claimed: T[] = [];
  let adoptionChecked: Promise<void> | undefined;
  const errors: unknown[] = [];
  for (const obj of objects) {
    const ref = controllerRefOf(obj);
    const uid = obj.metadata?.uid;
    if (ref) {
      if (ref.uid !== controller.uid) continue;
      if (matches(obj)) {
        claimed.push(obj);
        continue;
      }
      if (controller.deleting) continue;
      try {
        await api.patch(obj.metadata!.name!, 'strategic', { metadata: { ownerReferences: [{ $patch: 'delete', uid: controller.uid }], uid } });
      } catch (err) {
        // Gone, or changed under us: either way it is no longer ours.
        if (!isNotFound(err)) errors.push(err);
      }
      continue;
    }
    if (controller.deleting || !matches(obj) || obj.metadata?.deletionTimestamp) continue;
    if (controller.namespace && obj.metadata?.namespace !== controller.namespace) continue;
    try {
      adoptionChecked ??= opts.canAdopt();
      await adoptionChecked;
      const ownerRef: OwnerReference = { apiVersion: controller.apiVersion, kind: controller.kind, name: controller.name, uid: controller.uid, controller: true, blockOwnerDeletion: true };
      const adopted = await api.patch(obj.metadata!.name!, 'strategic', { metadata: { ownerReferences: [ownerRef], uid } });
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}

/**
 * As upstream RecheckDeletionTimestamp: a fresh read of the controller must show the same uid
 * and no deletion in progress before it may adopt anything.
 */
export function recheckController<T extends ObjectWithMeta>(get: () => Promise<T>, uid: string, what: string): () => Promise<void> {
  return async () => {
    const fresh = await get();
    if (fresh.metadata?.uid !== uid) throw new Error(`original ${what} is gone: got uid ${fresh.metadata?.uid}, wanted ${uid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`${what} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  };
}
