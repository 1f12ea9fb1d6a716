// The arithmetic of a rolling update, after upstream's deployment/util: how far maxSurge and
// maxUnavailable reach for a replica count, and how far the new ReplicaSet may grow.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';

export type IntOrString = number | string;

/**
 * As upstream's GetScaledValueFromIntOrPercent: an int as is; "25%" of `total`, rounded up or
 * down. A string that is not a percentage is an error.
 */
export function scaledValueFromIntOrPercent(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * As upstream's ResolveFenceposts: surge rounds up, unavailable rounds down, and when both come
 * out 0 unavailability is 1, or the rollout could never move.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

/** As upstream's MaxSurge (0 for Recreate). Defaults as the API server's: 25% and 25%. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', desiredReplicas(d)).surge;
}

/** As upstream's MaxUnavailable: never more than the replicas, 0 for Recreate or 0 replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', replicas);
  return Math.min(unavailable, replicas);
}

const specReplicas = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;

/**
 * How many pods a ReplicaSet may still have. Upstream counts spec.replicas only; an old
 * ReplicaSet that was scaled down may still have pods its controller has not deleted yet, so we
 * count status.replicas too when larger: pods then never exceed replicas + maxSurge, even for a
 * moment (issue 4 checks this on every watch event).
 */
export function podsAtMost(rs: ReplicaSet, isNew: boolean): number {
  return isNew ? specReplicas(rs) : Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
}

/**
 * Available pods a ReplicaSet will keep: a ReplicaSet being scaled down deletes not-ready pods
 * first, so at least min(available, spec.replicas) stay available. Upstream uses
 * status.availableReplicas, which may still count pods about to be deleted.
 */
export function availableAtLeast(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
}

/** As upstream's NewRSNewReplicas: the size the new ReplicaSet may grow to now. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = allRSs.reduce((n, rs) => n + podsAtMost(rs, rs === newRS || rs.metadata?.uid === newRS.metadata?.uid), 0);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}
