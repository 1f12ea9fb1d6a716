// The StatefulSet controller, after upstream pkg/controller/statefulset: pods with stable
// ordinal names, hostnames and claims, created and removed in order (or in parallel), rolled
// to a new template from the highest ordinal down to the partition, ControllerRevisions for
// every template, and the status `kubectl rollout status sts` reads.
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { controllerRevisions, persistentVolumeClaims, pods, statefulSets } from '../../client/resources.js';
import type { Controller, ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import { claimObjects, controllerRefOf, identityOf, recheckController } from '../history/controller-ref.js';
import { sortRevisions } from '../history/controller-revision.js';
import { isPodReady } from '../history/pod-readiness.js';
import { statefulSetRevisions, truncateHistory } from './revisions.js';
import type { StatefulPodControl } from './stateful-set-control.js';
import { completeRollingUpdate, updateStatefulSet } from './stateful-set-control.js';
import { identityMatches, isMemberOf, ordinalOf, podClaims, storageMatches, updateIdentity, updateStorage } from './stateful-pod.js';

type Tomb<T> = T | DeletedFinalStateUnknown<T>;
const unwrap = <T>(o: Tomb<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class StatefulSetController extends QueueController {
  readonly name = 'statefulset';
  private readonly setLister: Lister<StatefulSet>;
  private readonly podLister: Lister<Pod>;
  private readonly revisionLister: Lister<ControllerRevision>;
  private readonly claimLister: Lister<PersistentVolumeClaim>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, workers = 2) {
    super(ctx, workers);
    this.recorder = ctx.recorder('statefulset-controller');
    const setInformer = ctx.informers.informerFor(statefulSets);
    const podInformer = ctx.informers.informerFor(pods);
    this.setLister = setInformer.lister;
    this.podLister = podInformer.lister;
    this.revisionLister = ctx.informers.informerFor(controllerRevisions).lister;
    this.claimLister = ctx.informers.informerFor(persistentVolumeClaims).lister;
    setInformer.addEventHandler({
      onAdd: (s) => this.enqueue(metaNamespaceKey(s)),
      onUpdate: (_o, s) => this.enqueue(metaNamespaceKey(s)),
      onDelete: (s) => this.enqueue(metaNamespaceKey(unwrap(s))),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (old, p) => this.onPodUpdate(old, p),
      onDelete: (p) => this.onPod(unwrap(p)),
    });
  }

  private resolveOwner(pod: Pod): StatefulSet | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const set = this.setLister.get(pod.metadata?.namespace ?? '', ref.name);
    return set && set.metadata?.uid === ref.uid ? set : undefined;
  }

  private onPod(pod: Pod): void {
    const set = this.resolveOwner(pod);
    if (set) this.enqueue(metaNamespaceKey(set));
    else if (!controllerRefOf(pod)) this.enqueueMatching(pod);
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    if (oldRef && oldRef.uid !== controllerRefOf(pod)?.uid) this.onPod(old);
    this.onPod(pod);
    const set = this.resolveOwner(pod);
    const minReady = set?.spec?.minReadySeconds ?? 0;
    // As upstream: a pod that just became ready is available minReadySeconds later.
    if (set && minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.enqueueAfter(metaNamespaceKey(set), minReady * 1000 + 1);
  }

  private enqueueMatching(pod: Pod): void {
    for (const set of this.setLister.listInNamespace(pod.metadata?.namespace ?? '')) {
      const sel = selectorFromLabelSelector(set.spec?.selector);
      if (!sel.empty && sel.matches(pod.metadata?.labels)) this.enqueue(metaNamespaceKey(set));
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.setLister.get(namespace, name);
    if (!cached) return;
    const set = structuredClone(cached);
    const selector = selectorFromLabelSelector(set.spec?.selector);
    if (selector.empty) return;

    const setApi = this.ctx.client.resource(statefulSets, namespace);
    const revApi = this.ctx.client.resource(controllerRevisions, namespace);
    const podApi = this.ctx.client.resource(pods, namespace);
    const identity = identityOf(set, 'apps/v1', 'StatefulSet');
    const canAdopt = recheckController(() => setApi.get(name), set.metadata!.uid!, `StatefulSet ${namespace}/${name}`);

    const revisions = sortRevisions(await claimObjects(this.revisionLister.listInNamespace(namespace), { controller: identity, selector, api: revApi, canAdopt }));
    // As upstream: only pods whose name says they belong to this set are claimed.
    const owned = await claimObjects(this.podLister.listInNamespace(namespace), { controller: identity, selector, api: podApi, canAdopt, filter: (p) => isMemberOf(set, p) });

    const revs = await statefulSetRevisions(set, revisions, revApi);
    const { status, error } = await updateStatefulSet(set, revs, owned, this.podControl(namespace), this.clock.now());
    completeRollingUpdate(set, status);
    await this.writeStatus(set, status);
    if (error) throw error;
    await truncateHistory(set, owned, revisions, revs, revApi);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.availableReplicas ?? 0) !== (status.readyReplicas ?? 0)) this.enqueueAfter(key, minReady * 1000);
  }

  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    const api = this.ctx.client.resource(statefulSets, set.metadata!.namespace!);
    const next: StatefulSetStatus = { ...(set.status ?? { replicas: 0 }), ...status };
    if (!next.collisionCount) delete next.collisionCount;
    if (sameStatus(set.status, next)) return;
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await api.updateStatus({ ...target, status: next });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 1) throw err;
        target = await api.get(set.metadata!.name!);
      }
    }
  }

  /** The pod and claim actions, with upstream's event reasons and messages. */
  private podControl(namespace: string): StatefulPodControl {
    const podApi = this.ctx.client.resource(pods, namespace);
    const claimApi = this.ctx.client.resource(persistentVolumeClaims, namespace);
    const podEvent = (verb: 'Create' | 'Update' | 'Delete', set: StatefulSet, pod: Pod, err?: unknown) => {
      if (err === undefined) this.recorder.event(set, 'Normal', `Successful${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
      else this.recorder.event(set, 'Warning', `Failed${verb}`, `${verb.toLowerCase()} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${message(err)}`);
    };
    const createClaims = async (set: StatefulSet, pod: Pod) => {
      for (const claim of podClaims(set, ordinalOf(pod)).values()) {
        if (this.claimLister.get(namespace, claim.metadata!.name!)) continue;
        if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete') {
          // As upstream (KEP-1847): the set owns the claim, so deleting the set deletes it.
          claim.metadata!.ownerReferences = [ownerRef(set, 'StatefulSet')];
        }
        try {
          await claimApi.create(claim);
          this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata?.name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
        } catch (err) {
          if (isAlreadyExists(err)) continue;
          this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata?.name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${message(err)}`);
          throw err;
        }
      }
    };
    return {
      createPod: async (set, pod) => {
        await createClaims(set, pod);
        try {
          await podApi.create(pod);
          podEvent('Create', set, pod);
        } catch (err) {
          podEvent('Create', set, pod, err);
          throw err;
        }
      },
      updatePod: async (set, pod) => {
        for (let attempt = 0; ; attempt++) {
          if (!identityMatches(set, pod)) updateIdentity(set, pod);
          if (!storageMatches(set, pod)) {
            updateStorage(set, pod);
            await createClaims(set, pod);
          }
          try {
            await podApi.update(pod);
            podEvent('Update', set, pod);
            return;
          } catch (err) {
            if (!isConflict(err) || attempt >= 2) {
              podEvent('Update', set, pod, err);
              throw err;
            }
            pod = structuredClone(await podApi.get(pod.metadata!.name!));
          }
        }
      },
      deletePod: async (set, pod) => {
        try {
          await podApi.delete(pod.metadata!.name!);
          podEvent('Delete', set, pod);
        } catch (err) {
          if (isNotFound(err)) return;
          podEvent('Delete', set, pod, err);
          throw err;
        }
      },
      createMissingClaims: createClaims,
      releaseClaimsOnScaleDown: async (set, pod) => {
        if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
        // As upstream (KEP-1847): the condemned pod owns its claims, so they go with it.
        for (const claim of podClaims(set, ordinalOf(pod)).values()) {
          const existing = this.claimLister.get(namespace, claim.metadata!.name!);
          if (!existing || existing.metadata?.ownerReferences?.some((r) => r.uid === pod.metadata?.uid)) continue;
          try {
            await claimApi.patch(claim.metadata!.name!, 'strategic', { metadata: { ownerReferences: [ownerRef(pod, 'Pod', 'v1')] } });
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }
      },
      warn: (set, reason, msg) => this.recorder.event(set, 'Warning', reason, msg),
    };
  }
}

function ownerRef(owner: StatefulSet | Pod, kind: string, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: false, blockOwnerDeletion: true };
}

function sameStatus(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  if (!a) return false;
  const keys = ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'observedGeneration', 'collisionCount'] as const;
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

export function newStatefulSetController(ctx: ControllerContext): Controller {
  return new StatefulSetController(ctx);
}
