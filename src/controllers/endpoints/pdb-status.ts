// The arithmetic of a PodDisruptionBudget's status, after upstream's
// pkg/controller/disruption (countHealthyPods, buildDisruptedPodMap, updatePdbStatus) and
// pkg/apis/policy/helper (UpdateDisruptionAllowedCondition): pure functions of the budget,
// its pods and the time, so they can be tested by table.
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { isPodReady } from './pod-endpoints.js';
import { semanticEqual } from './semantic-equal.js';

/** As upstream's DeletionTimeout: how long an evicted pod may take to be deleted. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/**
 * As apimachinery's GetScaledValueFromIntOrPercent: an int is itself, "N%" is N% of `total`
 * (rounded up when `roundUp`); anything else is an error.
 */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = value.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value "${value}": strconv.Atoi: parsing "${digits}": invalid syntax`);
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** Go's metav1.Time in JSON: RFC 3339 to the second. */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * As upstream's buildDisruptedPodMap: the entries of status.disruptedPods still pending (the
 * pod exists, is not being deleted, and its deadline has not passed), the pods whose
 * deadline passed (upstream warns about them), and when the next deadline falls.
 */
export function pendingDisruptions(pdb: PodDisruptionBudget, pods: Pod[], now: number): { pending: Record<string, string>; overdue: Pod[]; recheckAt?: number } {
  const recorded = pdb.status?.disruptedPods;
  const pending: Record<string, string> = {};
  const overdue: Pod[] = [];
  let recheckAt: number | undefined;
  if (!recorded) return { pending, overdue };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = recorded[pod.metadata?.name ?? ''];
    if (at === undefined) continue;
    const deadline = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (deadline < now) {
      overdue.push(pod);
    } else {
      pending[pod.metadata!.name!] = at;
      if (recheckAt === undefined || deadline < recheckAt) recheckAt = deadline;
    }
  }
  return { pending, overdue, recheckAt };
}

/** As upstream's countHealthyPods: ready pods neither being deleted nor about to be. */
export function countHealthyPods(pods: Pod[], disrupted: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

export interface StatusCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptedPods: Record<string, string>;
}

/**
 * As upstream's updatePdbStatus: the status to write, or undefined when the current one is
 * already right. Disruptions are allowed only while some pods are expected, so a budget that
 * matches nothing yet is safe when its first pods appear.
 */
export function nextStatus(pdb: PodDisruptionBudget, counts: StatusCounts, now: number): PodDisruptionBudgetStatus | undefined {
  let disruptionsAllowed = counts.currentHealthy - counts.desiredHealthy;
  if (counts.expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const generation = pdb.metadata?.generation ?? 0;
  const s = pdb.status;
  if (s && (s.currentHealthy ?? 0) === counts.currentHealthy && (s.desiredHealthy ?? 0) === counts.desiredHealthy &&
    (s.expectedPods ?? 0) === counts.expectedPods && (s.disruptionsAllowed ?? 0) === disruptionsAllowed &&
    semanticEqual(s.disruptedPods ?? {}, counts.disruptedPods) && (s.observedGeneration ?? 0) === generation && conditionsUpToDate(pdb)) {
    return undefined;
  }
  const status: PodDisruptionBudgetStatus = {
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedPods,
    disruptionsAllowed,
    observedGeneration: generation,
    conditions: structuredClone(s?.conditions ?? []),
  };
  if (Object.keys(counts.disruptedPods).length) status.disruptedPods = counts.disruptedPods;
  const allowed = disruptionsAllowed > 0;
  setCondition(status.conditions!, {
    type: DISRUPTION_ALLOWED,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
    message: '',
    observedGeneration: generation,
    lastTransitionTime: '',
  }, now);
  return status;
}

/** As upstream's failSafe: no disruptions allowed, and the condition says why. */
export function failSafeStatus(pdb: PodDisruptionBudget, err: unknown, now: number): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = structuredClone(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 });
  status.disruptionsAllowed = 0;
  status.conditions ??= [];
  setCondition(status.conditions, {
    type: DISRUPTION_ALLOWED,
    status: 'False',
    reason: SYNC_FAILED,
    message: err instanceof Error ? err.message : String(err),
    observedGeneration: status.observedGeneration ?? 0,
    lastTransitionTime: '',
  }, now);
  return status;
}

/** As upstream's ConditionsAreUpToDate. */
function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const cond = pdb.status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!cond) return false;
  if ((pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return cond.status === 'True' && cond.reason === SUFFICIENT_PODS;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS;
}

/**
 * As apimachinery's meta.SetStatusCondition: replaces the condition of the same type, keeping
 * its lastTransitionTime unless the status changed.
 */
export function setCondition(conditions: Condition[], cond: Condition, now: number): void {
  const i = conditions.findIndex((c) => c.type === cond.type);
  const existing = conditions[i];
  if (!existing) {
    conditions.push({ ...cond, lastTransitionTime: cond.lastTransitionTime || metaTime(now) });
    return;
  }
  const changed = existing.status !== cond.status;
  conditions[i] = { ...cond, lastTransitionTime: changed ? (cond.lastTransitionTime || metaTime(now)) : existing.lastTransitionTime };
}
