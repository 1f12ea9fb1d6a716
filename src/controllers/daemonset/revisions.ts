// A DaemonSet's ControllerRevisions, as upstream pkg/controller/daemon/update.go
// (constructHistory, snapshot, dedupCurHistories, cleanupHistory): one revision per distinct
// template, the current one with the highest number; its hash is the `controller-revision-hash`
// label of the pods made from it.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ResourceClient } from '../../client/api-client.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import { canonicalJson, controllerRevisionName, hashData, maxRevision, POD_REVISION_LABEL, sortRevisions, templatePatch } from '../history/controller-revision.js';
import { newControllerRef } from '../history/controller-ref.js';

/** As upstream Match: the revision holds exactly this DaemonSet's template. */
export function revisionMatches(ds: DaemonSet, revision: ControllerRevision): boolean {
  return canonicalJson(templatePatch(ds.spec?.template)) === canonicalJson(revision.data);
}

/** The hash of the DaemonSet's template, as upstream ComputeHash(template, collisionCount). */
export function daemonSetHash(ds: DaemonSet): string {
  return hashData(ds.spec?.template, ds.status?.collisionCount);
}

export interface HistoryApis {
  revisions: ResourceClient<ControllerRevision>;
  daemonSets: ResourceClient<DaemonSet>;
  pods: ResourceClient<Pod>;
}

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
}

/** A collision: the DaemonSet's status.collisionCount was raised; sync again. */
export class HashCollisionError extends Error {
  override readonly name = 'HashCollisionError';
}

export async function constructHistory(ds: DaemonSet, owned: readonly ControllerRevision[], apis: HistoryApis, pods: readonly Pod[]): Promise<History> {
  const currents: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let rev of owned) {
    // As upstream: older revisions without the hash label get their name as the label.
    if (!rev.metadata?.labels?.[POD_REVISION_LABEL]) {
      const copy = structuredClone(rev);
      copy.metadata!.labels = { ...copy.metadata!.labels, [POD_REVISION_LABEL]: copy.metadata!.name! };
      rev = await apis.revisions.update(copy);
    }
    if (revisionMatches(ds, rev)) currents.push(rev);
    else old.push(rev);
  }
  const next = maxRevision(old) + 1;
  let current: ControllerRevision;
  if (currents.length === 0) {
    current = await snapshot(ds, next, apis);
  } else {
    current = await dedupCurrent(currents, apis, pods);
    if (current.revision < next) {
      const copy = structuredClone(current);
      copy.revision = next;
      current = await apis.revisions.update(copy);
    }
  }
  return { current, old };
}

async function snapshot(ds: DaemonSet, revision: number, apis: HistoryApis): Promise<ControllerRevision> {
  const hash = daemonSetHash(ds);
  const name = controllerRevisionName(ds.metadata!.name!, hash);
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ds.metadata?.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [POD_REVISION_LABEL]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data: templatePatch(ds.spec?.template),
    revision,
  };
  try {
    return await apis.revisions.create(cr);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await apis.revisions.get(name);
    if (revisionMatches(ds, existing)) return existing;
    // A hash collision: bump collisionCount so the next hash differs, as upstream.
    const fresh = await apis.daemonSets.get(ds.metadata!.name!);
    await apis.daemonSets.updateStatus({ ...fresh, status: { ...fresh.status!, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } });
    throw new HashCollisionError(`found a hash collision for DaemonSet "${ds.metadata?.name}" - bumping collisionCount to resolve it`);
  }
}

/** As upstream dedupCurHistories: keep the highest revision, relabel pods of the others, delete them. */
async function dedupCurrent(currents: ControllerRevision[], apis: HistoryApis, pods: readonly Pod[]): Promise<ControllerRevision> {
  if (currents.length === 1) return currents[0]!;
  const sorted = sortRevisions([...currents]);
  const keep = sorted[sorted.length - 1]!;
  const keepHash = keep.metadata!.labels![POD_REVISION_LABEL]!;
  for (const dup of sorted.slice(0, -1)) {
    const dupHash = dup.metadata?.labels?.[POD_REVISION_LABEL];
    for (const pod of pods) {
      if (pod.metadata?.labels?.[POD_REVISION_LABEL] !== dupHash) continue;
      try {
        await apis.pods.patch(pod.metadata!.name!, 'merge', { metadata: { labels: { [POD_REVISION_LABEL]: keepHash } } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    try {
      await apis.revisions.delete(dup.metadata!.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return keep;
}

/** As upstream cleanupHistory: beyond revisionHistoryLimit, delete the oldest revisions no pod uses. */
export async function cleanupHistory(ds: DaemonSet, old: readonly ControllerRevision[], pods: readonly Pod[], api: ResourceClient<ControllerRevision>): Promise<void> {
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  let toKill = old.length - limit;
  if (toKill <= 0) return;
  const live = new Set(pods.map((p) => p.metadata?.labels?.[POD_REVISION_LABEL]).filter((h): h is string => !!h));
  for (const rev of sortRevisions([...old])) {
    if (toKill <= 0) break;
    if (live.has(rev.metadata?.labels?.[POD_REVISION_LABEL] ?? '')) continue;
    try {
      await api.delete(rev.metadata!.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    toKill--;
  }
}
