// The DaemonSet controller, after upstream pkg/controller/daemon: one daemon pod on every node
// the DaemonSet's template may run on, created with a `metadata.name In [node]` node affinity
// for the default scheduler to honour; RollingUpdate or OnDelete when the template changes;
// one ControllerRevision per template; status counted per node.
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ResourceClient } from '../../client/api-client.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { controllerRevisions, daemonSets, nodes, pods } from '../../client/resources.js';
import type { Controller, ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import { claimObjects, controllerRefOf, identityOf, newControllerRef, recheckController } from '../history/controller-ref.js';
import { POD_REVISION_LABEL } from '../history/controller-revision.js';
import { isPodReady } from '../history/pod-readiness.js';
import { daemonPodTemplate, nodeShouldRunDaemonPod, pinToNode } from './daemon-pod.js';
import { ControllerExpectations } from './expectations.js';
import type { NodeToDaemonPods } from './node-plan.js';
import { groupPodsByNode, planNodes } from './node-plan.js';
import { cleanupHistory, constructHistory, HashCollisionError } from './revisions.js';
import { planRollingUpdate } from './rolling-update.js';
import { computeDaemonSetStatus } from './status.js';

/** As upstream BurstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 250;
/** As upstream SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1;

type Tomb<T> = T | DeletedFinalStateUnknown<T>;
const unwrap = <T>(o: Tomb<T>): T => (o instanceof DeletedFinalStateUnknown ? o.obj : o);

export class DaemonSetController extends QueueController {
  readonly name = 'daemonset';
  private readonly dsLister: Lister<DaemonSet>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly revisionLister: Lister<ControllerRevision>;
  private readonly expectations: ControllerExpectations;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, workers = 2) {
    super(ctx, workers);
    this.expectations = new ControllerExpectations(this.clock);
    this.recorder = ctx.recorder('daemonset-controller');
    const dsInformer = ctx.informers.informerFor(daemonSets);
    const podInformer = ctx.informers.informerFor(pods);
    const nodeInformer = ctx.informers.informerFor(nodes);
    const revInformer = ctx.informers.informerFor(controllerRevisions);
    this.dsLister = dsInformer.lister;
    this.podLister = podInformer.lister;
    this.nodeLister = nodeInformer.lister;
    this.revisionLister = revInformer.lister;

    dsInformer.addEventHandler({
      onAdd: (ds) => this.enqueueDaemonSet(ds),
      onUpdate: (_old, ds) => this.enqueueDaemonSet(ds),
      onDelete: (ds) => {
        const key = metaNamespaceKey(unwrap(ds));
        this.expectations.delete(key);
        this.enqueue(key);
      },
    });
    podInformer.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (oldPod, pod) => this.onPodUpdate(oldPod, pod),
      onDelete: (pod) => this.onPodDelete(unwrap(pod)),
    });
    nodeInformer.addEventHandler({
      onAdd: (node) => this.onNodeChange(undefined, node),
      onUpdate: (oldNode, node) => this.onNodeChange(oldNode, node),
      // Pods meant for a deleted node must go: every DaemonSet looks again.
      onDelete: () => this.enqueueAll(),
    });
    revInformer.addEventHandler({
      onAdd: (rev) => this.enqueueOwner(rev),
      onUpdate: (_old, rev) => this.enqueueOwner(rev),
      onDelete: (rev) => this.enqueueOwner(unwrap(rev)),
    });
  }

  // ---- event handlers: they only work out which DaemonSets to look at ----

  private enqueueDaemonSet(ds: DaemonSet): void {
    this.enqueue(metaNamespaceKey(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.dsLister.list()) this.enqueueDaemonSet(ds);
  }

  /** The DaemonSet a controller reference points to, if it is still the same object. */
  private resolveOwner(obj: Pod | ControllerRevision): DaemonSet | undefined {
    const ref = controllerRefOf(obj);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.dsLister.get(obj.metadata?.namespace ?? '', ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  private enqueueOwner(obj: Pod | ControllerRevision): void {
    const ds = this.resolveOwner(obj);
    if (ds) this.enqueueDaemonSet(ds);
    else if (!controllerRefOf(obj)) this.enqueueMatching(obj);
  }

  /** Orphans: every DaemonSet whose selector matches may want to adopt it. */
  private enqueueMatching(obj: Pod | ControllerRevision): void {
    for (const ds of this.dsLister.listInNamespace(obj.metadata?.namespace ?? '')) {
      const sel = selectorFromLabelSelector(ds.spec?.selector);
      if (!sel.empty && sel.matches(obj.metadata?.labels)) this.enqueueDaemonSet(ds);
    }
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod seen first while being deleted (e.g. after a restart) counts as a deletion.
      this.onPodDelete(pod);
      return;
    }
    const ds = this.resolveOwner(pod);
    if (ds) {
      this.expectations.creationObserved(metaNamespaceKey(ds));
      this.enqueueDaemonSet(ds);
    } else if (!controllerRefOf(pod)) {
      this.enqueueMatching(pod);
    }
  }

  private onPodUpdate(oldPod: Pod, pod: Pod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(oldPod);
    const ref = controllerRefOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) this.enqueueOwner(oldPod);
    const ds = this.resolveOwner(pod);
    if (ds) {
      this.enqueueDaemonSet(ds);
      // As upstream: a pod that just became ready is available minReadySeconds later.
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(oldPod) && isPodReady(pod)) this.enqueueAfter(metaNamespaceKey(ds), minReady * 1000);
      return;
    }
    if (!ref) this.enqueueMatching(pod);
  }

  private onPodDelete(pod: Pod): void {
    const ds = this.resolveOwner(pod);
    if (!ds) return;
    this.expectations.deletionObserved(metaNamespaceKey(ds));
    this.enqueueDaemonSet(ds);
  }

  private onNodeChange(oldNode: Node | undefined, node: Node): void {
    for (const ds of this.dsLister.list()) {
      const now = nodeShouldRunDaemonPod(node, ds);
      if (!oldNode) {
        if (now.shouldRun) this.enqueueDaemonSet(ds);
        continue;
      }
      const before = nodeShouldRunDaemonPod(oldNode, ds);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.enqueueDaemonSet(ds);
    }
  }

  // ---- sync ----

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.dsLister.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const ds = structuredClone(cached);
    const selector = selectorFromLabelSelector(ds.spec?.selector);
    if (selector.empty) {
      // As upstream: an empty selector would select every pod; refuse.
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // As upstream: a DaemonSet being deleted is left to the garbage collector.
    if (ds.metadata?.deletionTimestamp) return;

    const podApi = this.ctx.client.resource(pods, namespace);
    const revApi = this.ctx.client.resource(controllerRevisions, namespace);
    const dsApi = this.ctx.client.resource(daemonSets, namespace);
    const identity = identityOf(ds, 'apps/v1', 'DaemonSet');
    const canAdopt = recheckController(() => dsApi.get(name), ds.metadata!.uid!, `DaemonSet ${namespace}/${name}`);
    const nodeList = this.nodeLister.list();

    const ownedRevisions = await claimObjects(this.revisionLister.listInNamespace(namespace), { controller: identity, selector, api: revApi, canAdopt });
    const ownedPods = await claimObjects(this.podLister.listInNamespace(namespace), { controller: identity, selector, api: podApi, canAdopt });

    let history;
    try {
      history = await constructHistory(ds, ownedRevisions, { revisions: revApi, daemonSets: dsApi, pods: podApi }, ownedPods);
    } catch (err) {
      if (err instanceof HashCollisionError) {
        this.enqueue(key);
        return;
      }
      throw err;
    }
    const hash = history.current.metadata?.labels?.[POD_REVISION_LABEL] ?? '';

    if (!this.expectations.satisfied(key)) {
      // Earlier creations or deletions are not in the cache yet: only report status.
      await this.writeStatus(ds, nodeList, groupPodsByNode(ownedPods), hash, false);
      return;
    }

    await this.manage(ds, nodeList, ownedPods, hash, key);
    // As upstream: the rolling update runs only once the manage step's changes are observed.
    if (this.expectations.satisfied(key) && ds.spec?.updateStrategy?.type !== 'OnDelete') {
      const step = planRollingUpdate(ds, nodeList, groupPodsByNode(ownedPods), hash, this.clock.now());
      await this.syncNodes(ds, key, step.podsToDelete, step.nodesToCreate, hash);
    }
    await cleanupHistory(ds, history.old, ownedPods, revApi);
    await this.writeStatus(ds, nodeList, groupPodsByNode(ownedPods), hash, true);
  }

  private async manage(ds: DaemonSet, nodeList: Node[], ownedPods: Pod[], hash: string, key: string): Promise<void> {
    const plan = planNodes(ds, nodeList, groupPodsByNode(ownedPods), hash, this.clock.now());
    for (const f of plan.failedPods) {
      this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ds.metadata?.namespace}/${f.pod} on node ${f.node}, will try to kill it`);
    }
    await this.syncNodes(ds, key, plan.podsToDelete, plan.nodesNeedingDaemonPods, hash);
  }

  /** As upstream syncNodes: create pods on nodes in slow-start batches, delete pods, record expectations. */
  private async syncNodes(ds: DaemonSet, key: string, podsToDelete: string[], nodesNeeding: string[], hash: string): Promise<void> {
    const creates = nodesNeeding.slice(0, BURST_REPLICAS);
    const deletes = podsToDelete.slice(0, BURST_REPLICAS);
    if (creates.length === 0 && deletes.length === 0) return;
    this.expectations.expect(key, creates.length, deletes.length);
    const namespace = ds.metadata!.namespace!;
    const podApi = this.ctx.client.resource(pods, namespace);
    const template = daemonPodTemplate(ds, hash);
    const errors: unknown[] = [];

    let pos = 0;
    for (let batch = SLOW_START_INITIAL_BATCH; pos < creates.length; batch *= 2) {
      const nodesNow = creates.slice(pos, pos + batch);
      pos += nodesNow.length;
      const results = await Promise.allSettled(nodesNow.map((node) => this.createPod(ds, podApi, template, node)));
      const failed = results.filter((r) => r.status === 'rejected');
      for (const f of failed) {
        this.expectations.creationObserved(key);
        errors.push((f as PromiseRejectedResult).reason);
      }
      if (failed.length > 0) {
        // As upstream: stop after a failed batch; the pods not attempted are not expected.
        this.expectations.creationObserved(key, creates.length - pos);
        break;
      }
    }

    await Promise.all(deletes.map(async (podName) => {
      try {
        await podApi.delete(podName);
        this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
      } catch (err) {
        this.expectations.deletionObserved(key);
        if (isNotFound(err)) return;
        this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
        errors.push(err);
      }
    }));
    if (errors.length) throw errors[0];
  }

  private async createPod(ds: DaemonSet, podApi: ResourceClient<Pod>, template: PodTemplateSpec, nodeName: string): Promise<void> {
    const spec = structuredClone(template.spec!);
    spec.affinity = pinToNode(spec.affinity, nodeName);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...structuredClone(template.metadata ?? {}),
        generateName: `${ds.metadata!.name}-`,
        namespace: ds.metadata!.namespace,
        ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
      },
      spec,
    };
    delete pod.metadata!.name;
    try {
      const created = await podApi.create(pod);
      this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async writeStatus(ds: DaemonSet, nodeList: Node[], byNode: NodeToDaemonPods, hash: string, observeGeneration: boolean): Promise<void> {
    const now = this.clock.now();
    const status = computeDaemonSetStatus(ds, nodeList, byNode, hash, now, observeGeneration);
    const api = this.ctx.client.resource(daemonSets, ds.metadata!.namespace!);
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      const merged = { ...status, collisionCount: target.status?.collisionCount ?? status.collisionCount };
      if (!merged.collisionCount) delete merged.collisionCount;
      if (JSON.stringify(sortKeys(target.status ?? {})) === JSON.stringify(sortKeys(merged))) break;
      try {
        await api.updateStatus({ ...target, status: merged });
        break;
      } catch (err) {
        // As upstream storeDaemonSetStatus: on a conflict, read the DaemonSet again and retry.
        if (!isConflict(err) || attempt >= 1) throw err;
        target = await api.get(ds.metadata!.name!);
      }
    }
    // As upstream: look again once minReadySeconds have passed, to count pods as available.
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.numberReady ?? 0) !== (status.numberAvailable ?? 0)) this.enqueueAfter(metaNamespaceKey(ds), minReady * 1000);
  }
}

function sortKeys(obj: object): Record<string, unknown> {
  const o = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function newDaemonSetController(ctx: ControllerContext): Controller {
  return new DaemonSetController(ctx);
}
