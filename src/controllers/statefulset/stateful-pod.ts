// A StatefulSet's pods and claims, after upstream pkg/controller/statefulset/stateful_set_utils.go:
// pod `<set>-<ordinal>` with a stable hostname and subdomain, the pod-name and pod-index labels,
// and one PVC `<claim>-<set>-<ordinal>` per volumeClaimTemplate mounted in place of the volume
// of that name.
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { newControllerRef } from '../history/controller-ref.js';
import { POD_REVISION_LABEL } from '../history/controller-revision.js';
import { isPodAvailable, isPodReady } from '../history/pod-readiness.js';

/** As upstream StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** As upstream PodIndexLabel (beta and on by default since 1.28). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ordinalRe = /^(.*)-([0-9]+)$/;

/** The parent name and ordinal of `<parent>-<ordinal>`, or ordinal -1 if the name has none. */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ordinalRe.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1]!, ordinal } : { parent: '', ordinal: -1 };
}

export function ordinalOf(pod: Pod): number {
  return parentAndOrdinal(pod).ordinal;
}

/** As upstream isMemberOf: the pod's name says it belongs to the set. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod).parent === set.metadata?.name;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** spec.ordinals.start (StatefulSetStartOrdinal, GA in 1.31), default 0. */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
}

export function inOrdinalRange(set: StatefulSet, pod: Pod): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function claimName(set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number): string {
  return `${claim.metadata?.name}-${set.metadata?.name}-${ordinal}`;
}

/** As upstream getPersistentVolumeClaims: the claims the pod needs, keyed by template name. */
export function podClaims(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const { status: _status, ...rest } = structuredClone(template);
    const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...rest };
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, ...meta } = claim.metadata ?? {};
    claim.metadata = {
      ...meta,
      name: claimName(set, template, ordinal),
      namespace: set.metadata?.namespace,
      // As upstream: the claim carries the set's selector labels (and its template's own).
      labels: { ...(claim.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    };
    claims.set(template.metadata?.name ?? '', claim);
  }
  return claims;
}

/** As upstream identityMatches. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata?.name && pod.metadata?.namespace === set.metadata?.namespace
    && pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata?.name;
}

/** As upstream storageMatches: every claim template is mounted from the pod's own claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const v = volumes.get(template.metadata?.name ?? '');
    if (!v?.persistentVolumeClaim || v.persistentVolumeClaim.claimName !== claimName(set, template, ordinal)) return false;
  }
  return true;
}

/** As upstream updateIdentity: name, labels, hostname and subdomain from the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  pod.metadata = { ...(pod.metadata ?? {}), name: podName(set, ordinal), namespace: set.metadata?.namespace };
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ordinal) };
  if (pod.spec) {
    pod.spec.hostname = pod.metadata.name;
    if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  }
}

/** As upstream updateStorage: claim volumes replace template volumes of the same name. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const ordinal = ordinalOf(pod);
  const templates = set.spec?.volumeClaimTemplates ?? [];
  if (templates.length === 0 || !pod.spec) return;
  const claimVolumes: Volume[] = templates.map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(set, t, ordinal) },
  }));
  const names = new Set(claimVolumes.map((v) => v.name));
  pod.spec.volumes = [...(pod.spec.volumes ?? []).filter((v) => !names.has(v.name)), ...claimVolumes];
}

/** As upstream newStatefulSetPod: from the template, owned by the set, with identity and storage. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const template = structuredClone(set.spec?.template ?? { spec: { containers: [] } });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: template.spec ?? { containers: [] },
  };
  updateIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/**
 * As upstream newVersionedStatefulSetPod: ordinals below the partition (or, without one, below
 * the current replica count) are made at the current revision, the rest at the update revision.
 */
export function newVersionedPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = strategy?.rollingUpdate?.partition;
  const atCurrent = rolling && (partition === undefined
    ? ordinal < (currentSet.status?.currentReplicas ?? 0)
    : ordinal < partition);
  const pod = newStatefulSetPod(atCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels = { ...pod.metadata!.labels, [POD_REVISION_LABEL]: atCurrent ? currentRevision : updateRevision };
  return pod;
}

export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[POD_REVISION_LABEL] ?? '';
}

/** Created: the API server has it (a pod this sync only planned has no uid). */
export function isCreated(pod: Pod): boolean {
  return !!pod.metadata?.uid;
}

export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed';
}

export function isPending(pod: Pod): boolean {
  return pod.status?.phase === 'Pending';
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, nowMs);
}

/** As upstream isHealthy: running, ready and not terminating. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
