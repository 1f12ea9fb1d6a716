// The Endpoints controller, after upstream's pkg/controller/endpoint: for every Service with
// a selector, an Endpoints object of the same name listing the selected pods' IPs, ready ones
// under `addresses` and the others under `notReadyAddresses`, grouped by the ports they
// offer. Services without a selector (and ExternalName ones) are left to their owners.
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../api/labels.js';
import { isForbidden, isNotFound } from '../../client/errors.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { DeletedFinalStateUnknown, deletionHandlingKey, metaNamespaceKey, splitMetaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { endpoints as endpointsResource, pods as podsResource, services as servicesResource } from '../../client/resources.js';
import { QueueController } from '../controller.js';
import type { ControllerContext } from '../controller.js';
import {
  findPort, hasSelector, isPodReady, isServiceIPSet, podIPForFamily, servicesSelecting, servicesToUpdateOnPodChange,
  serviceIPFamilies, shouldPodBeInEndpoints, shouldSetHostname,
} from './pod-endpoints.js';
import { repackSubsets } from './repack-subsets.js';
import { semanticEqual } from './semantic-equal.js';
import { formatRFC3339Nano, LAST_CHANGE_TRIGGER_TIME, TriggerTimeTracker } from './trigger-time-tracker.js';

/** As upstream's v1.IsHeadlessService label, set on the Endpoints of headless services. */
export const HEADLESS_SERVICE_LABEL = 'service.kubernetes.io/headless';
/** As upstream's v1.EndpointsOverCapacity. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** As upstream's maxCapacity: Endpoints hold at most this many addresses. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** Leader-election records kept in Endpoints have no service and must not be cleaned up. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController extends QueueController {
  readonly name = 'endpoint';
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly endpoints: Lister<Endpoints>;
  private readonly recorder: EventRecorder;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** key → resourceVersions we replaced; seeing one in the cache means the cache is behind. */
  private readonly staleVersions = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    super(ctx);
    const svcInformer = ctx.informers.informerFor(servicesResource);
    const podInformer = ctx.informers.informerFor(podsResource);
    const epInformer = ctx.informers.informerFor(endpointsResource);
    this.services = svcInformer.lister;
    this.pods = podInformer.lister;
    this.endpoints = epInformer.lister;
    this.recorder = ctx.recorder('endpoint-controller');

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
    // As upstream: Endpoints deleted behind our back are recreated.
    epInformer.addEventHandler({ onDelete: (ep) => this.enqueue(deletionHandlingKey(ep)) });
  }

  override start(): void {
    super.start();
    this.checkLeftoverEndpoints();
  }

  /** As upstream: Endpoints whose service went while we were down are found once at start. */
  private checkLeftoverEndpoints(): void {
    for (const ep of this.endpoints.list()) {
      if (ep.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.enqueue(metaNamespaceKey(ep));
    }
  }

  private enqueuePodServices(pod: Pod): void {
    for (const key of servicesSelecting(this.services, pod)) this.enqueue(key);
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const api = this.ctx.client.resource(endpointsResource, namespace);
    // The `kubernetes` service's endpoints are the API server's own (its bootstrap writes them).
    if (namespace === 'default' && name === 'kubernetes') return;
    const service = this.services.get(namespace, name);
    if (!service) {
      // The service is gone: so are its endpoints.
      try {
        await api.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.staleVersions.delete(key);
      return;
    }
    // ExternalName services get no endpoints (https://issues.k8s.io/105986); services without a
    // selector get theirs out of band.
    if (service.spec?.type === 'ExternalName' || !hasSelector(service)) return;

    const pods = this.pods.listInNamespace(namespace, selectorFromSet(service.spec!.selector!));
    // Computed before deciding whether to write, so the tracker's state follows every sync.
    const triggerTime = this.triggerTimes.compute(service, pods);
    const subsets = repackSubsets(desiredSubsets(service, pods));

    const current = this.endpoints.get(namespace, name);
    if (current && this.staleVersions.get(key) === current.metadata?.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata?.resourceVersion} already processed for endpoints ${key}`);
    }
    const currentLabels = { ...(current?.metadata?.labels ?? {}) };
    delete currentLabels[HEADLESS_SERVICE_LABEL];
    if (current && semanticEqual(current.subsets, subsets) && semanticEqual(currentLabels, service.metadata?.labels ?? {}) &&
      capacityAnnotationCorrect(current)) {
      return;
    }

    const next: Endpoints = current ? structuredClone(current) : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    next.subsets = subsets;
    const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
    if (!isServiceIPSet(service)) labels[HEADLESS_SERVICE_LABEL] = '';
    next.metadata!.labels = labels;
    const annotations: Record<string, string> = { ...(next.metadata!.annotations ?? {}) };
    if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncateEndpoints(next)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    next.metadata!.annotations = annotations;

    try {
      if (!current) {
        await api.create(next);
      } else {
        const written = await api.update(next);
        if (written.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
          this.staleVersions.set(key, current.metadata?.resourceVersion ?? '');
        }
      }
    } catch (err) {
      // As upstream: a terminating namespace refuses new objects; nothing to retry.
      if (!current && isForbidden(err) && /being terminated/.test(err instanceof Error ? err.message : '')) return;
      const message = err instanceof Error ? err.message : String(err);
      if (!current) this.recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${message}`);
      else this.recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${message}`);
      throw err;
    }
  }
}

/** One subset per pod and port (as upstream's addEndpointSubset), before repacking. */
export function desiredSubsets(service: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const family = serviceIPFamilies(service)[0]!;
  const out: EndpointSubset[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPForFamily(pod, family);
    // A pod without an IP of the service's family (a half-upgraded dual-stack node) is skipped.
    if (!ip) continue;
    const address = endpointAddress(pod, ip, service);
    const ready = publishNotReady || isPodReady(pod);
    const add = (ports: EndpointPort[]) =>
      out.push(ready ? { addresses: [address], ports } : { notReadyAddresses: [address], ports });
    const svcPorts = service.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // Headless services may have no ports: their endpoints are bare addresses.
      if (!isServiceIPSet(service)) add([]);
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { name: sp.name, port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      add([ep]);
    }
  }
  return out;
}

function endpointAddress(pod: Pod, ip: string, service: Service): EndpointAddress {
  const address: EndpointAddress = {
    ip,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, service)) address.hostname = pod.spec!.hostname;
  return address;
}

function countAddresses(subsets: EndpointSubset[] | undefined): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets ?? []) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/** As upstream's capacityAnnotationSetCorrectly. */
function capacityAnnotationCorrect(ep: Endpoints): boolean {
  const { ready, notReady } = countAddresses(ep.subsets);
  if (ready + notReady > MAX_ENDPOINTS_CAPACITY) return false;
  return ep.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
}

/**
 * As upstream's truncateEndpoints: keeps at most MAX_ENDPOINTS_CAPACITY addresses, ready ones
 * first, taking from each subset in proportion to its size. True when it truncated.
 */
export function truncateEndpoints(ep: Endpoints): boolean {
  const { ready, notReady } = countAddresses(ep.subsets);
  if (ready + notReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = ready > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - ready;
  const total = truncateReady ? ready : notReady;
  let canBeAdded = max;
  for (const s of ep.subsets ?? []) {
    const list = truncateReady ? s.addresses : s.notReadyAddresses;
    const inSubset = list?.length ?? 0;
    const keep = Math.min(canBeAdded, Math.ceil((inSubset / total) * max));
    canBeAdded -= keep;
    if (truncateReady) {
      s.addresses = s.addresses?.slice(0, keep);
      s.notReadyAddresses = undefined;
    } else {
      s.notReadyAddresses = s.notReadyAddresses?.slice(0, keep);
    }
  }
  return true;
}
