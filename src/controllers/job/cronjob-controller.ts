// The CronJob controller, after upstream's pkg/controller/cronjob (the v2 controller): each
// sync reconciles status.active with the CronJob's Jobs, trims finished Jobs to the history
// limits, starts the Job for the most recent missed schedule time (respecting suspend,
// startingDeadlineSeconds and concurrencyPolicy), and requeues the key for just after the
// next schedule time on the injected clock — nothing polls.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import { metaTime } from '../../client/event-correlator.js';
import type { DeletedFinalStateUnknown } from '../../client/indexer.js';
import { deletionHandlingKey, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import { cronJobs, jobs } from '../../client/resources.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import { CRONJOB_CONTROLLER_COMPONENT } from './constants.js';
import type { Schedule } from './cron-schedule.js';
import { isValidTimeZone, parseSchedule } from './cron-schedule.js';
import {
  formatRfc1123z, jobFromTemplate, jobNameFor, mostRecentScheduleTime, nextScheduleDelayMs,
} from './cronjob-times.js';
import { jobFinishedType } from './job-conditions.js';
import { controllerRefOf } from './pod-state.js';

/** As upstream: more missed start times than this earn a warning. */
const TOO_MANY_MISSED = 100;

export interface CronJobControllerOptions {
  /** Parallel syncs (upstream --concurrent-cron-job-syncs, 5). */
  workers?: number;
}

interface SyncResult {
  /** When to look again: just after the next schedule time (absolute, on the injected clock). */
  requeueAt?: number;
  updateStatus: boolean;
  error?: unknown;
}

export class CronJobController extends QueueController {
  readonly name = 'cronjob';
  private readonly cronJobInformer: SharedIndexInformer<CronJob>;
  private readonly jobInformer: SharedIndexInformer<Job>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    super(ctx, opts.workers ?? 5);
    this.recorder = ctx.recorder(CRONJOB_CONTROLLER_COMPONENT);
    this.cronJobInformer = ctx.informers.informerFor(cronJobs);
    this.jobInformer = ctx.informers.informerFor(jobs);
    this.jobInformer.addEventHandler({
      onAdd: (job) => this.addJob(job),
      onUpdate: (old, cur) => this.updateJob(old, cur),
      onDelete: (obj) => this.deleteJob('obj' in obj ? obj.obj : obj),
    });
    this.cronJobInformer.addEventHandler({
      onAdd: (cj) => this.enqueue(metaNamespaceKey(cj)),
      onUpdate: (old, cur) => this.updateCronJob(old, cur),
      onDelete: (obj: CronJob | DeletedFinalStateUnknown<CronJob>) => this.enqueue(deletionHandlingKey(obj)),
    });
  }

  // ---- event handlers ----

  private resolveControllerRef(job: Job): CronJob | undefined {
    const ref = controllerRefOf(job);
    if (!ref || ref.kind !== 'CronJob') return undefined;
    const cj = this.cronJobInformer.lister.get(job.metadata?.namespace ?? '', ref.name);
    return cj && cj.metadata?.uid === ref.uid ? cj : undefined;
  }

  private addJob(job: Job): void {
    if (job.metadata?.deletionTimestamp) {
      this.deleteJob(job);
      return;
    }
    const cj = this.resolveControllerRef(job);
    if (cj) this.enqueue(metaNamespaceKey(cj));
  }

  private updateJob(old: Job, cur: Job): void {
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) {
      const oldCj = this.resolveControllerRef(old);
      if (oldCj) this.enqueue(metaNamespaceKey(oldCj));
    }
    const cj = this.resolveControllerRef(cur);
    if (cj) this.enqueue(metaNamespaceKey(cj));
  }

  private deleteJob(job: Job): void {
    const cj = this.resolveControllerRef(job);
    if (cj) this.enqueue(metaNamespaceKey(cj));
  }

  private updateCronJob(old: CronJob, cur: CronJob): void {
    const key = metaNamespaceKey(cur);
    if (old.spec?.schedule !== cur.spec?.schedule || old.spec?.timeZone !== cur.spec?.timeZone) {
      // A new schedule: look again at its next time (the queue keeps the earlier of two delays).
      let sched: Schedule;
      try {
        sched = parseSchedule(cur.spec?.schedule ?? '', cur.spec?.timeZone ?? undefined);
      } catch {
        this.enqueue(key);
        return;
      }
      const delay = nextScheduleDelayMs(cur, this.clock.now(), sched);
      if (delay === undefined) this.enqueue(key);
      else this.enqueueAfter(key, delay);
      return;
    }
    this.enqueue(key);
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const shared = this.cronJobInformer.lister.get(namespace, name);
    if (!shared) return;
    // The CronJob's Jobs by controller name, as upstream: a Job whose labels no longer match still counts.
    const children = this.jobInformer.lister.listInNamespace(namespace).filter((j) => {
      const ref = controllerRefOf(j);
      return ref?.kind === 'CronJob' && ref.name === name;
    });
    const cj: CronJob = { ...structuredClone(shared), apiVersion: 'batch/v1', kind: 'CronJob' };
    cj.status ??= {};
    const cleaned = await this.cleanupFinishedJobs(cj, children);
    const result = await this.syncCronJob(cj, children);
    if (cleaned || result.updateStatus) {
      if (!cj.status.active?.length) delete cj.status.active;
      await this.ctx.client.resource(cronJobs, namespace).updateStatus(cj);
    }
    if (result.requeueAt !== undefined) {
      // Measured from now, not from the start of the sync: the API calls above took time.
      this.enqueueAfter(key, result.requeueAt - this.clock.now());
      return;
    }
    if (result.error) throw result.error;
  }

  private async syncCronJob(cj: CronJob, children: Job[]): Promise<SyncResult> {
    const now = this.clock.now();
    let updateStatus = false;
    const childUids = new Set<string>();
    for (const j of children) {
      const uid = j.metadata?.uid ?? '';
      childUids.add(uid);
      const inActive = isInActiveList(cj, uid);
      const finished = jobFinishedType(j);
      if (!inActive && !finished) {
        // Perhaps our own status update is not in the cache yet: check the live object.
        const fresh = await this.ctx.client.resource(cronJobs, cj.metadata!.namespace!).get(cj.metadata!.name!).catch(() => undefined);
        if (fresh && isInActiveList(fresh, uid)) {
          cj.status = { ...fresh.status };
          continue;
        }
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`);
      } else if (inActive && finished) {
        removeFromActiveList(cj, uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, condition: ${finished}`);
        updateStatus = true;
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        // Any successful Job counts, in the active list or not.
        const last = cj.status?.lastSuccessfulTime;
        if (!last || Date.parse(j.status.completionTime) > Date.parse(last)) {
          cj.status!.lastSuccessfulTime = j.status.completionTime;
          updateStatus = true;
        }
      }
    }
    // An active Job that no longer exists must not keep the CronJob busy forever.
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (childUids.has(ref.uid ?? '')) continue;
      try {
        // The cache may simply be behind: ask the API server.
        await this.ctx.client.resource(jobs, ref.namespace ?? cj.metadata!.namespace!).get(ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) return { updateStatus, error: err };
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        removeFromActiveList(cj, ref.uid ?? '');
        updateStatus = true;
      }
    }

    if (cj.metadata?.deletionTimestamp) return { updateStatus };

    const timeZone = cj.spec?.timeZone ?? undefined;
    if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`);
      return { updateStatus };
    }
    if (cj.spec?.suspend === true) return { updateStatus };

    const schedule = cj.spec?.schedule ?? '';
    if (schedule.includes('TZ')) {
      this.recorder.event(cj, 'Warning', 'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    }
    let sched: Schedule;
    try {
      // A TZ= prefix in the schedule wins over spec.timeZone, as upstream's formatSchedule.
      sched = parseSchedule(schedule, schedule.includes('TZ') ? undefined : timeZone);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${schedule}" : ${(err as Error).message}`);
      return { updateStatus };
    }

    const times = mostRecentScheduleTime(cj, now, sched, true);
    if (times.error) {
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${schedule} : ${times.error}`);
      return { updateStatus };
    }
    const delay = nextScheduleDelayMs(cj, now, sched);
    const requeueAt = delay === undefined ? undefined : now + delay;
    const scheduled = times.mostRecent;
    if (scheduled === undefined || scheduled > now) return { updateStatus, requeueAt };
    if (times.missed > TOO_MANY_MISSED) {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes',
        `too many missed start times: ${times.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }

    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123z(scheduled)}`);
      return { updateStatus, requeueAt };
    }
    const jobName = jobNameFor(cj, scheduled);
    const lastSchedule = cj.status?.lastScheduleTime ? Date.parse(cj.status.lastScheduleTime) : undefined;
    if ((cj.status?.active ?? []).some((r) => r.name === jobName) || lastSchedule === Math.floor(scheduled / 1000) * 1000) {
      // Already started for this time.
      return { updateStatus, requeueAt };
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status?.active?.length ?? 0) > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { updateStatus, requeueAt };
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.ctx.client.resource(jobs, ref.namespace ?? cj.metadata!.namespace!).get(ref.name ?? '');
        } catch (err) {
          this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
          return { updateStatus, error: err };
        }
        if (!(await this.deleteChildJob(cj, job))) {
          return { updateStatus, error: new Error(`could not replace job ${job.metadata?.namespace}/${job.metadata?.name}`) };
        }
        updateStatus = true;
      }
    }

    const wanted = jobFromTemplate(cj, scheduled);
    let created: Job;
    try {
      created = await this.ctx.client.resource(jobs, cj.metadata!.namespace!).create(wanted);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        return { updateStatus, error: err };
      }
      // Someone (perhaps this controller before a restart) created it already.
      try {
        created = await this.ctx.client.resource(jobs, cj.metadata!.namespace!).get(wanted.metadata!.name!);
      } catch (getErr) {
        return { updateStatus, error: getErr };
      }
      if (controllerRefOf(created)?.uid !== cj.metadata?.uid) return { updateStatus };
      if (isInActiveList(cj, created.metadata?.uid ?? '')) return { updateStatus };
    }
    cj.status!.active = [...(cj.status?.active ?? []), jobReference(created)];
    cj.status!.lastScheduleTime = metaTime(scheduled);
    return { updateStatus: true, requeueAt };
  }

  /** Deletes finished Jobs beyond the history limits, oldest first. */
  private async cleanupFinishedJobs(cj: CronJob, children: Job[]): Promise<boolean> {
    const successLimit = cj.spec?.successfulJobsHistoryLimit;
    const failedLimit = cj.spec?.failedJobsHistoryLimit;
    if ((successLimit === undefined || successLimit === null) && (failedLimit === undefined || failedLimit === null)) return false;
    const succeeded = children.filter((j) => jobFinishedType(j) === 'Complete');
    const failed = children.filter((j) => jobFinishedType(j) === 'Failed');
    let changed = false;
    if (successLimit !== undefined && successLimit !== null && (await this.removeOldestJobs(cj, succeeded, successLimit))) changed = true;
    if (failedLimit !== undefined && failedLimit !== null && (await this.removeOldestJobs(cj, failed, failedLimit))) changed = true;
    return changed;
  }

  private async removeOldestJobs(cj: CronJob, list: Job[], max: number): Promise<boolean> {
    const excess = list.length - max;
    if (excess <= 0) return false;
    let changed = false;
    for (const job of [...list].sort(byJobStartTime).slice(0, excess)) {
      if (await this.deleteChildJob(cj, job)) changed = true;
    }
    return changed;
  }

  /** Deletes a Job (its pods in the background) and drops it from the active list. */
  private async deleteChildJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.ctx.client.resource(jobs, job.metadata!.namespace!).delete(job.metadata!.name!, { propagationPolicy: 'Background' });
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      return false;
    }
    removeFromActiveList(cj, job.metadata?.uid ?? '');
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
    return true;
  }
}

function isInActiveList(cj: CronJob, uid: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

function removeFromActiveList(cj: CronJob, uid: string): void {
  if (!cj.status?.active) return;
  cj.status.active = cj.status.active.filter((r) => r.uid !== uid);
}

function jobReference(job: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/** Oldest first by status.startTime (Jobs that never started last), then by name, as upstream byJobStartTime. */
function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
