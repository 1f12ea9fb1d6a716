// The taints the node lifecycle controller owns and how node conditions map to them (upstream
// pkg/controller/nodelifecycle: nodeConditionToTaintKeyStatusMap, NotReady/Unreachable taints),
// and toleration matching as upstream v1helper.ToleratesTaint.
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** NoSchedule taints derived from conditions: condition type → status → taint key. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

const NO_SCHEDULE_KEYS = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), TAINT_UNSCHEDULABLE]);

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The NoSchedule taint keys a node's conditions and spec.unschedulable call for. */
export function desiredNoScheduleKeys(node: Node): Set<string> {
  const keys = new Set<string>();
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) keys.add(key);
  }
  if (node.spec?.unschedulable) keys.add(TAINT_UNSCHEDULABLE);
  return keys;
}

/** The NoExecute taint key the Ready condition calls for (none when Ready is True). */
export function desiredNoExecuteKey(node: Node): string | undefined {
  const status = readyCondition(node)?.status;
  if (status === 'False') return TAINT_NOT_READY;
  if (status === 'Unknown') return TAINT_UNREACHABLE;
  return undefined;
}

/**
 * The node's taints with the controller-owned ones of `effect` replaced by `keys` (others kept,
 * and existing matching taints kept with their timeAdded). Undefined when nothing changes.
 */
export function reconcileTaints(node: Node, effect: 'NoSchedule' | 'NoExecute', keys: ReadonlySet<string>, now: string): Taint[] | undefined {
  const owned = effect === 'NoSchedule' ? NO_SCHEDULE_KEYS : new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);
  const current = node.spec?.taints ?? [];
  const next: Taint[] = [];
  let changed = false;
  for (const t of current) {
    if (t.effect === effect && owned.has(t.key) && !keys.has(t.key)) {
      changed = true;
      continue;
    }
    next.push(t);
  }
  for (const key of keys) {
    if (current.some((t) => t.key === key && t.effect === effect)) continue;
    next.push({ key, effect, ...(effect === 'NoExecute' ? { timeAdded: now } : {}) });
    changed = true;
  }
  return changed ? next : undefined;
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case 'Equal': case '': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

/**
 * Upstream taint manager: how long a pod may stay on a node with these NoExecute taints.
 * 0 = evict now (a taint is not tolerated), Infinity = never, else the shortest
 * tolerationSeconds among the tolerations used (in ms).
 */
export function tolerationTimeMs(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): number {
  let min = Infinity;
  for (const taint of taints) {
    const used = (tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (used.length === 0) return 0;
    for (const t of used) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
    }
  }
  return min;
}
