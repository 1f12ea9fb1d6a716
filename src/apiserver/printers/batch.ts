// batch/v1: jobs (STATUS COMPLETIONS DURATION AGE, the STATUS column as of 1.30) and cron jobs
// (SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE), as upstream printJob / printCronJob.
import { ageCol, bool, containersCol, definePrinter, imagesCol, int, nameCol, str } from './columns.js';
import { containerCells, formatLabelSelector, int64, printBoolPtr } from './format.js';
import { age, humanDuration, since, timestampMs } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

function hasCondition(job: KubeObject, type: string): boolean {
  // hasJobCondition: the first condition of that type decides.
  const c = (job.status?.conditions ?? []).find((x: { type?: string }) => x.type === type);
  return c?.status === 'True';
}

export function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export function jobCompletions(job: KubeObject): string {
  const succeeded = int64(job.status?.succeeded);
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = int64(job.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDuration(job: KubeObject, now: number): string {
  const start = timestampMs(job.status?.startTime);
  if (start === undefined) return '';
  const end = timestampMs(job.status?.completionTime);
  return end === undefined ? since(job.status.startTime, now) : humanDuration(end - start);
}

export const jobPrinter = definePrinter(
  [
    nameCol,
    str('Status', 'Status of the job.'),
    str('Completions', ['batch.v1.JobStatus', 'succeeded']),
    str('Duration', 'Time required to complete the job.'),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['batch.v1.JobSpec', 'selector'], 1),
  ],
  (o, now) => [
    o.metadata?.name,
    jobStatus(o),
    jobCompletions(o),
    jobDuration(o, now),
    age(o, now),
    ...containerCells(o.spec?.template?.spec?.containers),
    formatLabelSelector(o.spec?.selector),
  ],
);

export const cronJobPrinter = definePrinter(
  [
    nameCol,
    str('Schedule', ['batch.v1.CronJobSpec', 'schedule']),
    str('Timezone', ['batch.v1.CronJobSpec', 'timeZone']),
    bool('Suspend', ['batch.v1.CronJobSpec', 'suspend']),
    int('Active', ['batch.v1.CronJobStatus', 'active']),
    str('Last Schedule', ['batch.v1.CronJobStatus', 'lastScheduleTime']),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['batch.v1.JobSpec', 'selector'], 1),
  ],
  (o, now) => {
    const jobSpec = o.spec?.jobTemplate?.spec ?? {};
    const last = o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>';
    return [
      o.metadata?.name,
      o.spec?.schedule ?? '',
      o.spec?.timeZone ?? '<none>',
      printBoolPtr(o.spec?.suspend),
      (o.status?.active ?? []).length,
      last,
      age(o, now),
      ...containerCells(jobSpec.template?.spec?.containers),
      formatLabelSelector(jobSpec.selector),
    ];
  },
);

export const batchPrinters: PrinterRegistration[] = [
  { group: 'batch', resource: 'jobs', printer: jobPrinter },
  { group: 'batch', resource: 'cronjobs', printer: cronJobPrinter },
];
