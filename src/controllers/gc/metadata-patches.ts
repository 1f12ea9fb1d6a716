// The garbage collector's writes to other objects' metadata: dropping owner references,
// making them non-blocking, and removing its finalizers. Each is a JSON patch that first tests
// the uid and the list it read, so a concurrent change fails the patch (and the caller reads
// again) instead of being overwritten — the role upstream gives the uid and resourceVersion
// preconditions of its strategic-merge and JSON-merge patches. JSON patch works for custom
// resources too, which take no strategic merge.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import type { ObjectWithMeta, ResourceDescriptor } from '../../client/resources.js';

export interface ObjectCoordinates {
  resource: ResourceDescriptor;
  namespace?: string;
  name: string;
  uid: string;
}

const ATTEMPTS = 5;

/**
 * Reads the object, computes the new value of one metadata list from the old one, and writes
 * it if it differs. Returns false when the object is gone (or replaced by another uid).
 */
async function updateMetadataList<V>(
  client: ApiClient,
  target: ObjectCoordinates,
  field: 'ownerReferences' | 'finalizers',
  change: (current: V[]) => V[],
): Promise<boolean> {
  const api = client.resource(target.resource, target.resource.namespaced ? target.namespace : undefined);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let live: ObjectWithMeta;
    try {
      live = await api.get(target.name);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    if (live.metadata?.uid !== target.uid) return false;
    const current = ((live.metadata as Record<string, unknown>)[field] as V[] | undefined) ?? [];
    const next = change(current);
    if (JSON.stringify(next) === JSON.stringify(current)) return true;
    const path = `/metadata/${field}`;
    const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: target.uid }];
    if (current.length) ops.push({ op: 'test', path, value: current });
    ops.push(next.length ? { op: current.length ? 'replace' : 'add', path, value: next } : { op: 'remove', path });
    try {
      await api.patch(target.name, 'json', ops);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      lastError = err; // most likely a failed test: someone else wrote first; read again
    }
  }
  throw lastError;
}

/** Drops the references to `ownerUids` from the object (upstream's deleteOwnerRefPatch). */
export function removeOwnerReferences(client: ApiClient, target: ObjectCoordinates, ownerUids: string[]): Promise<boolean> {
  const drop = new Set(ownerUids);
  return updateMetadataList<OwnerReference>(client, target, 'ownerReferences', (refs) => refs.filter((r) => !drop.has(r.uid)));
}

/** Sets blockOwnerDeletion=false on every reference (upstream's unblockOwnerReferences). */
export function unblockOwnerReferences(client: ApiClient, target: ObjectCoordinates): Promise<boolean> {
  return updateMetadataList<OwnerReference>(client, target, 'ownerReferences', (refs) =>
    refs.map((r) => (r.blockOwnerDeletion ? { ...r, blockOwnerDeletion: false } : r)));
}

/** Removes one finalizer; the API server completes the deletion once the last is gone. */
export function removeFinalizer(client: ApiClient, target: ObjectCoordinates, finalizer: string): Promise<boolean> {
  return updateMetadataList<string>(client, target, 'finalizers', (fs) => fs.filter((f) => f !== finalizer));
}
