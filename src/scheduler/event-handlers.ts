// Informer handlers (upstream scheduler eventhandlers.go): pending pods this scheduler is
// responsible for go to the queue; assigned pods, nodes and the objects plugins read go to the
// cache; and each change that may make waiting pods schedulable moves them on in the queue.
import type {
  Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service,
} from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { InformerFactory } from '../client/informer-factory.js';
import { DeletedFinalStateUnknown } from '../client/indexer.js';
import {
  namespaces, nodes, persistentVolumeClaims, persistentVolumes, pods, replicaSets, replicationControllers,
  services, statefulSets, type ObjectWithMeta, type ResourceDescriptor,
} from '../client/resources.js';
import type { EventHandler, HandlerRegistration } from '../client/shared-informer.js';
import { isTerminal, type SchedulerCache } from './cache.js';
import { EVENTS, type ClusterEvent } from './queue/events.js';
import type { SchedulingQueue } from './queue/scheduling-queue.js';

export const storageClasses: ResourceDescriptor<StorageClass> = {
  group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false,
};

export interface HandlerDeps {
  informers: InformerFactory;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  /** Whether a pending pod is for one of this scheduler's profiles (spec.schedulerName). */
  responsibleFor(pod: Pod): boolean;
}

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

const assigned = (p: Pod) => !!p.spec?.nodeName;

/** Registers every handler; returns the registrations (remove them on stop). */
export function addAllEventHandlers(d: HandlerDeps): HandlerRegistration[] {
  const { informers, cache, queue } = d;
  const move = (e: ClusterEvent) => queue.moveAllToActiveOrBackoffQueue(e);
  const regs: HandlerRegistration[] = [];

  regs.push(informers.informerFor(pods).addEventHandler({
    onAdd(pod) {
      if (assigned(pod)) {
        cache.upsertAssignedPod(pod);
        move(EVENTS.AssignedPodAdd);
      } else if (d.responsibleFor(pod) && !isTerminal(pod)) {
        queue.add(pod);
      }
    },
    onUpdate(old, pod) {
      if (assigned(pod)) {
        // Bound since the last event (by us or another scheduler): no longer pending.
        if (!assigned(old)) queue.delete(pod);
        const wasCounted = !isTerminal(old);
        cache.upsertAssignedPod(pod);
        if (wasCounted && isTerminal(pod)) move(EVENTS.AssignedPodDelete);
        else if (!assigned(old)) move(EVENTS.AssignedPodAdd);
        else if (labelsChanged(old, pod)) move(EVENTS.AssignedPodUpdate);
        return;
      }
      // A pod whose binding is in flight: its updates mean nothing to the queue (upstream skipPodUpdate).
      if (cache.isAssumed(pod)) return;
      if (!d.responsibleFor(pod) || isTerminal(pod)) {
        queue.delete(pod);
        return;
      }
      if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
      queue.update(old, pod);
    },
    onDelete(obj) {
      const pod = unwrap(obj);
      if (assigned(pod) || cache.isAssumed(pod)) {
        cache.removeAssignedPod(pod);
        move(EVENTS.AssignedPodDelete);
      }
      queue.delete(pod);
    },
  }));

  regs.push(informers.informerFor(nodes).addEventHandler({
    onAdd(node) {
      cache.setNode(node);
      move(EVENTS.NodeAdd);
    },
    onUpdate(old, node) {
      if (old.metadata?.resourceVersion === node.metadata?.resourceVersion) return;
      cache.setNode(node);
      if (nodeSchedulingPropertiesChanged(old, node)) move(EVENTS.NodeUpdate);
    },
    onDelete(obj) {
      cache.removeNode(unwrap(obj).metadata?.name ?? '');
    },
  }));

  regs.push(informers.informerFor(namespaces).addEventHandler(simple<Namespace>(
    (ns) => cache.setNamespace(ns), (ns) => cache.removeNamespace(ns), () => move(EVENTS.NamespaceUpdate), () => move(EVENTS.NamespaceUpdate),
  )));
  regs.push(informers.informerFor(persistentVolumeClaims).addEventHandler(simple<PersistentVolumeClaim>(
    (o) => cache.setPvc(o), (o) => cache.removePvc(o), () => move(EVENTS.PvcAdd), () => move(EVENTS.PvcUpdate),
  )));
  regs.push(informers.informerFor(persistentVolumes).addEventHandler(simple<PersistentVolume>(
    (o) => cache.setPv(o), (o) => cache.removePv(o), () => move(EVENTS.PvAdd), () => move(EVENTS.PvUpdate),
  )));
  regs.push(informers.informerFor(storageClasses).addEventHandler(simple<StorageClass>(
    (o) => cache.setStorageClass(o), (o) => cache.removeStorageClass(o), () => move(EVENTS.StorageClassAdd), () => undefined,
  )));
  // Owners only feed PodTopologySpread's default constraints; no queue moves, as upstream.
  regs.push(informers.informerFor(services).addEventHandler(simple<Service>(
    (o) => cache.setOwner('services', o), (o) => cache.removeOwner('services', o))));
  regs.push(informers.informerFor(replicationControllers).addEventHandler(simple<ReplicationController>(
    (o) => cache.setOwner('replicationControllers', o), (o) => cache.removeOwner('replicationControllers', o))));
  regs.push(informers.informerFor(replicaSets).addEventHandler(simple<ReplicaSet>(
    (o) => cache.setOwner('replicaSets', o), (o) => cache.removeOwner('replicaSets', o))));
  regs.push(informers.informerFor(statefulSets).addEventHandler(simple<StatefulSet>(
    (o) => cache.setOwner('statefulSets', o), (o) => cache.removeOwner('statefulSets', o))));
  return regs;
}

function simple<T extends ObjectWithMeta>(
  set: (o: T) => void, remove: (o: T) => void, onAdd?: () => void, onUpdate?: () => void,
): EventHandler<T> {
  return {
    onAdd(o) {
      set(o);
      onAdd?.();
    },
    onUpdate(old, o) {
      if (old.metadata?.resourceVersion === o.metadata?.resourceVersion) return;
      set(o);
      onUpdate?.();
    },
    onDelete(o) {
      remove(unwrap(o));
    },
  };
}

function labelsChanged(a: ObjectWithMeta, b: ObjectWithMeta): boolean {
  return JSON.stringify(a.metadata?.labels ?? {}) !== JSON.stringify(b.metadata?.labels ?? {});
}

/**
 * Upstream nodeSchedulingPropertiesChange: a heartbeat alone (new condition timestamps) does
 * not move waiting pods; allocatable, labels, taints, unschedulable and condition statuses do.
 */
export function nodeSchedulingPropertiesChanged(a: Node, b: Node): boolean {
  if (a.spec?.unschedulable !== b.spec?.unschedulable) return true;
  if (labelsChanged(a, b)) return true;
  if (JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? [])) return true;
  if (JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {})) return true;
  const statuses = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',');
  return statuses(a) !== statuses(b);
}
