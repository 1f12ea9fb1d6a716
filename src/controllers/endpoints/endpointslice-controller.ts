// The EndpointSlice controller, after upstream's pkg/controller/endpointslice: keeps the
// `discovery.k8s.io/v1` EndpointSlices of every Service with a selector in line with the pods
// it selects. Handlers enqueue service keys; sync works out the changes with the pure
// reconciler, applies them, and records what it wrote so a stale cache cannot make it act twice.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { selectorFromSet } from '../../api/labels.js';
import { isNotFound } from '../../client/errors.js';
import { DeletedFinalStateUnknown, deletionHandlingKey, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { endpointSlices, nodes, pods as podsResource, services as servicesResource } from '../../client/resources.js';
import { QueueController } from '../controller.js';
import type { ControllerContext } from '../controller.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, CONTROLLER_NAME, managedByController, reconcileSlices } from './endpointslice-reconciler.js';
import { EndpointSliceTracker } from './endpointslice-tracker.js';
import { hasSelector, servicesSelecting, servicesToUpdateOnPodChange } from './pod-endpoints.js';
import { formatRFC3339Nano, LAST_CHANGE_TRIGGER_TIME, TriggerTimeTracker } from './trigger-time-tracker.js';

/** As upstream's endpointSliceChangeMinSyncDelay: slice changes by others are batched a little. */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;

export interface EndpointSliceControllerOptions {
  /** As upstream's --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController extends QueueController {
  readonly name = 'endpointslice';
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly nodes: Lister<Node>;
  private readonly slices: Lister<EndpointSlice>;
  private readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(ctx: ControllerContext, private readonly opts: EndpointSliceControllerOptions = {}) {
    super(ctx);
    const svcInformer = ctx.informers.informerFor(servicesResource);
    const podInformer = ctx.informers.informerFor(podsResource);
    const nodeInformer = ctx.informers.informerFor(nodes);
    const sliceInformer = ctx.informers.informerFor(endpointSlices);
    this.services = svcInformer.lister;
    this.pods = podInformer.lister;
    this.nodes = nodeInformer.lister;
    this.slices = sliceInformer.lister;

    svcInformer.addEventHandler({
      onAdd: (svc) => this.enqueue(metaNamespaceKey(svc)),
      onUpdate: (_old, svc) => this.enqueue(metaNamespaceKey(svc)),
      onDelete: (svc) => this.enqueue(deletionHandlingKey(svc)),
    });
    podInformer.addEventHandler({
      onAdd: (pod) => this.enqueuePodServices(pod),
      onUpdate: (old, pod) => {
        for (const key of servicesToUpdateOnPodChange(this.services, old, pod)) this.enqueue(key);
      },
      onDelete: (obj) => this.enqueuePodServices(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
    });
    // Pods on a node not yet known were left out; revisit their services when it appears.
    nodeInformer.addEventHandler({
      onAdd: (node) => {
        for (const pod of this.pods.list()) if (pod.spec?.nodeName === node.metadata?.name) this.enqueuePodServices(pod);
      },
    });
    sliceInformer.addEventHandler({
      onAdd: (slice) => {
        if (managedByController(slice) && this.tracker.shouldSync(serviceKeyOf(slice), slice)) this.enqueueForSlice(slice);
      },
      onUpdate: (old, slice) => {
        if (old.metadata?.resourceVersion === slice.metadata?.resourceVersion) return;
        // Users may relabel a slice to another service: both services need a look.
        if (old.metadata?.labels?.[LABEL_SERVICE_NAME] !== slice.metadata?.labels?.[LABEL_SERVICE_NAME]) {
          this.enqueueForSlice(slice);
          this.enqueueForSlice(old);
          return;
        }
        const managedChanged = managedByController(old) !== managedByController(slice);
        if (managedChanged || (managedByController(slice) && this.tracker.shouldSync(serviceKeyOf(slice), slice))) this.enqueueForSlice(slice);
      },
      onDelete: (obj) => {
        const slice = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        const key = serviceKeyOf(slice);
        if (!managedByController(slice) || !this.tracker.has(key, slice)) return;
        // A deletion we did not make: put the slice back.
        if (!this.tracker.handleDeletion(key, slice)) this.enqueueForSlice(slice);
      },
    });
  }

  private enqueuePodServices(pod: Pod): void {
    for (const key of servicesSelecting(this.services, pod)) this.enqueue(key);
  }

  private enqueueForSlice(slice: EndpointSlice): void {
    if (!slice.metadata?.labels?.[LABEL_SERVICE_NAME]) return;
    this.enqueueAfter(serviceKeyOf(slice), SLICE_CHANGE_MIN_SYNC_DELAY_MS);
  }

  /** The slices of one service this controller manages, from the cache. */
  private managedSlices(namespace: string, name: string): EndpointSlice[] {
    return this.slices.listInNamespace(namespace, selectorFromSet({ [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: CONTROLLER_NAME }));
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const api = this.ctx.client.resource(endpointSlices, namespace);
    const service = this.services.get(namespace, name);
    if (!service) {
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(key);
      // Upstream leaves the slices to the garbage collector (they are owned by the service);
      // deleting them here as well keeps a cluster without the collector clean.
      for (const slice of this.managedSlices(namespace, name)) {
        try {
          await api.delete(slice.metadata!.name!);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return;
    }
    // ExternalName services get no endpoints (https://issues.k8s.io/105986); services without a
    // selector get their slices out of band.
    if (service.spec?.type === 'ExternalName' || !hasSelector(service)) return;

    const pods = this.pods.listInNamespace(namespace, selectorFromSet(service.spec!.selector!));
    const existing = this.managedSlices(namespace, name);
    if (this.tracker.stale(key, existing)) throw new Error(`EndpointSlice informer cache is out of date for service ${key}`);
    const triggerTime = this.triggerTimes.compute(service, pods);
    const changes = reconcileSlices({
      service, pods, existing,
      nodeByName: (n) => (n ? this.nodes.get(n) : undefined),
      maxEndpointsPerSlice: this.opts.maxEndpointsPerSlice,
    });

    const errors: string[] = [...changes.errors];
    // As upstream: no new slices for a service being deleted (the collector would race us).
    if (!service.metadata?.deletionTimestamp) {
      for (const slice of changes.create) {
        setTriggerTime(slice, triggerTime);
        try {
          this.tracker.update(key, await api.create(slice));
        } catch (err) {
          // A terminating namespace refuses new objects: nothing will change by retrying.
          if (/being terminated/.test(errorMessage(err))) return;
          errors.push(`failed to create EndpointSlice for Service ${key}: ${errorMessage(err)}`);
        }
      }
    }
    for (const slice of changes.update) {
      setTriggerTime(slice, triggerTime);
      try {
        this.tracker.update(key, await api.update(slice));
      } catch (err) {
        errors.push(`failed to update ${slice.metadata?.name} EndpointSlice for Service ${key}: ${errorMessage(err)}`);
      }
    }
    for (const slice of changes.delete) {
      try {
        await api.delete(slice.metadata!.name!);
        this.tracker.expectDeletion(key, slice);
      } catch (err) {
        if (!isNotFound(err)) errors.push(`failed to delete ${slice.metadata?.name} EndpointSlice for Service ${key}: ${errorMessage(err)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }
}

function serviceKeyOf(slice: EndpointSlice): string {
  return `${slice.metadata?.namespace}/${slice.metadata?.labels?.[LABEL_SERVICE_NAME] ?? ''}`;
}

/** As upstream's addTriggerTimeAnnotation. */
function setTriggerTime(slice: EndpointSlice, triggerTime: number | undefined): void {
  const annotations = { ...(slice.metadata?.annotations ?? {}) };
  if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  slice.metadata = { ...slice.metadata, annotations };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
