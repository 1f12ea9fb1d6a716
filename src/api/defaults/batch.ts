// batch/v1 defaults after upstream SetDefaults_Job and SetDefaults_CronJob, plus the job
// selector that the upstream job strategy generates on create (it needs metadata.uid, which
// the API server sets before defaulting).
import type { KubeObject } from '../kinds.js';
import { defaultPodTemplateSpec } from './pod.js';
import { child, setDefault } from './set-default.js';

const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
const jobNameLabel = 'batch.kubernetes.io/job-name';

/** Upstream generateSelector: label the template with the job's uid and name (legacy keys too) and select on the uid. */
function generateJobSelector(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  const uid = obj.metadata?.uid as string | undefined;
  const name = obj.metadata?.name as string | undefined;
  if (spec.manualSelector === true || !uid || spec.selector) return;
  const labels = child(child(child(spec, 'template'), 'metadata'), 'labels');
  setDefault(labels, 'controller-uid', uid);
  setDefault(labels, controllerUidLabel, uid);
  if (name) {
    setDefault(labels, 'job-name', name);
    setDefault(labels, jobNameLabel, name);
  }
  spec.selector = { matchLabels: { [controllerUidLabel]: uid } };
}

export function defaultJob(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (spec.backoffLimitPerIndex == null) setDefault(spec, 'backoffLimit', 6);
  else setDefault(spec, 'backoffLimit', 2147483647);
  // Upstream: a job without labels takes its template's labels. Upstream shares the map, so
  // the selector labels generated below end up on the job as well.
  const templateLabels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  const meta = child(obj, 'metadata');
  const inheritLabels = !!templateLabels && Object.keys(templateLabels).length > 0
    && (!meta.labels || Object.keys(meta.labels).length === 0);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (!spec.podFailurePolicy) setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  else setDefault(spec, 'podReplacementPolicy', 'Failed');
  generateJobSelector(obj);
  if (inheritLabels) meta.labels = { ...spec.template.metadata.labels };
  defaultPodTemplateSpec(spec.template);
}

export function defaultCronJob(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  defaultPodTemplateSpec(spec.jobTemplate?.spec?.template);
}
