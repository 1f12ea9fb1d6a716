// The ReplicaSet controller (and, with another ReplicatedKind, the ReplicationController
// controller), after upstream's pkg/controller/replicaset: keep `spec.replicas` active pods
// that match the selector, adopting orphans and releasing pods that stopped matching; create in
// slow-start batches and delete the pods that matter least first; report status.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import { pods as podsResource } from '../../client/resources.js';
import { claimObjects, controllerRefOf, controllerUidIndexFunc, newControllerRef, ORPHAN } from './controller-ref.js';
import { ControllerExpectations } from './expectations.js';
import { podsToDelete } from './pod-deletion-ranking.js';
import { isPodActive, isPodReady } from './pod-readiness.js';
import { calculateReplicaSetStatus, statusUnchanged } from './replica-set-status.js';
import type { ReplicatedKind, ReplicatedObject } from './replicated-kind.js';
import { slowStartBatch } from './slow-start.js';

/** As upstream's BurstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;
/** As upstream's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** Index of pods (and ReplicaSets) by the uid of their controller, or ORPHAN. */
export const CONTROLLER_UID_INDEX = 'workloads:controllerUID';

export class ReplicaSetController extends QueueController {
  readonly name: string;
  readonly expectations: ControllerExpectations;
  private readonly owners: SharedIndexInformer<ReplicatedObject>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, private readonly kind: ReplicatedKind, workers = 5) {
    super(ctx, workers);
    this.name = kind.controllerName;
    this.expectations = new ControllerExpectations(this.clock);
    this.recorder = ctx.recorder(kind.component);
    this.owners = ctx.informers.informerFor(kind.desc, { indexers: { [CONTROLLER_UID_INDEX]: controllerUidIndexFunc } });
    this.podInformer = ctx.informers.informerFor(podsResource, { indexers: { [CONTROLLER_UID_INDEX]: controllerUidIndexFunc } });
    this.owners.addEventHandler({
      onAdd: (rs) => this.enqueue(metaNamespaceKey(rs)),
      onUpdate: (_old, rs) => this.enqueue(metaNamespaceKey(rs)),
      onDelete: (rs) => {
        const key = rs instanceof DeletedFinalStateUnknown ? rs.key : metaNamespaceKey(rs);
        this.expectations.delete(key);
        this.enqueue(key);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, pod) => this.onPodUpdate(old, pod),
      onDelete: (pod) => this.onPodDelete(pod instanceof DeletedFinalStateUnknown ? pod.obj : pod),
    });
  }

  // --- event handlers: only enqueue, and count what the expectations await ---

  /** The cached owner a controller reference points at (same kind and uid), if any. */
  private resolveControllerRef(namespace: string, pod: Pod): ReplicatedObject | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== this.kind.kind) return undefined;
    const rs = this.owners.lister.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** Owners (with a non-empty selector) whose selector matches an orphan pod. */
  private ownersSelecting(pod: Pod): ReplicatedObject[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.owners.lister.listInNamespace(ns).filter((rs) => {
      const sel = this.kind.selector(rs);
      return !sel.empty && sel.matches(pod.metadata?.labels);
    });
  }

  private onPodAdd(pod: Pod): void {
    // A pod that shows up already being deleted counts as deleted (e.g. after a restart).
    if (pod.metadata?.deletionTimestamp) return this.onPodDelete(pod);
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', pod);
    if (controllerRefOf(pod)) {
      if (!rs) return;
      const key = metaNamespaceKey(rs);
      this.expectations.creationObserved(key);
      this.enqueue(key);
      return;
    }
    // An orphan: wake every owner that may adopt it.
    for (const o of this.ownersSelecting(pod)) this.enqueue(metaNamespaceKey(o));
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
    if (pod.metadata?.deletionTimestamp) {
      // As upstream: a graceful delete is observed when the deletionTimestamp appears.
      this.onPodDelete(pod);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(pod);
    const refChanged = oldRef?.uid !== curRef?.uid;
    const ns = pod.metadata?.namespace ?? '';
    if (refChanged && oldRef) {
      const prev = this.resolveControllerRef(ns, old);
      if (prev) this.enqueue(metaNamespaceKey(prev));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(ns, pod);
      if (!rs) return;
      this.enqueue(metaNamespaceKey(rs));
      // Availability comes minReadySeconds after readiness: look again then (upstream adds 1 s).
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(pod) && minReady > 0) this.enqueueAfter(metaNamespaceKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const o of this.ownersSelecting(pod)) this.enqueue(metaNamespaceKey(o));
  }

  private onPodDelete(pod: Pod): void {
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', pod);
    if (!rs) return;
    const key = metaNamespaceKey(rs);
    this.expectations.deletionObserved(key, metaNamespaceKey(pod));
    this.enqueue(key);
  }

  // --- sync ---

  protected async sync(key: string): Promise<void> {
    const cached = this.owners.lister.getByKey(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    // Events need the kind on the object; watched objects carry it, but be sure.
    const rs = { apiVersion: this.kind.apiVersion, kind: this.kind.kind, ...structuredClone(cached) } as ReplicatedObject;
    const { namespace } = splitMetaNamespaceKey(key);
    const needsSync = this.expectations.satisfied(key) && !rs.metadata?.deletionTimestamp;
    const selector = this.kind.selector(rs);
    const uid = rs.metadata!.uid!;
    const idx = this.podInformer.indexer;
    const candidates = [...idx.byIndex(CONTROLLER_UID_INDEX, uid), ...idx.byIndex(CONTROLLER_UID_INDEX, ORPHAN)]
      .filter((p) => p.metadata?.namespace === namespace && isPodActive(p));
    const podApi = this.ctx.client.resource(podsResource, namespace);
    const pods = await claimObjects(candidates, {
      owner: { apiVersion: this.kind.apiVersion, kind: this.kind.kind, metadata: rs.metadata },
      selector,
      api: podApi,
      recheckOwner: async () => {
        const fresh = await this.ctx.client.resource(this.kind.desc, namespace).get(rs.metadata!.name!);
        return { apiVersion: this.kind.apiVersion, kind: this.kind.kind, metadata: fresh.metadata };
      },
    });
    const desired = rs.spec?.replicas ?? 1;
    let manageError: unknown;
    if (needsSync) {
      try {
        await this.manageReplicas(key, rs, pods, desired);
      } catch (err) {
        manageError = err;
      }
    }
    const status = calculateReplicaSetStatus(rs, pods, manageError, pods.length < desired, this.clock.now());
    const updated = await this.updateStatus(rs, status);
    // Pods become available minReadySeconds after they became ready: check back then.
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const st = updated.status;
    if (manageError === undefined && minReady > 0 && (st?.readyReplicas ?? 0) === desired && (st?.availableReplicas ?? 0) !== desired) {
      this.enqueueAfter(key, minReady * 1000);
    }
    if (manageError !== undefined) throw manageError;
  }

  /** Creates or deletes pods so that `pods` (the active pods it controls) number `desired`. */
  private async manageReplicas(key: string, rs: ReplicatedObject, pods: Pod[], desired: number): Promise<void> {
    const diff = pods.length - desired;
    const namespace = rs.metadata!.namespace!;
    const podApi = this.ctx.client.resource(podsResource, namespace);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      this.logger.debug('too few replicas', { controller: this.name, object: key, need: desired, creating: count });
      const result = await slowStartBatch(count, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs, podApi));
      // Pods never created will never be observed: stop waiting for them.
      for (let i = result.successes; i < count; i++) this.expectations.creationObserved(key);
      if (result.error !== undefined) throw result.error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(rs), count, this.clock.now());
      const podKeys = victims.map((p) => metaNamespaceKey(p));
      this.expectations.expectDeletions(key, podKeys);
      this.logger.debug('too many replicas', { controller: this.name, object: key, need: desired, deleting: count });
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(rs, p, podApi)));
      const errors: unknown[] = [];
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') return;
        // This delete will not be observed (or already was): stop waiting for it.
        this.expectations.deletionObserved(key, podKeys[i]!);
        if (!isNotFound(r.reason)) errors.push(r.reason);
      });
      if (errors.length) throw errors[0];
    }
  }

  /**
   * Pods of every ReplicaSet that shares this one's controller (a Deployment's old and new
   * ReplicaSets), this one's included: as upstream's getIndirectlyRelatedPods, for ranking.
   */
  private relatedPods(rs: ReplicatedObject): Pod[] {
    const ownerRef = controllerRefOf(rs);
    const siblings = ownerRef ? this.owners.indexer.byIndex(CONTROLLER_UID_INDEX, ownerRef.uid) : [rs];
    const out: Pod[] = [];
    for (const s of siblings) out.push(...this.podInformer.indexer.byIndex(CONTROLLER_UID_INDEX, s.metadata?.uid ?? ''));
    return out;
  }

  /** As upstream's GetPodFromTemplate: the template's labels, annotations, finalizers and spec, owned by `rs`. */
  private async createPod(rs: ReplicatedObject, podApi: ReturnType<ControllerContext['client']['resource']>): Promise<void> {
    const template = rs.spec?.template ?? {};
    const tm = template.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata!.name}-`,
        namespace: rs.metadata!.namespace,
        ...(tm.labels ? { labels: { ...tm.labels } } : {}),
        ...(tm.annotations ? { annotations: { ...tm.annotations } } : {}),
        ...(tm.finalizers ? { finalizers: [...tm.finalizers] } : {}),
        ownerReferences: [newControllerRef({ apiVersion: this.kind.apiVersion, kind: this.kind.kind, metadata: rs.metadata })],
      },
      spec: structuredClone(template.spec) as Pod['spec'],
    };
    try {
      const created = (await podApi.create(pod as never)) as Pod;
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async deletePod(rs: ReplicatedObject, pod: Pod, podApi: ReturnType<ControllerContext['client']['resource']>): Promise<void> {
    const name = pod.metadata!.name!;
    try {
      await podApi.delete(name);
    } catch (err) {
      // As upstream's RealPodControl: an already-deleted pod is not worth an event.
      if (!isNotFound(err)) this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  /** Writes the status if it changed (one retry on a conflict, as upstream's statusUpdateRetries). */
  private async updateStatus(rs: ReplicatedObject, status: ReplicaSetStatus): Promise<ReplicatedObject> {
    if (statusUnchanged(rs, status)) return rs;
    const api = this.ctx.client.resource(this.kind.desc, rs.metadata!.namespace);
    let target = rs;
    for (let attempt = 0; ; attempt++) {
      const next = { ...target, status: { ...status, observedGeneration: target.metadata?.generation } } as ReplicatedObject;
      try {
        return await api.updateStatus(next);
      } catch (err) {
        if (attempt >= 1 || !isConflict(err)) throw err;
        target = await api.get(rs.metadata!.name!);
      }
    }
  }
}
