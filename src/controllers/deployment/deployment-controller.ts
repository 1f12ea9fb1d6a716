// The Deployment controller, after upstream's pkg/controller/deployment: handlers enqueue the
// Deployment behind each ReplicaSet (and pod, for Recreate); sync claims ReplicaSets by
// selector, then pauses, scales, or rolls out with the Deployment's strategy.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { LabelSelector } from '../../api/labels.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import { deployments, pods, replicaSets } from '../../client/resources.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import { claimObjects, controllerRefOf, controllerUidIndexFunc, ORPHAN } from '../replicaset/controller-ref.js';
import { CONTROLLER_UID_INDEX } from '../replicaset/replica-set-controller.js';
import { DeploymentSync } from './deployment-sync.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';

export class DeploymentController extends QueueController {
  readonly name = 'deployment';
  private readonly deploymentInformer: SharedIndexInformer<Deployment>;
  private readonly rsInformer: SharedIndexInformer<ReplicaSet>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext, workers = 5) {
    super(ctx, workers);
    this.recorder = ctx.recorder('deployment-controller');
    this.deploymentInformer = ctx.informers.informerFor(deployments);
    this.rsInformer = ctx.informers.informerFor(replicaSets, { indexers: { [CONTROLLER_UID_INDEX]: controllerUidIndexFunc } });
    this.podInformer = ctx.informers.informerFor(pods, { indexers: { [CONTROLLER_UID_INDEX]: controllerUidIndexFunc } });
    this.deploymentInformer.addEventHandler({
      onAdd: (d) => this.enqueue(metaNamespaceKey(d)),
      onUpdate: (_old, d) => this.enqueue(metaNamespaceKey(d)),
      onDelete: (d) => this.enqueue(d instanceof DeletedFinalStateUnknown ? d.key : metaNamespaceKey(d)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.onReplicaSetChange(undefined, rs),
      onUpdate: (old, rs) => this.onReplicaSetChange(old, rs),
      onDelete: (rs) => this.onReplicaSetDelete(rs instanceof DeletedFinalStateUnknown ? rs.obj : rs),
    });
    this.podInformer.addEventHandler({
      onDelete: (p) => this.onPodDelete(p instanceof DeletedFinalStateUnknown ? p.obj : p),
    });
  }

  private selectorOf(d: Deployment): LabelSelector {
    try {
      return selectorFromLabelSelector(d.spec?.selector);
    } catch {
      return selectorFromLabelSelector(undefined);
    }
  }

  /** The cached Deployment a ReplicaSet's controller reference points at (same uid), if any. */
  private deploymentOf(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deploymentInformer.lister.get(rs.metadata?.namespace ?? '', ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments (with a non-empty selector) that would adopt an orphan ReplicaSet. */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    return this.deploymentInformer.lister.listInNamespace(rs.metadata?.namespace ?? '').filter((d) => {
      const sel = this.selectorOf(d);
      return !sel.empty && sel.matches(rs.metadata?.labels);
    });
  }

  private onReplicaSetChange(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const curRef = controllerRefOf(rs);
    if (old && oldRef && oldRef.uid !== curRef?.uid) {
      const prev = this.deploymentOf(old);
      if (prev) this.enqueue(metaNamespaceKey(prev));
    }
    if (curRef) {
      const d = this.deploymentOf(rs);
      if (d) this.enqueue(metaNamespaceKey(d));
      return;
    }
    const labelsChanged = !old || JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || oldRef) for (const d of this.deploymentsSelecting(rs)) this.enqueue(metaNamespaceKey(d));
  }

  private onReplicaSetDelete(rs: ReplicaSet): void {
    const d = this.deploymentOf(rs);
    if (d) this.enqueue(metaNamespaceKey(d));
  }

  /** A Recreate rollout waits for old pods to go: look again when one does. */
  private onPodDelete(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.lister.get(pod.metadata?.namespace ?? '', ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.deploymentOf(rs);
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(metaNamespaceKey(d));
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.deploymentInformer.lister.getByKey(key);
    if (!cached) return;
    const d: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', ...structuredClone(cached) } as Deployment;
    const { namespace } = splitMetaNamespaceKey(key);
    const s = new DeploymentSync({
      client: this.ctx.client,
      recorder: this.recorder,
      logger: this.logger,
      now: () => this.clock.now(),
      requeueAfter: (ms) => this.enqueueAfter(key, ms),
    }, d);
    const selector = this.selectorOf(d);
    if (selector.empty) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        s.d.status = { ...d.status, observedGeneration: d.metadata?.generation };
        await s.writeStatus();
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector, namespace);
    if (d.metadata?.deletionTimestamp) return s.syncStatusOnly(rsList);
    await s.checkPausedConditions();
    if (s.d.spec?.paused) return s.syncScaleAndStatus(rsList);
    if (await s.isScalingEvent(rsList)) return s.syncScaleAndStatus(rsList);
    if (s.d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(s, rsList, this.podsByReplicaSet(d, selector, rsList));
    return rolloutRolling(s, rsList);
  }

  /** Adopts orphan ReplicaSets the selector matches and releases owned ones it no longer does. */
  private claimReplicaSets(d: Deployment, selector: LabelSelector, namespace: string): Promise<ReplicaSet[]> {
    const idx = this.rsInformer.indexer;
    const candidates = [...idx.byIndex(CONTROLLER_UID_INDEX, d.metadata!.uid!), ...idx.byIndex(CONTROLLER_UID_INDEX, ORPHAN)]
      .filter((rs) => rs.metadata?.namespace === namespace);
    const api = this.ctx.client.resource(replicaSets, namespace);
    return claimObjects(candidates, {
      owner: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata },
      selector,
      api,
      recheckOwner: async () => {
        const fresh = await this.ctx.client.resource(deployments, namespace).get(d.metadata!.name!);
        return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: fresh.metadata };
      },
    });
  }

  /** The Deployment's pods by the uid of the ReplicaSet that controls them (upstream's getPodMapForDeployment). */
  private podsByReplicaSet(d: Deployment, selector: LabelSelector, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) {
      const uid = rs.metadata!.uid!;
      map.set(uid, this.podInformer.indexer.byIndex(CONTROLLER_UID_INDEX, uid).filter((p) => p.metadata?.namespace === d.metadata?.namespace && selector.matches(p.metadata?.labels)));
    }
    return map;
  }
}
