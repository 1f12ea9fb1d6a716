// Indexed completion mode, after upstream's pkg/controller/job indexed_job_utils.go: each pod
// carries a completion index (annotation and label), succeeded indexes are kept as ordered
// intervals written as "1,3-5,7" in status.completedIndexes, new pods take the lowest indexes
// that are neither succeeded nor running, and duplicate or out-of-range indexes are removed.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import {
  JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_ENV, JOB_COMPLETION_INDEX_LABEL,
} from './constants.js';
import { compareForRemoval, hasTrackingFinalizer } from './pod-state.js';

export const UNKNOWN_COMPLETION_INDEX = -1;

/** As upstream names.MaxGeneratedNameLength: 63 less the 5 random characters. */
const MAX_GENERATED_NAME_LENGTH = 58;

export function isIndexedJob(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** The pod's completion index from its annotation (upstream getCompletionIndex). */
export function completionIndexOf(p: Pod): number {
  const v = p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^[0-9]+$/.test(v)) return UNKNOWN_COMPLETION_INDEX;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : UNKNOWN_COMPLETION_INDEX;
}

export interface Interval {
  first: number;
  last: number;
}

/** Sorted, non-overlapping, non-adjacent intervals of indexes (upstream orderedIntervals). */
export class OrderedIntervals {
  constructor(readonly intervals: Interval[] = []) {}

  /** Parses "1,3-5,7", keeping indexes below `completions` (bad parts are skipped, as upstream). */
  static parse(text: string | undefined, completions: number): OrderedIntervals {
    if (!text) return new OrderedIntervals();
    const out: Interval[] = [];
    for (const part of text.split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) continue;
      const first = Number(m[1]);
      let last = m[2] !== undefined ? Number(m[2]) : first;
      if (first >= completions || last < first) continue;
      last = Math.min(last, completions - 1);
      const prev = out[out.length - 1];
      if (prev && first <= prev.last + 1) prev.last = Math.max(prev.last, last);
      else out.push({ first, last });
    }
    return new OrderedIntervals(out);
  }

  /** The union with a sorted list of indexes. */
  withOrderedIndexes(indexes: number[]): OrderedIntervals {
    const all = [...this.intervals.map((i) => ({ ...i })), ...indexes.map((x) => ({ first: x, last: x }))].sort((a, b) => a.first - b.first);
    const out: Interval[] = [];
    for (const i of all) {
      const prev = out[out.length - 1];
      if (prev && i.first <= prev.last + 1) prev.last = Math.max(prev.last, i.last);
      else out.push(i);
    }
    return new OrderedIntervals(out);
  }

  has(ix: number): boolean {
    return this.intervals.some((i) => i.first <= ix && ix <= i.last);
  }

  total(): number {
    return this.intervals.reduce((n, i) => n + i.last - i.first + 1, 0);
  }

  toString(): string {
    return this.intervals.map((i) => (i.first === i.last ? `${i.first}` : `${i.first}-${i.last}`)).join(',');
  }
}

/**
 * The previously recorded succeeded indexes, and those plus the indexes of succeeded pods not
 * yet counted (they still hold the tracking finalizer), as upstream calculateSucceededIndexes.
 */
export function calculateSucceededIndexes(job: Job, pods: Pod[]): { prev: OrderedIntervals; now: OrderedIntervals } {
  const completions = job.spec?.completions ?? 0;
  const prev = OrderedIntervals.parse(job.status?.completedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_COMPLETION_INDEX && ix < completions && hasTrackingFinalizer(p)) fresh.add(ix);
  }
  return { prev, now: prev.withOrderedIndexes([...fresh].sort((a, b) => a - b)) };
}

/** The lowest `count` indexes that are neither succeeded nor held by an active pod. */
export function firstPendingIndexes(activePods: Pod[], succeeded: OrderedIntervals, count: number, completions: number): number[] {
  const taken = new Set<number>();
  for (const p of activePods) taken.add(completionIndexOf(p));
  const out: number[] = [];
  for (let ix = 0; ix < completions && out.length < count; ix++) {
    if (!taken.has(ix) && !succeeded.has(ix)) out.push(ix);
  }
  return out;
}

/**
 * Splits active pods into those to remove (no valid index, or a second pod for one index) and
 * those left, as upstream appendDuplicatedIndexPodsForRemoval: of the pods sharing an index,
 * the one last in removal order (the most advanced) is kept.
 */
export function duplicatedIndexPodsForRemoval(pods: Pod[], completions: number): { rm: Pod[]; left: Pod[] } {
  const rm: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) rm.push(p);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
  }
  const left: Pod[] = [];
  for (const group of byIndex.values()) {
    group.sort(compareForRemoval);
    rm.push(...group.slice(0, -1));
    left.push(group[group.length - 1]!);
  }
  return { rm, left };
}

/** Upstream podGenerateNameWithIndex: "<job>-<index>-", the job name cut to fit. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? jobName.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

/** Adds JOB_COMPLETION_INDEX from the annotation (downward API) to every container that lacks it. */
export function addCompletionIndexEnv(template: PodTemplateSpec): void {
  const add = (c: Container) => {
    if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
    c.env = [...(c.env ?? []), {
      name: JOB_COMPLETION_INDEX_ENV,
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } },
    }];
  };
  for (const c of template.spec?.initContainers ?? []) add(c);
  for (const c of template.spec?.containers ?? []) add(c);
}

/** Stamps the index on a pod template: annotation, label, and hostname "<job>-<index>". */
export function addCompletionIndex(template: PodTemplateSpec, jobName: string, index: number): void {
  template.metadata ??= {};
  template.metadata.annotations = { ...template.metadata.annotations, [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
  template.metadata.labels = { ...template.metadata.labels, [JOB_COMPLETION_INDEX_LABEL]: String(index) };
  if (template.spec) template.spec.hostname = `${jobName}-${index}`;
}

/** Active pods sorted by completion index (for stable completed-index order). */
export function byCompletionIndex(a: Pod, b: Pod): number {
  return completionIndexOf(a) - completionIndexOf(b);
}

