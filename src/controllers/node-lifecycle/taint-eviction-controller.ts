// The taint eviction controller (upstream pkg/controller/tainteviction, formerly the node
// lifecycle controller's NoExecuteTaintManager): a pod on a node with NoExecute taints it does
// not tolerate is deleted at once; one that tolerates them for tolerationSeconds is deleted
// when that time has passed since the taint was seen; one that tolerates them forever stays.
// Deletion is a plain delete (the pod's own grace period), after a DisruptionTarget condition.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import type { IndexFunc } from '../../client/indexer.js';
import { DeletedFinalStateUnknown, metaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { nodes, pods } from '../../client/resources.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { QueueController, type ControllerContext } from '../controller.js';
import { tolerationTimeMs } from './taints.js';

/** Pods by spec.nodeName (shared with other controllers that ask for the same function). */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';
export const podNodeNameIndexFunc: IndexFunc<Pod> = (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []);

function noExecuteTaints(node: Node | undefined) {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

export class TaintEvictionController extends QueueController {
  readonly name = 'taint-eviction-controller';
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly recorder: EventRecorder;
  /** When each pod was first seen on a NoExecute-tainted node it tolerates for a while. */
  private readonly firstSeen = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super(ctx, 2);
    this.recorder = ctx.recorder('taint-eviction-controller');
    this.podInformer = ctx.informers.informerFor(pods, { indexers: { [POD_NODE_NAME_INDEX]: podNodeNameIndexFunc } });
    const nodeInformer = ctx.informers.informerFor(nodes);
    this.podLister = this.podInformer.lister;
    this.nodeLister = nodeInformer.lister;
    const onPod = (p: Pod) => {
      if (p.spec?.nodeName) this.enqueue(metaNamespaceKey(p));
    };
    this.podInformer.addEventHandler({
      onAdd: onPod,
      onUpdate: (_, p) => onPod(p),
      onDelete: (p) => this.firstSeen.delete(p instanceof DeletedFinalStateUnknown ? p.key : metaNamespaceKey(p)),
    });
    nodeInformer.addEventHandler({
      onAdd: (n) => this.enqueuePodsOn(n),
      onUpdate: (old, n) => {
        if (JSON.stringify(noExecuteTaints(old)) !== JSON.stringify(noExecuteTaints(n))) this.enqueuePodsOn(n);
      },
    });
  }

  private enqueuePodsOn(node: Node): void {
    if (!noExecuteTaints(node).length && this.firstSeen.size === 0) return;
    for (const p of this.podInformer.indexer.byIndex(POD_NODE_NAME_INDEX, node.metadata?.name ?? '')) this.enqueue(metaNamespaceKey(p));
  }

  protected async sync(key: string): Promise<void> {
    const pod = this.podLister.getByKey(key);
    const phase = pod?.status?.phase;
    if (!pod || !pod.spec?.nodeName || pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') {
      this.firstSeen.delete(key);
      return;
    }
    const taints = noExecuteTaints(this.nodeLister.get(pod.spec.nodeName));
    if (taints.length === 0) {
      if (this.firstSeen.delete(key)) this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
      return;
    }
    const tolerateMs = tolerationTimeMs(taints, pod.spec.tolerations);
    if (tolerateMs === Infinity) return;
    const now = this.clock.now();
    let since = this.firstSeen.get(key);
    if (since === undefined) this.firstSeen.set(key, (since = now));
    const due = since + tolerateMs;
    if (due > now) {
      this.enqueueAfter(key, due - now);
      return;
    }
    await this.evict(pod, key);
  }

  private async evict(pod: Pod, key: string): Promise<void> {
    const api = this.ctx.client.resource(pods, pod.metadata!.namespace!);
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      // As upstream addConditionAndDeletePod: say why before deleting.
      await api.patch(pod.metadata!.name!, 'strategic', {
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z') }] },
      }, { subresource: 'status' });
      await api.delete(pod.metadata!.name!, { preconditions: pod.metadata?.uid ? { uid: pod.metadata.uid } : undefined });
      this.firstSeen.delete(key);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}
