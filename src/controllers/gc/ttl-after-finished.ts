// The TTL-after-finished controller (upstream's pkg/controller/ttlafterfinished): a finished
// Job with spec.ttlSecondsAfterFinished is deleted, with its pods (background propagation),
// that many seconds after the Complete or Failed condition's lastTransitionTime.
import type { Job } from 'kubernetes-types/batch/v1.js';
import { isNotFound } from '../../client/errors.js';
import { metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { jobs } from '../../client/resources.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';

export interface TTLAfterFinishedOptions {
  /** Upstream's --concurrent-ttl-after-finished-syncs (5). */
  workers?: number;
}

export class TTLAfterFinishedController extends QueueController {
  readonly name = 'ttl-after-finished';
  private readonly lister: Lister<Job>;

  constructor(ctx: ControllerContext, opts: TTLAfterFinishedOptions = {}) {
    super(ctx, opts.workers ?? 5);
    const informer = ctx.informers.informerFor(jobs);
    this.lister = informer.lister;
    informer.addEventHandler({
      onAdd: (job) => this.enqueueIfNeeded(job),
      onUpdate: (_old, job) => this.enqueueIfNeeded(job),
    });
  }

  private enqueueIfNeeded(job: Job): void {
    if (!job.metadata?.deletionTimestamp && needsCleanup(job)) this.enqueue(metaNamespaceKey(job));
  }

  protected override async sync(key: string): Promise<void> {
    const cached = this.lister.getByKey(key);
    if (!cached || !this.expired(key, cached)) return;
    // The cache may be stale (the TTL changed, the Job was recreated): check the live Job
    // before deleting, and delete only that version of it, as upstream does.
    const { namespace, name } = splitMetaNamespaceKey(key);
    const api = this.ctx.client.resource(jobs, namespace);
    let fresh: Job;
    try {
      fresh = await api.get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!this.expired(key, fresh)) return;
    this.logger.info('cleaning up Job', { controller: this.name, job: key });
    try {
      await api.delete(name, { propagationPolicy: 'Background', preconditions: { resourceVersion: fresh.metadata?.resourceVersion } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** True when the Job's TTL has run out; otherwise looks again when it will (upstream's processTTL). */
  private expired(key: string, job: Job): boolean {
    if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return false;
    const finishedAt = jobFinishTime(job);
    if (finishedAt === undefined) throw new Error(`unable to find the time when the Job ${key} finished`);
    const now = this.clock.now();
    if (finishedAt > now) {
      this.logger.warn('found Job finished in the future; this is likely due to time skew in the cluster; Job cleanup will be deferred', { controller: this.name, job: key });
    }
    const left = finishedAt + job.spec!.ttlSecondsAfterFinished! * 1000 - now;
    if (left <= 0) return true;
    this.enqueueAfter(key, left);
    return false;
  }
}

/** The Job has a TTL and has finished (upstream's needsCleanup). */
export function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished != null && isJobFinished(job);
}

function finishedCondition(job: Job) {
  return (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

/** Milliseconds since the epoch of the finishing condition's lastTransitionTime. */
export function jobFinishTime(job: Job): number | undefined {
  const t = finishedCondition(job)?.lastTransitionTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
