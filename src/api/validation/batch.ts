// batch/v1 validation (upstream pkg/apis/batch/validation).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { cronScheduleError } from './cron.js';
import { deepEqual, immutable, invalid, notSupported, required } from './field-errors.js';
import { validateWorkloadSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { maxLenError } from './names.js';
import { nonNegative } from './numbers.js';
import { validatePodTemplateSpec } from './pod.js';

type Obj = Record<string, any>;

const jobRestartPolicies = ['OnFailure', 'Never'];
const completionModes = ['NonIndexed', 'Indexed'];
const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];

/** Validates a JobSpec at `field`; `inCronJob` skips the selector, which the CronJob controller generates. */
export function validateJobSpec(spec: Obj | undefined, field: string, inCronJob: boolean): FieldError[] {
  if (!spec) return [required(field)];
  const errs: FieldError[] = [];
  for (const key of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(spec[key], `${field}.${key}`));
  }
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds === 0) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, 0, 'must be greater than 0'));
  }
  if (spec.completionMode !== undefined && !completionModes.includes(spec.completionMode)) {
    errs.push(notSupported(`${field}.completionMode`, spec.completionMode, completionModes));
  }
  if (spec.completionMode === 'Indexed' && spec.completions == null) {
    errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
  }
  if (inCronJob) {
    if (spec.selector) errs.push(invalid(`${field}.selector`, spec.selector, '`selector` will be auto-generated'));
  } else {
    errs.push(...validateWorkloadSelector(spec, 'job', field));
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${field}.template`, { allowActiveDeadline: true }));
  const policy = spec.template?.spec?.restartPolicy;
  if (spec.template && !jobRestartPolicies.includes(policy)) {
    errs.push(notSupported(`${field}.template.spec.restartPolicy`, policy ?? '', jobRestartPolicies));
  }
  return errs;
}

export function validateJob(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, { namespaced: true }), ...validateJobSpec(obj.spec, 'spec', false)];
}

export function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const spec: Obj = obj.spec ?? {};
  const oldSpec: Obj = old.spec ?? {};
  for (const key of ['selector', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex']) {
    if (!deepEqual(spec[key], oldSpec[key])) errs.push(immutable(`spec.${key}`, spec[key] ?? null));
  }
  // Upstream allows changing completions only together with parallelism for Indexed jobs.
  if (!deepEqual(spec.completions, oldSpec.completions)
    && !(spec.completionMode === 'Indexed' && spec.completions === spec.parallelism)) {
    errs.push(immutable('spec.completions', spec.completions ?? null));
  }
  // The template is immutable, except the scheduling directives of a suspended job.
  const strip = (t: Obj | undefined) => {
    const c: Obj = structuredClone(t ?? {});
    if (spec.suspend === true && c.spec) {
      for (const k of ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']) delete c.spec[k];
      if (c.metadata) {
        delete c.metadata.labels;
        delete c.metadata.annotations;
      }
    }
    return c;
  };
  if (!deepEqual(strip(spec.template), strip(oldSpec.template))) errs.push(immutable('spec.template', spec.template ?? null));
  return errs;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJob(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const name = obj.metadata?.name;
  // Upstream: CronJob names leave room for the 11-character job-name suffix.
  if (typeof name === 'string' && name.length > 52) errs.push(invalid('metadata.name', name, maxLenError(52)));
  const spec: Obj = obj.spec ?? {};
  if (!spec.schedule) errs.push(required('spec.schedule'));
  else {
    const err = cronScheduleError(String(spec.schedule));
    if (err) errs.push(invalid('spec.schedule', spec.schedule, err));
    if (String(spec.schedule).includes('TZ')) {
      errs.push(invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null && !validTimeZone(String(spec.timeZone))) {
    errs.push(invalid('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  if (spec.concurrencyPolicy !== undefined && !concurrencyPolicies.includes(spec.concurrencyPolicy)) {
    errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, concurrencyPolicies));
  }
  for (const key of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    errs.push(...nonNegative(spec[key], `spec.${key}`));
  }
  errs.push(...validateJobSpec(spec.jobTemplate?.spec, 'spec.jobTemplate.spec', true));
  return errs;
}

export function validateCronJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return validateObjectMetaUpdate(obj, old);
}
