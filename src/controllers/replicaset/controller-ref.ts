// Owner references that make one object the controller of another, and upstream's
// ControllerRefManager (pkg/controller/controller_ref_manager.go): an owner claims the objects
// its selector matches — adopting orphans, releasing its own that no longer match — and never
// touches objects another controller owns.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { LabelSelector } from '../../api/labels.js';
import type { ResourceClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import type { ObjectWithMeta } from '../../client/resources.js';

export interface OwnerIdentity {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; uid?: string; deletionTimestamp?: string };
}

/** As upstream's metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: OwnerIdentity): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerRefOf(obj: ObjectWithMeta): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The index value for objects by controller: the owner's uid, or ORPHAN. */
export const ORPHAN = '<orphan>';

export function controllerUidIndexFunc(obj: ObjectWithMeta): string[] {
  return [controllerRefOf(obj)?.uid ?? ORPHAN];
}

export interface ClaimOptions<T extends ObjectWithMeta> {
  owner: OwnerIdentity;
  selector: LabelSelector;
  /** The client for the claimed objects, scoped to the owner's namespace. */
  api: ResourceClient<T>;
  /**
   * Re-reads the owner from the API before the first adoption, as upstream's
   * RecheckDeletionTimestamp: a cache may not yet show that the owner is being deleted.
   */
  recheckOwner: () => Promise<OwnerIdentity>;
}

/**
 * Claims `candidates` for the owner: returns the objects it controls afterwards. Errors of
 * single adoptions or releases are gathered and thrown at the end, after the others are done.
 */
export async function claimObjects<T extends ObjectWithMeta>(candidates: T[], o: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = o.owner.metadata?.uid;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptable: Promise<void> | undefined;
  const canAdopt = () => (adoptable ??= o.recheckOwner().then((fresh) => {
    if (fresh.metadata?.uid !== ownerUid) throw new Error(`original ${o.owner.kind} ${o.owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${ownerUid}`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`${o.owner.kind} ${o.owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }));
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches) {
          claimed.push(obj);
          continue;
        }
        // Ours but no longer selected: release it, unless either side is going away.
        if (o.owner.metadata?.deletionTimestamp || obj.metadata?.deletionTimestamp) continue;
        await release(obj, ownerUid!, o.api);
        continue;
      }
      // An orphan: adopt it if it matches and neither side is being deleted.
      if (o.owner.metadata?.deletionTimestamp || !matches || obj.metadata?.deletionTimestamp) continue;
      await canAdopt();
      const adopted = await adopt(obj, newControllerRef(o.owner), o.api);
      if (adopted) claimed.push(adopted);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
  return claimed;
}

/** Adds the controller reference, guarded on uid and resourceVersion so that two owners cannot both adopt. */
async function adopt<T extends ObjectWithMeta>(obj: T, ref: OwnerReference, api: ResourceClient<T>): Promise<T | undefined> {
  const meta = obj.metadata!;
  const patch: unknown[] = [
    { op: 'test', path: '/metadata/uid', value: meta.uid },
    { op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion },
    meta.ownerReferences?.length
      ? { op: 'add', path: '/metadata/ownerReferences/-', value: ref }
      : { op: 'add', path: '/metadata/ownerReferences', value: [ref] },
  ];
  try {
    return await api.patch(meta.name!, 'json', patch);
  } catch (err) {
    // Gone meanwhile: nothing to adopt (as upstream, which ignores NotFound here).
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function release<T extends ObjectWithMeta>(obj: T, ownerUid: string, api: ResourceClient<T>): Promise<void> {
  const meta = obj.metadata!;
  const i = meta.ownerReferences?.findIndex((r) => r.uid === ownerUid) ?? -1;
  if (i < 0) return;
  const patch = [
    { op: 'test', path: '/metadata/uid', value: meta.uid },
    { op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: ownerUid },
    { op: 'remove', path: `/metadata/ownerReferences/${i}` },
  ];
  try {
    await api.patch(meta.name!, 'json', patch);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
