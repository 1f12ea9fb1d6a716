// Pod subresources that change a pod through the API: binding (the scheduler assigns a
// node) and eviction (a disruption-budget-checked delete, used by `kubectl drain`).
import type { KubeObject } from '../../api/kinds.js';
import { ApiError, BadRequestError, ConflictError } from '../../api/errors.js';
import type { ResourceRegistry } from '../resources.js';
import type { ResourceStore } from '../resource-store.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { nowTimestamp } from '../strategy.js';

/**
 * As upstream's BindingREST: sets spec.nodeName once (409 if already assigned) and marks the
 * pod scheduled. Returns the Status upstream answers with.
 */
export async function bindPod(pods: ResourceStore, namespace: string, name: string, binding: KubeObject): Promise<KubeObject> {
  const target = binding?.target;
  if (!target || typeof target.name !== 'string' || !target.name) {
    throw new ApiError(422, 'Invalid', `Binding.meta.k8s.io "${name}" is invalid: target.name: Required value`, {
      name, kind: 'Binding', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }],
    });
  }
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw new BadRequestError(`the name of the binding (${binding.metadata.name}) does not match the pod name on the URL (${name})`);
  }
  await pods.update(namespace, name, (pod) => {
    if (pod.metadata?.deletionTimestamp) {
      throw new ConflictError('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
    }
    if (pod.spec?.nodeName) {
      throw new ConflictError('pods', '', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    }
    const uid = binding.metadata?.uid;
    if (uid && uid !== pod.metadata?.uid) {
      throw new ConflictError('pods', '', name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid}`);
    }
    pod.spec = { ...pod.spec, nodeName: target.name };
    const status = (pod.status ??= {});
    const conditions: any[] = (status.conditions ??= []).filter((c: any) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
    status.conditions = conditions;
    if (binding.metadata?.annotations) {
      pod.metadata = { ...pod.metadata, annotations: { ...(pod.metadata?.annotations ?? {}), ...binding.metadata.annotations } };
    }
    return pod;
  });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/**
 * As upstream's EvictionREST: a pod covered by a PodDisruptionBudget that allows no more
 * disruptions is refused with 429; otherwise the budget's status.disruptionsAllowed is
 * decremented and the pod recorded in status.disruptedPods (compare-and-swap on the budget,
 * so two concurrent evictions cannot both spend the last allowed disruption, as upstream's
 * checkAndDecrement under RetryOnConflict), and the caller deletes the pod. Terminal,
 * not-yet-running and already-terminating pods are evicted without consulting budgets.
 */
export async function checkEviction(resources: ResourceRegistry, pod: KubeObject, opts: { dryRun?: boolean } = {}): Promise<void> {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata?.deletionTimestamp) return;
  const pdbDef = resources.lookup('policy', 'v1', 'poddisruptionbudgets');
  if (!pdbDef) return;
  const pdbStore = resources.storeFor(pdbDef);
  const { items } = await pdbStore.list(pod.metadata?.namespace ?? '');
  const covering = items.map((i) => i.obj).filter((pdb) => {
    const sel = selectorFromLabelSelector(pdb.spec?.selector);
    return !sel.empty && sel.matches(pod.metadata?.labels);
  });
  if (covering.length > 1) {
    throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  const found = covering[0];
  if (!found) return;
  if (opts.dryRun) {
    checkBudget(found);
    return;
  }
  await pdbStore.update(found.metadata!.namespace!, found.metadata!.name, (pdb) => {
    checkBudget(pdb);
    const status = pdb.status!;
    status.disruptionsAllowed -= 1;
    if (status.disruptionsAllowed === 0) markDisruptionNotAllowed(status);
    // Tells the disruption controller not to count this pod as healthy while it goes away.
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [pod.metadata!.name]: nowTimestamp() };
    return pdb;
  });
}

function checkBudget(pdb: KubeObject): void {
  const observed = pdb.status?.observedGeneration ?? 0;
  if (observed < (pdb.metadata?.generation ?? 1)) {
    throw tooManyRequests('observedGeneration less than generation');
  }
  if ((pdb.status?.disruptionsAllowed ?? 0) < 1) {
    throw tooManyRequests(`The disruption budget ${pdb.metadata?.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently`);
  }
}

/** As upstream's UpdateDisruptionAllowedCondition once no disruption is left. */
function markDisruptionNotAllowed(status: KubeObject): void {
  const conditions: any[] = status.conditions ?? [];
  const old = conditions.find((c) => c.type === 'DisruptionAllowed');
  const next = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: status.observedGeneration };
  if (old?.status === 'False' && old.reason === 'InsufficientPods') return;
  status.conditions = [...conditions.filter((c) => c !== old), { ...next, lastTransitionTime: nowTimestamp() }];
}

function tooManyRequests(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
  });
}
