// A StatefulSet's ControllerRevisions, as upstream stateful_set_control.go
// (getStatefulSetRevisions, truncateHistory) and stateful_set_utils.go (newRevision,
// ApplyRevision): the update revision is the set's template now; the current revision is the
// one status.currentRevision names; going back to an older template reuses its revision with
// a new number.
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ResourceClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import { newControllerRef } from '../history/controller-ref.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, controllerRevisionName, createControllerRevision, equalRevision, findEqualRevisions,
  hashData, nextRevision, sortRevisions, templateOfRevision, templatePatch,
} from '../history/controller-revision.js';
import { podRevision } from './stateful-pod.js';

/** As upstream newRevision: the set's template as a revision (named and hashed, not yet created). */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = templatePatch(set.spec?.template);
  const hash = hashData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(set.metadata!.name!, hash),
      namespace: set.metadata?.namespace,
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(set.metadata?.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    data,
    revision,
  };
}

/** As upstream ApplyRevision: the set with the revision's template. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  const template = templateOfRevision<PodTemplateSpec>(revision);
  if (template) clone.spec = { ...clone.spec!, template };
  return clone;
}

export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/** `revisions` must be the set's own, sorted (sortRevisions). */
export async function statefulSetRevisions(set: StatefulSet, revisions: ControllerRevision[], api: ResourceClient<ControllerRevision>): Promise<SetRevisions> {
  let collisionCount = set.status?.collisionCount ?? 0;
  const candidate = newRevision(set, nextRevision(revisions), collisionCount);
  const equal = findEqualRevisions(revisions, candidate);
  let update: ControllerRevision;
  const last = revisions[revisions.length - 1];
  if (equal.length > 0 && equalRevision(last, equal[equal.length - 1])) {
    // The template has not changed since the latest revision.
    update = last!;
  } else if (equal.length > 0) {
    // A rollback to an earlier template: that revision becomes the newest.
    const copy = structuredClone(equal[equal.length - 1]!);
    copy.revision = candidate.revision;
    update = await api.update(copy);
  } else {
    const created = await createControllerRevision(api, set.metadata!.name!, candidate, collisionCount);
    update = created.revision;
    collisionCount = created.collisionCount;
  }
  const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/**
 * As upstream truncateHistory: revisions neither current, update, nor used by a pod are
 * history; the oldest beyond revisionHistoryLimit are deleted.
 */
export async function truncateHistory(set: StatefulSet, pods: readonly Pod[], revisions: readonly ControllerRevision[], live: SetRevisions, api: ResourceClient<ControllerRevision>): Promise<void> {
  const inUse = new Set<string>([live.current.metadata!.name!, live.update.metadata!.name!, ...pods.map(podRevision)]);
  const history = sortRevisions(revisions.filter((r) => !inUse.has(r.metadata?.name ?? '')));
  const limit = set.spec?.revisionHistoryLimit ?? 10;
  for (const rev of history.slice(0, Math.max(history.length - limit, 0))) {
    try {
      await api.delete(rev.metadata!.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
