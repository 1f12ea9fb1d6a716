// Job conditions as upstream's job controller and pkg/controller/job/util write and read them.
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import { metaTime } from '../../client/event-correlator.js';
import { JOB_COMPLETE, JOB_FAILED } from './constants.js';

export function newJobCondition(type: string, status: 'True' | 'False', reason: string, message: string, now: number): JobCondition {
  const t = metaTime(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

export function findJobCondition(job: Job, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type);
}

/** The finished condition type (Complete or Failed) when the job has one that is True. */
export function jobFinishedType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === JOB_COMPLETE || c.type === JOB_FAILED) && c.status === 'True') return c.type;
  }
  return undefined;
}

export function isJobFinished(job: Job): boolean {
  return jobFinishedType(job) !== undefined;
}

/**
 * Sets the condition of `type`, as upstream ensureJobConditionStatus: an existing one is replaced
 * when status, reason or message differ; a missing one is added unless it would be False.
 * Returns whether anything changed.
 */
export function ensureJobCondition(job: Job, type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  job.status ??= {};
  const list = (job.status.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && c.reason === reason && c.message === message) return false;
    list[i] = newJobCondition(type, status, reason, message, now);
    return true;
  }
  if (status === 'False') return false;
  list.push(newJobCondition(type, status, reason, message, now));
  return true;
}
