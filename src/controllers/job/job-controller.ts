// The Job controller, after upstream's pkg/controller/job (1.30): runs a job's pods to
// completion. Pods carry the batch.kubernetes.io/job-tracking finalizer; a finished pod is
// first recorded in status.uncountedTerminatedPods, then its finalizer is removed, then it
// moves into status.succeeded / status.failed, so no pod is counted twice or lost. Failed
// pods are replaced after an exponential back-off until backoffLimit, activeDeadlineSeconds
// or a FailJob pod failure policy rule fails the job.
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isNotFound } from '../../client/errors.js';
import type { DeletedFinalStateUnknown } from '../../client/indexer.js';
import { deletionHandlingKey, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import { jobs, pods } from '../../client/resources.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import {
  JOB_CONTROLLER_COMPONENT, JOB_FAILED, JOB_FAILURE_TARGET, JOB_SUSPENDED, JOB_TRACKING_FINALIZER,
  MESSAGE_BACKOFF_LIMIT_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED, REASON_BACKOFF_LIMIT_EXCEEDED,
  REASON_DEADLINE_EXCEEDED, REASON_POD_FAILURE_POLICY,
} from './constants.js';
import { ControllerExpectations, UidTrackingExpectations } from './expectations.js';
import {
  OrderedIntervals, UNKNOWN_COMPLETION_INDEX, addCompletionIndex, addCompletionIndexEnv, byCompletionIndex,
  calculateSucceededIndexes, completionIndexOf, duplicatedIndexPodsForRemoval, firstPendingIndexes,
  isIndexedJob, podGenerateNameWithIndex,
} from './indexed-job.js';
import { ensureJobCondition, findJobCondition, isJobFinished, newJobCondition } from './job-conditions.js';
import { PodFailureBackoffStore, remainingBackoffMs } from './pod-failure-backoff.js';
import type { BackoffRecord } from './pod-failure-backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { PodControl, asJobRef, jobControllerRef } from './pod-control.js';
import {
  compareForRemoval, controllerRefOf, hasTrackingFinalizer, isPodActive, isPodFailed, isPodReady, isPodTerminating,
  onlyReplaceFailedPods,
} from './pod-state.js';

export interface JobControllerOptions {
  /** First delay before replacing failed pods (upstream DefaultJobPodFailureBackOff, 10 s). */
  podFailureBackoffMs?: number;
  /** Cap of that delay (upstream MaxJobPodFailureBackOff, 10 min). */
  maxPodFailureBackoffMs?: number;
  /** How long pod events are batched before a sync (upstream syncJobBatchPeriod, 1 s). */
  syncBatchPeriodMs?: number;
  /** Parallel syncs (upstream --concurrent-job-syncs, 5). */
  workers?: number;
}

/** As upstream's MaxUncountedPods: keeps status.uncountedTerminatedPods small. */
const MAX_UNCOUNTED_PODS = 500;
/** As upstream's MaxPodCreateDeletePerSync. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** As upstream's SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** Keys of orphan pods whose tracking finalizer must go share the queue under this prefix. */
const ORPHAN_POD_PREFIX = 'orphan-pod:';

interface SyncContext {
  job: Job;
  key: string;
  pods: Pod[];
  activePods: Pod[];
  finishedCondition?: JobCondition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: Set<string>;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  terminating: number;
  ready: number;
}

export class JobController extends QueueController {
  readonly name = 'job';
  private readonly jobInformer: SharedIndexInformer<Job>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly expectations: ControllerExpectations;
  private readonly finalizerExpectations = new UidTrackingExpectations();
  private readonly backoffStore = new PodFailureBackoffStore();
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly batchPeriodMs: number;

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    super(ctx, opts.workers ?? 5);
    this.backoffBaseMs = opts.podFailureBackoffMs ?? 10_000;
    this.backoffMaxMs = opts.maxPodFailureBackoffMs ?? 10 * 60_000;
    this.batchPeriodMs = opts.syncBatchPeriodMs ?? 1000;
    this.recorder = ctx.recorder(JOB_CONTROLLER_COMPONENT);
    this.podControl = new PodControl(ctx.client, this.recorder);
    this.expectations = new ControllerExpectations(this.clock);
    this.jobInformer = ctx.informers.informerFor(jobs);
    this.podInformer = ctx.informers.informerFor(pods);
    this.jobInformer.addEventHandler({
      onAdd: (job) => this.enqueue(metaNamespaceKey(job)),
      onUpdate: (old, cur) => this.updateJob(old, cur),
      onDelete: (obj) => this.deleteJob(obj),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (obj) => this.deletePod('obj' in obj ? obj.obj : obj, true),
    });
  }

  // ---- event handlers: they only note expectations and enqueue keys ----

  private enqueueBatched(job: Job, delayMs = this.batchPeriodMs): void {
    this.enqueueAfter(metaNamespaceKey(job), Math.max(delayMs, this.batchPeriodMs));
  }

  private updateJob(old: Job, cur: Job): void {
    const key = metaNamespaceKey(cur);
    // As upstream: a spec change syncs at once; status updates (mostly our own) are batched.
    if (cur.metadata?.generation === old.metadata?.generation) this.enqueueBatched(cur);
    else this.enqueue(key);
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const ads = cur.spec?.activeDeadlineSeconds;
    if (cur.status?.startTime && ads !== undefined && ads !== old.spec?.activeDeadlineSeconds) {
      this.enqueueAfter(key, ads * 1000 - (this.clock.now() - Date.parse(cur.status.startTime)));
    }
  }

  private deleteJob(obj: Job | DeletedFinalStateUnknown<Job>): void {
    this.enqueue(deletionHandlingKey(obj));
    this.cleanupPodFinalizers('obj' in obj ? obj.obj : obj);
  }

  private resolveControllerRef(namespace: string, pod: Pod): Job | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobInformer.lister.get(namespace, ref.name);
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  }

  /** Jobs whose selector matches an orphan pod (they may adopt it). */
  private jobsSelecting(pod: Pod): Job[] {
    return this.jobInformer.lister.listInNamespace(pod.metadata?.namespace ?? '').filter((j) => {
      try {
        return selectorFromLabelSelector(j.spec?.selector).matches(pod.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod already being deleted (seen after a restart) is no creation observation.
      this.deletePod(pod, false);
      return;
    }
    const ns = pod.metadata?.namespace ?? '';
    if (controllerRefOf(pod)) {
      const job = this.resolveControllerRef(ns, pod);
      if (!job) return;
      this.expectations.creationObserved(metaNamespaceKey(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.enqueue(ORPHAN_POD_PREFIX + metaNamespaceKey(pod));
    for (const job of this.jobsSelecting(pod)) this.enqueueBatched(job);
  }

  private updatePod(old: Pod, cur: Pod): void {
    // Resyncs re-send unchanged pods.
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      // As upstream: a graceful delete starts now; replace the pod without waiting for it to go.
      this.deletePod(cur, false);
      return;
    }
    const ns = cur.metadata?.namespace ?? '';
    const finalizerRemoved = !hasTrackingFinalizer(cur);
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const oldJob = this.resolveControllerRef(ns, old);
      if (oldJob) {
        if (finalizerRemoved) this.finalizerExpectations.finalizerRemovalObserved(metaNamespaceKey(oldJob), cur.metadata!.uid!);
        this.enqueueBatched(oldJob);
      }
    }
    if (curRef) {
      const job = this.resolveControllerRef(ns, cur);
      if (!job) return;
      if (finalizerRemoved) this.finalizerExpectations.finalizerRemovalObserved(metaNamespaceKey(job), cur.metadata!.uid!);
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(cur)) this.enqueue(ORPHAN_POD_PREFIX + metaNamespaceKey(cur));
    const labelsChanged = JSON.stringify(cur.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const job of this.jobsSelecting(cur)) this.enqueueBatched(job);
  }

  /** `final`: the pod is gone from the API, not merely marked for deletion. */
  private deletePod(pod: Pod, final: boolean): void {
    const hasFinalizer = hasTrackingFinalizer(pod);
    if (!controllerRefOf(pod)) {
      // The garbage collector may have removed the reference of a pod that still holds our finalizer.
      if (hasFinalizer) this.enqueue(ORPHAN_POD_PREFIX + metaNamespaceKey(pod));
      return;
    }
    const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', pod);
    if (!job || isJobFinished(job)) {
      if (hasFinalizer) this.enqueue(ORPHAN_POD_PREFIX + metaNamespaceKey(pod));
      return;
    }
    const key = metaNamespaceKey(job);
    this.expectations.deletionObserved(key);
    if (final || !hasFinalizer) this.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata!.uid!);
    this.enqueueBatched(job);
  }

  /** As upstream: a finished or deleted job's pods must not keep its finalizer. */
  private cleanupPodFinalizers(job: Job): void {
    let selector;
    try {
      selector = selectorFromLabelSelector(job.spec?.selector);
    } catch {
      return;
    }
    for (const pod of this.podInformer.lister.listInNamespace(job.metadata?.namespace ?? '', selector)) {
      if (controllerRefOf(pod)?.uid === job.metadata?.uid && hasTrackingFinalizer(pod)) {
        this.enqueue(ORPHAN_POD_PREFIX + metaNamespaceKey(pod));
      }
    }
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.syncOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    return this.syncJob(key);
  }

  /** Removes the tracking finalizer from a pod no unfinished job owns. */
  private async syncOrphanPod(key: string): Promise<void> {
    const pod = this.podInformer.lister.getByKey(key);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      // A pod owned by something other than a batch/v1 Job keeps its finalizers.
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', pod);
      if (job && !isJobFinished(job)) return;
    }
    await this.removeTrackingFinalizer(pod);
  }

  private async removeTrackingFinalizer(pod: Pod): Promise<void> {
    try {
      await this.podControl.patch(pod.metadata!.namespace!, pod.metadata!.name!, {
        metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const shared = this.jobInformer.lister.get(namespace, name);
    if (!shared) {
      this.expectations.delete(key);
      this.finalizerExpectations.delete(key);
      this.backoffStore.remove(key);
      return;
    }
    const job: Job = asJobRef(structuredClone(shared));
    if (isJobFinished(job)) {
      this.backoffStore.remove(key);
      return;
    }
    const mode = job.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    job.status ??= {};
    job.status.uncountedTerminatedPods ??= {};
    const now = this.clock.now();

    // Checked before listing pods: a pod created after the check waits for the next sync.
    const satisfied = this.expectations.satisfied(key);
    const jobPods = await this.podsForJob(job);
    const activePods = jobPods.filter(isPodActive);
    const uncounted = job.status.uncountedTerminatedPods;
    const c: SyncContext = {
      job,
      key,
      pods: jobPods,
      activePods,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: new OrderedIntervals(),
      succeededIndexes: new OrderedIntervals(),
      newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
      expectedRmFinalizers: this.finalizerExpectations.expectedUids(key),
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      terminating: jobPods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const newSucceeded = this.newFinishedPods(c, c.uncountedSucceeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = this.newFinishedPods(c, c.uncountedFailed, (p) => isPodFailed(p, job));
    const countedNewFailed = job.spec?.podFailurePolicy
      ? newFailed.filter((p) => matchPodFailurePolicy(job.spec!.podFailurePolicy!, p).countFailed).length
      : newFailed.length;
    c.succeeded = (job.status.succeeded ?? 0) + newSucceeded.length + c.uncountedSucceeded.size;
    c.failed = (job.status.failed ?? 0) + countedNewFailed + c.uncountedFailed.size;

    const suspended = job.spec?.suspend === true;
    if (!job.status.startTime && !suspended) job.status.startTime = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    c.newBackoffRecord = this.backoffStore.next(key, newSucceeded, newFailed, now);

    // A FailJob rule first records the interim FailureTarget condition; Failed follows once
    // every pod's finalizer is gone (1.30 uses FailureTarget only for the pod failure policy).
    if (job.spec?.podFailurePolicy) {
      const target = findJobCondition(job, JOB_FAILURE_TARGET);
      if (target?.status === 'True') {
        c.finishedCondition = newJobCondition(JOB_FAILED, 'True', target.reason ?? '', target.message ?? '', now);
      } else {
        const message = this.failJobMessage(job, jobPods);
        if (message) c.finishedCondition = newJobCondition(JOB_FAILURE_TARGET, 'True', REASON_POD_FAILURE_POLICY, message, now);
      }
    }
    if (!c.finishedCondition) {
      const backoffLimit = job.spec?.backoffLimit ?? 6;
      if (c.failed > backoffLimit || pastBackoffLimitOnFailure(job, jobPods)) {
        c.finishedCondition = newJobCondition(JOB_FAILED, 'True', REASON_BACKOFF_LIMIT_EXCEEDED, MESSAGE_BACKOFF_LIMIT_EXCEEDED, now);
      } else if (this.pastActiveDeadline(job)) {
        c.finishedCondition = newJobCondition(JOB_FAILED, 'True', REASON_DEADLINE_EXCEEDED, MESSAGE_DEADLINE_EXCEEDED, now);
      } else if (job.spec?.activeDeadlineSeconds !== undefined && !suspended && job.status.startTime) {
        this.enqueueAfter(key, job.spec.activeDeadlineSeconds * 1000 - (now - Date.parse(job.status.startTime)));
      }
    }

    if (isIndexedJob(job)) {
      const { prev, now: succeededNow } = calculateSucceededIndexes(job, jobPods);
      c.prevSucceededIndexes = prev;
      c.succeededIndexes = succeededNow;
      c.succeeded = succeededNow.total();
    }

    let suspendChanged = false;
    let manageErr: unknown;
    if (c.finishedCondition) {
      // The job failed: delete what still runs; the pods keep their finalizers until counted.
      const { deleted, deletedReady, error } = await this.deleteActivePods(job, c.activePods);
      // Not finished yet while pods remain or the cache may be missing some.
      if (deleted !== active || !satisfied) c.finishedCondition = undefined;
      active -= deleted;
      c.terminating += deleted;
      c.ready -= deletedReady;
      manageErr = error;
    } else {
      let managed = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        try {
          active = await this.manageJob(c);
        } catch (err) {
          manageErr = err;
          active = (err as { active?: number }).active ?? active;
        }
        managed = true;
      }
      const completions = job.spec?.completions;
      // Without completions, any success completes the job once nothing runs any more.
      const complete = completions === undefined || completions === null
        ? c.succeeded > 0 && active === 0
        : c.succeeded >= completions && active === 0;
      if (complete) {
        c.finishedCondition = newJobCondition('Complete', 'True', '', '', now);
      } else if (managed) {
        if (suspended) {
          if (ensureJobCondition(job, JOB_SUSPENDED, 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureJobCondition(job, JOB_SUSPENDED, 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // As upstream: activeDeadlineSeconds counts from the resume, not from the first start.
          job.status.startTime = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        }
      }
    }

    const needsStatusUpdate = suspendChanged || active !== (job.status.active ?? 0) || c.ready !== job.status.ready
      || c.terminating !== job.status.terminating;
    job.status.active = active;
    job.status.ready = c.ready;
    job.status.terminating = c.terminating;
    await this.trackStatusAndRemoveFinalizers(c, needsStatusUpdate);
    if (manageErr) throw manageErr;
  }

  /** Finished pods not yet counted: they hold the finalizer and are in no uncounted list. */
  private newFinishedPods(c: SyncContext, uncounted: Set<string>, finished: (p: Pod) => boolean): Pod[] {
    const completions = c.job.spec?.completions ?? 0;
    return c.pods.filter((p) => {
      const uid = p.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || c.expectedRmFinalizers.has(uid)) return false;
      if (isIndexedJob(c.job)) {
        const ix = completionIndexOf(p);
        if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) return false;
      }
      return finished(p);
    });
  }

  private failJobMessage(job: Job, jobPods: Pod[]): string | undefined {
    for (const p of jobPods) {
      if (!isPodFailed(p, job)) continue;
      const m = matchPodFailurePolicy(job.spec!.podFailurePolicy!, p);
      if (m.failJobMessage) return m.failJobMessage;
    }
    return undefined;
  }

  private pastActiveDeadline(job: Job): boolean {
    const ads = job.spec?.activeDeadlineSeconds;
    if (ads === undefined || !job.status?.startTime || job.spec?.suspend === true) return false;
    return this.clock.now() - Date.parse(job.status.startTime) >= ads * 1000;
  }

  /**
   * The pods this job manages (upstream getPodsForJob + ClaimPods): its own pods that still
   * match the selector, plus orphans that match and are adopted (owner reference and finalizer
   * added). Own pods that stopped matching are released.
   */
  private async podsForJob(job: Job): Promise<Pod[]> {
    const selector = selectorFromLabelSelector(job.spec?.selector);
    const uid = job.metadata!.uid!;
    const deleting = !!job.metadata?.deletionTimestamp;
    const out: Pod[] = [];
    let canAdopt: boolean | undefined;
    for (const pod of this.podInformer.lister.listInNamespace(job.metadata!.namespace!)) {
      const ref = controllerRefOf(pod);
      const matches = selector.matches(pod.metadata?.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) out.push(pod);
        else if (!deleting) await this.releasePod(pod, uid);
        continue;
      }
      if (deleting || !matches || pod.metadata?.deletionTimestamp) continue;
      // As upstream: re-read the job before adopting, in case it was deleted meanwhile.
      canAdopt ??= await this.jobStillLive(job);
      if (!canAdopt) continue;
      const adopted = await this.adoptPod(job, pod);
      if (adopted) out.push(adopted);
    }
    return out;
  }

  private async jobStillLive(job: Job): Promise<boolean> {
    try {
      const fresh = await this.ctx.client.resource(jobs, job.metadata!.namespace!).get(job.metadata!.name!);
      return fresh.metadata?.uid === job.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async adoptPod(job: Job, pod: Pod): Promise<Pod | undefined> {
    try {
      await this.podControl.patch(pod.metadata!.namespace!, pod.metadata!.name!, {
        metadata: { uid: pod.metadata!.uid, ownerReferences: [jobControllerRef(job)], finalizers: [JOB_TRACKING_FINALIZER] },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const copy = structuredClone(pod);
    copy.metadata!.ownerReferences = [...(copy.metadata!.ownerReferences ?? []), jobControllerRef(job)];
    if (!hasTrackingFinalizer(copy)) copy.metadata!.finalizers = [...(copy.metadata!.finalizers ?? []), JOB_TRACKING_FINALIZER];
    return copy;
  }

  private async releasePod(pod: Pod, ownerUid: string): Promise<void> {
    try {
      await this.podControl.patch(pod.metadata!.namespace!, pod.metadata!.name!, {
        metadata: { uid: pod.metadata!.uid, ownerReferences: [{ $patch: 'delete', uid: ownerUid }] },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes pods of a failed job, keeping their finalizers (they are counted afterwards). */
  private async deleteActivePods(job: Job, active: Pod[]): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(active.map(async (pod) => {
      try {
        await this.podControl.delete(job, pod.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) {
          error ??= err;
          return;
        }
      }
      deleted++;
      if (isPodReady(pod)) deletedReady++;
    }));
    return { deleted, deletedReady, error };
  }

  /**
   * Deletes pods that must not run (suspended job, too many, duplicate indexes): the finalizer
   * first, so they are not counted as failures, then the pod.
   */
  private async deleteJobPods(c: SyncContext, toDelete: Pod[]): Promise<{ removed: number; removedReady: number; error?: unknown }> {
    let removed = 0;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(toDelete.map(async (pod) => {
      try {
        if (hasTrackingFinalizer(pod)) await this.removeTrackingFinalizer(pod);
        await this.podControl.delete(c.job, pod.metadata!.name!);
      } catch (err) {
        // The informer will not report this deletion.
        this.expectations.deletionObserved(c.key);
        if (!isNotFound(err)) {
          error ??= err;
          return;
        }
      }
      removed++;
      if (isPodReady(pod)) removedReady++;
    }));
    return { removed, removedReady, error };
  }

  /** Active pods to delete: bad or duplicate indexes first, then the least advanced ones. */
  private activePodsForRemoval(job: Job, active: Pod[], rmAtLeast: number): Pod[] {
    let rm: Pod[] = [];
    let left = active;
    if (isIndexedJob(job)) ({ rm, left } = duplicatedIndexPodsForRemoval(active, job.spec?.completions ?? 0));
    if (rm.length < rmAtLeast) rm = [...rm, ...[...left].sort(compareForRemoval).slice(0, rmAtLeast - rm.length)];
    return rm;
  }

  /** Creates or deletes pods towards the wanted number of active ones; returns that number. */
  private async manageJob(c: SyncContext): Promise<number> {
    const job = c.job;
    let active = c.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;

    if (job.spec?.suspend === true) {
      const toDelete = this.activePodsForRemoval(job, c.activePods, active);
      this.expectations.expectDeletions(c.key, toDelete.length);
      const r = await this.deleteJobPods(c, toDelete);
      active -= r.removed;
      c.terminating += r.removed;
      c.ready -= r.removedReady;
      if (r.error) throw Object.assign(asError(r.error), { active });
      return active;
    }

    let wantActive: number;
    const completions = job.spec?.completions;
    if (completions === undefined || completions === null) {
      // Work-queue style: once one pod succeeded, let the running ones finish and start no more.
      wantActive = c.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - c.succeeded, parallelism));
    }

    const rmAtLeast = Math.max(0, active - wantActive);
    const toDelete = this.activePodsForRemoval(job, c.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      // As upstream: one sync either deletes or creates, never both.
      this.expectations.expectDeletions(c.key, toDelete.length);
      const r = await this.deleteJobPods(c, toDelete);
      active -= r.removed;
      c.terminating += r.removed;
      c.ready -= r.removedReady;
      if (r.error) throw Object.assign(asError(r.error), { active });
      return active;
    }

    // With podReplacementPolicy Failed, terminating pods still take their place.
    const terminating = onlyReplaceFailedPods(job) ? c.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;

    const remaining = remainingBackoffMs(c.newBackoffRecord, this.clock.now(), this.backoffBaseMs, this.backoffMaxMs);
    if (remaining > 0) {
      this.enqueueBatched(job, remaining);
      // Upstream reports 0 active here; the pods still running are reported instead.
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexedJob(job)) {
      indexes = firstPendingIndexes(c.activePods, c.succeededIndexes, diff, completions ?? 0);
      diff = indexes.length;
    }
    if (diff === 0) return active;

    this.expectations.expectCreations(c.key, diff);
    active += diff;
    const template = structuredClone(job.spec!.template);
    if (isIndexedJob(job)) addCompletionIndexEnv(template);
    template.metadata ??= {};
    if (!(template.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) {
      template.metadata.finalizers = [...(template.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
    }

    // Slow start, as upstream: batches of 1, 2, 4… so a failing create (quota) stops early.
    let firstError: unknown;
    for (let batch = Math.min(diff, SLOW_START_INITIAL_BATCH_SIZE); diff > 0; batch = Math.min(2 * batch, diff)) {
      let batchFailed = false;
      const batchIndexes = indexes.splice(0, batch);
      await Promise.all(Array.from({ length: batch }, async (_, i) => {
        const ix = batchIndexes[i];
        let podTemplate = template;
        let generateName: string | undefined;
        if (ix !== undefined) {
          podTemplate = structuredClone(template);
          addCompletionIndex(podTemplate, job.metadata!.name!, ix);
          generateName = podGenerateNameWithIndex(job.metadata!.name!, ix);
        }
        try {
          await this.podControl.create(job, podTemplate, generateName);
        } catch (err) {
          // The informer will never see this pod.
          this.expectations.creationObserved(c.key);
          active--;
          batchFailed = true;
          firstError ??= err;
        }
      }));
      const skipped = diff - batch;
      if (batchFailed && skipped > 0) {
        active -= skipped;
        for (let i = 0; i < skipped; i++) this.expectations.creationObserved(c.key);
        break;
      }
      diff -= batch;
    }
    if (firstError) throw Object.assign(asError(firstError), { active });
    return active;
  }

  /**
   * Counts finished pods without losing any (upstream trackJobStatusAndRemoveFinalizers):
   * 1. records newly finished pods in status.uncountedTerminatedPods (indexes in completedIndexes),
   * 2. removes their finalizers, 3. moves them into succeeded/failed, 4. adds Complete or Failed
   * once nothing is left uncounted.
   */
  private async trackStatusAndRemoveFinalizers(c: SyncContext, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    const indexed = isIndexedJob(c.job);
    const completions = c.job.spec?.completions ?? 0;
    const uncounted = c.job.status!.uncountedTerminatedPods!;
    uncounted.succeeded ??= [];
    uncounted.failed ??= [];
    const podsToRemoveFinalizer: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    const podsInOrder = indexed ? [...c.pods].sort(byCompletionIndex) : c.pods;
    const uidsWithFinalizer = new Set<string>();
    for (const p of podsInOrder) {
      const uid = p.metadata?.uid ?? '';
      if (hasTrackingFinalizer(p) && !c.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
    }
    if (cleanUncountedPodsWithoutFinalizers(c.job, uidsWithFinalizer)) needsFlush = true;

    let reachedMaxUncounted = false;
    for (const pod of podsInOrder) {
      const uid = pod.metadata?.uid ?? '';
      // Processed by an earlier sync.
      if (!hasTrackingFinalizer(pod) || c.expectedRmFinalizers.has(uid)) continue;
      const consideredFailed = isPodFailed(pod, c.job);
      const canRemove = !!c.job.metadata?.deletionTimestamp || !!c.finishedCondition || pod.status?.phase === 'Succeeded' || consideredFailed;
      if (!canRemove) continue;
      podsToRemoveFinalizer.push(pod);
      if (pod.status?.phase === 'Succeeded' && !c.uncountedFailed.has(uid)) {
        if (indexed) {
          // The index alone says whether this success was counted.
          const ix = completionIndexOf(pod);
          if (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions && !c.prevSucceededIndexes.has(ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!c.uncountedSucceeded.has(uid)) {
          uncounted.succeeded.push(uid);
          needsFlush = true;
        }
      } else if (consideredFailed || c.finishedCondition) {
        // Once the job is finished, every pod not terminated is a failure.
        const ix = completionIndexOf(pod);
        if (!c.uncountedFailed.has(uid) && (!indexed || (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions))) {
          const counts = c.job.spec?.podFailurePolicy ? matchPodFailurePolicy(c.job.spec.podFailurePolicy, pod).countFailed : true;
          if (counts) {
            uncounted.failed.push(uid);
            needsFlush = true;
          }
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
        // The rest waits for the next sync, which the status and pod updates will trigger.
        reachedMaxUncounted = true;
        break;
      }
    }
    if (indexed) {
      c.succeededIndexes = c.succeededIndexes.withOrderedIndexes(newSucceededIndexes.sort((a, b) => a - b));
      const text = c.succeededIndexes.toString();
      if (text !== (c.job.status!.completedIndexes ?? '')) needsFlush = true;
      c.job.status!.succeeded = c.succeededIndexes.total();
      c.job.status!.completedIndexes = text;
    }
    if (c.finishedCondition?.type === JOB_FAILURE_TARGET) {
      // The interim condition is written before the finalizers (and with them the pods) go.
      c.job.status!.conditions = [...(c.job.status!.conditions ?? []), c.finishedCondition];
      needsFlush = true;
      c.finishedCondition = newJobCondition(JOB_FAILED, 'True', c.finishedCondition.reason ?? '', c.finishedCondition.message ?? '', this.clock.now());
    }

    // 1. Flush the uncounted pods.
    if (needsFlush) {
      c.job = await this.updateStatus(c.job);
      this.backoffStore.update(c.newBackoffRecord);
      needsFlush = false;
    }
    // 2. Remove finalizers.
    let rmError: unknown;
    if (podsToRemoveFinalizer.length > 0) {
      this.finalizerExpectations.expectFinalizersRemoved(c.key, podsToRemoveFinalizer.map((p) => p.metadata!.uid!));
      await Promise.all(podsToRemoveFinalizer.map(async (pod) => {
        try {
          await this.removeTrackingFinalizer(pod);
          uidsWithFinalizer.delete(pod.metadata!.uid!);
        } catch (err) {
          // No update will show the finalizer removed: stop expecting one.
          this.finalizerExpectations.finalizerRemovalObserved(c.key, pod.metadata!.uid!);
          rmError ??= err;
        }
      }));
    }
    // 3. Count the pods whose finalizer is gone.
    if (cleanUncountedPodsWithoutFinalizers(c.job, uidsWithFinalizer)) needsFlush = true;
    if (rmError) {
      if (needsFlush) c.job = await this.updateStatus(c.job);
      throw rmError;
    }
    // 4. Finish.
    const finished = !reachedMaxUncounted && this.enactJobFinished(c);
    if (finished) needsFlush = true;
    if (needsFlush) {
      c.job = await this.updateStatus(c.job);
      if (finished) this.recordJobFinished(c.job, c.finishedCondition!);
    }
  }

  /** Adds the finished condition once no pod is left uncounted. */
  private enactJobFinished(c: SyncContext): boolean {
    const cond = c.finishedCondition;
    if (!cond) return false;
    const u = c.job.status?.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    ensureJobCondition(c.job, cond.type, 'True', cond.reason ?? '', cond.message ?? '', this.clock.now());
    if (cond.type === 'Complete') c.job.status!.completionTime = findJobCondition(c.job, 'Complete')!.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: Job, cond: JobCondition): void {
    const ref = asJobRef(job);
    if (cond.type === 'Complete') {
      const completions = job.spec?.completions;
      if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
        this.recorder.event(ref, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      this.recorder.event(ref, 'Normal', 'Completed', 'Job completed');
    } else {
      this.recorder.event(ref, 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }

  private async updateStatus(job: Job): Promise<Job> {
    const updated = asJobRef(await this.ctx.client.resource(jobs, job.metadata!.namespace!).updateStatus(job));
    updated.status ??= {};
    updated.status.uncountedTerminatedPods ??= {};
    updated.status.uncountedTerminatedPods.succeeded ??= [];
    updated.status.uncountedTerminatedPods.failed ??= [];
    return updated;
  }
}

/**
 * Moves the uncounted pods whose finalizer is gone into status.succeeded / status.failed
 * (upstream cleanUncountedPodsWithoutFinalizers). Returns whether the status changed.
 */
function cleanUncountedPodsWithoutFinalizers(job: Job, uidsWithFinalizer: Set<string>): boolean {
  const status = job.status!;
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (keepS.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    u.succeeded = keepS;
    changed = true;
  }
  const keepF = (u.failed ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (keepF.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    u.failed = keepF;
    changed = true;
  }
  return changed;
}

/** For restartPolicy OnFailure: container restarts of running pods count against backoffLimit. */
function pastBackoffLimitOnFailure(job: Job, jobPods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of jobPods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
