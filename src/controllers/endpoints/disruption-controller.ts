// The disruption controller, after upstream's pkg/controller/disruption: keeps each
// PodDisruptionBudget's status (expected, healthy and desired pod counts, how many
// disruptions are allowed now) current, so the API server's eviction subresource can refuse
// evictions that would break the budget. Pods and budgets enqueue the budget's key; sync
// recounts from the caches.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { isConflict } from '../../client/errors.js';
import type { EventRecorder, ObjectReference } from '../../client/event-recorder.js';
import { DeletedFinalStateUnknown, deletionHandlingKey, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { deployments, pods as podsResource, replicaSets, replicationControllers, statefulSets } from '../../client/resources.js';
import { QueueController } from '../controller.js';
import type { ControllerContext } from '../controller.js';
import { ControllerScaleFinder, controllerOf } from './controller-scale.js';
import { countHealthyPods, failSafeStatus, nextStatus, pendingDisruptions, scaledValue } from './pdb-status.js';
import { podDisruptionBudgets } from './policy-resources.js';

export class DisruptionController extends QueueController {
  readonly name = 'disruption';
  private readonly pdbs: Lister<PodDisruptionBudget>;
  private readonly pods: Lister<Pod>;
  private readonly scales: ControllerScaleFinder;
  private readonly recorder: EventRecorder;

  constructor(ctx: ControllerContext) {
    super(ctx);
    const pdbInformer = ctx.informers.informerFor(podDisruptionBudgets);
    const podInformer = ctx.informers.informerFor(podsResource);
    this.pdbs = pdbInformer.lister;
    this.pods = podInformer.lister;
    this.scales = new ControllerScaleFinder({
      replicationControllers: ctx.informers.informerFor(replicationControllers).lister,
      replicaSets: ctx.informers.informerFor(replicaSets).lister,
      deployments: ctx.informers.informerFor(deployments).lister,
      statefulSets: ctx.informers.informerFor(statefulSets).lister,
    }, ctx.client);
    this.recorder = ctx.recorder('controllermanager');

    pdbInformer.addEventHandler({
      onAdd: (pdb) => this.enqueue(metaNamespaceKey(pdb)),
      onUpdate: (_old, pdb) => this.enqueue(metaNamespaceKey(pdb)),
      onDelete: (pdb) => this.enqueue(deletionHandlingKey(pdb)),
    });
    podInformer.addEventHandler({
      onAdd: (pod) => this.enqueueBudgetsOf(pod, true),
      onUpdate: (old, pod) => {
        this.enqueueBudgetsOf(pod, false);
        // A pod whose labels changed may have left a budget.
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {})) this.enqueueBudgetsOf(old, false);
      },
      onDelete: (obj) => this.enqueueBudgetsOf(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj, false),
    });
  }

  /** The budgets in the pod's namespace whose selector matches it (policy/v1: {} matches all). */
  private budgetsFor(pod: Pod): PodDisruptionBudget[] {
    return this.pdbs.listInNamespace(pod.metadata?.namespace ?? '').filter((pdb) => {
      try {
        return selectorFromLabelSelector(pdb.spec?.selector).matches(pod.metadata?.labels ?? {});
      } catch {
        return false;
      }
    });
  }

  private enqueueBudgetsOf(pod: Pod, isNew: boolean): void {
    const budgets = this.budgetsFor(pod);
    if (budgets.length > 1 && isNew) {
      const names = budgets.map((b) => b.metadata?.name).sort();
      this.recorder.event(podRef(pod), 'Warning', 'MultiplePodDisruptionBudgets',
        `Pod "${pod.metadata?.namespace}"/"${pod.metadata?.name}" matches multiple PodDisruptionBudgets.  Chose "${names[0]}" arbitrarily.`);
    }
    for (const pdb of budgets) this.enqueue(metaNamespaceKey(pdb));
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      // A conflict only means our copy was stale: retry without alarming anyone.
      if (isConflict(err)) throw err;
      this.logger.warn('failed to sync PodDisruptionBudget', { controller: this.name, key, error: err instanceof Error ? err.message : String(err) });
      await this.writeStatus(pdb, failSafeStatus(pdb, err, this.clock.now()));
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const ns = pdb.metadata!.namespace!;
    const pods = this.pods.listInNamespace(ns, selectorFromLabelSelector(pdb.spec?.selector));
    if (pods.length === 0) this.recorder.event(pdbRef(pdb), 'Normal', 'NoPods', 'No matching pods found');

    let expected: { expectedPods: number; desiredHealthy: number; unmanaged: string[] };
    try {
      expected = await this.expectedPodCount(pdb, pods);
    } catch (err) {
      this.recorder.event(pdbRef(pdb), 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    if (expected.unmanaged.length > 0) {
      this.recorder.event(pdbRef(pdb), 'Warning', 'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${selectorFromLabelSelector(pdb.spec?.selector).toString()}) were found to be unmanaged. ` +
        'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.');
    }

    const now = this.clock.now();
    const { pending, overdue, recheckAt } = pendingDisruptions(pdb, pods, now);
    for (const pod of overdue) {
      this.recorder.event(podRef(pod), 'Warning', 'NotDeleted', `Pod was expected by PDB ${ns}/${pdb.metadata?.name} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, pending, now);
    const status = nextStatus(pdb, { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedPods: expected.expectedPods, disruptedPods: pending }, now);
    if (status) await this.writeStatus(pdb, status);
    // Look again when a recorded disruption's deadline passes.
    if (recheckAt !== undefined) this.enqueueAfter(metaNamespaceKey(pdb), Math.max(0, recheckAt - now));
  }

  /**
   * As upstream's getExpectedPodCount: an integer minAvailable counts the matching pods; a
   * percentage, or maxUnavailable, is taken of the sum of the pods' controllers' scales.
   */
  private async expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[]): Promise<{ expectedPods: number; desiredHealthy: number; unmanaged: string[] }> {
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const { expected, unmanaged } = await this.expectedScale(pods);
      const desired = Math.max(0, expected - scaledValue(maxUnavailable, expected, true));
      return { expectedPods: expected, desiredHealthy: desired, unmanaged };
    }
    if (typeof minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: minAvailable, unmanaged: [] };
    if (typeof minAvailable === 'string') {
      const { expected, unmanaged } = await this.expectedScale(pods);
      return { expectedPods: expected, desiredHealthy: scaledValue(minAvailable, expected, true), unmanaged };
    }
    return { expectedPods: 0, desiredHealthy: 0, unmanaged: [] };
  }

  /**
   * As upstream's getExpectedScale: the sum of the scales of the pods' controllers, each
   * counted once. Pods without a controller are reported, not counted.
   */
  private async expectedScale(pods: Pod[]): Promise<{ expected: number; unmanaged: string[] }> {
    const scaleByController = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod.metadata);
      if (!ref) {
        unmanaged.push(pod.metadata?.name ?? '');
        continue;
      }
      if (scaleByController.has(ref.uid)) continue;
      const found = await this.scales.find(ref, pod.metadata!.namespace!);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`);
      scaleByController.set(found.uid, found.scale);
    }
    let expected = 0;
    for (const n of scaleByController.values()) expected += n;
    return { expected, unmanaged };
  }

  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']): Promise<void> {
    const next = structuredClone(pdb);
    next.status = status;
    await this.ctx.client.resource(podDisruptionBudgets, pdb.metadata!.namespace).updateStatus(next);
  }
}

// Cached objects may come from lists without apiVersion and kind: name them explicitly.
function pdbRef(pdb: PodDisruptionBudget): ObjectReference {
  const m = pdb.metadata ?? {};
  return { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
}

function podRef(pod: Pod): ObjectReference {
  const m = pod.metadata ?? {};
  return { kind: 'Pod', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
}
