// The pure half of the EndpointSlice controller, after upstream's pkg/controller/endpointslice
// reconciler.go: from a service, its pods and its current slices, work out which slices to
// create, update and delete. Endpoints are grouped by the ports they offer (one group of
// slices per port set), at most `maxEndpointsPerSlice` to a slice; changed slices are filled
// before new ones are made, and a service with no endpoints keeps one empty placeholder.
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { IPFamily } from './pod-endpoints.js';
import { findPort, isPodReady, isServiceIPSet, podIPForFamily, serviceIPFamilies, shouldPodBeInEndpoints, shouldSetHostname } from './pod-endpoints.js';
import { semanticEqual } from './semantic-equal.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** As upstream's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out for now (their node is unknown); the service is synced again later. */
  errors: string[];
}

export interface ReconcileInput {
  service: Service;
  pods: Pod[];
  existing: EndpointSlice[];
  nodeByName(name: string): Node | undefined;
  maxEndpointsPerSlice?: number;
}

/** Is this slice one the controller manages (rather than a user's or the mirroring controller's)? */
export function managedByController(slice: EndpointSlice): boolean {
  return slice.metadata?.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
}

export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.uid === service.metadata?.uid && r.kind === 'Service' && r.apiVersion === 'v1');
}

export function reconcileSlices(input: ReconcileInput): SliceChanges {
  const { service, existing } = input;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const families = serviceIPFamilies(service);
  const out: SliceChanges = { create: [], update: [], delete: [], errors: [] };
  // Slices of an address type the service no longer has go.
  for (const s of existing) if (!families.includes(s.addressType as IPFamily)) out.delete.push(s);
  for (const family of families) {
    const r = reconcileAddressType(input, family, existing.filter((s) => s.addressType === family), max);
    out.create.push(...r.create);
    out.update.push(...r.update);
    out.delete.push(...r.delete);
    out.errors.push(...r.errors);
  }
  reuseSlicesToDelete(service, out);
  return out;
}

interface DesiredGroup {
  ports: EndpointPort[];
  /** endpoint identity → endpoint */
  endpoints: Map<string, Endpoint>;
}

function reconcileAddressType(input: ReconcileInput, family: IPFamily, existing: EndpointSlice[], max: number): SliceChanges {
  const { service, pods } = input;
  const out: SliceChanges = { create: [], update: [], delete: [], errors: [] };
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    // Slices of a former service of the same name are not ours to reuse.
    if (!ownedBy(s, service)) {
      out.delete.push(s);
      continue;
    }
    const key = portsKey(s.ports ?? []);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }

  const desired = new Map<string, DesiredGroup>();
  const sortedPods = [...pods].sort((a, b) => (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1);
  for (const pod of sortedPods) {
    // Terminating pods stay, marked terminating (upstream passes includeTerminating=true).
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const key = portsKey(ports);
    let group = desired.get(key);
    if (!group) desired.set(key, (group = { ports, endpoints: new Map() }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = input.nodeByName(nodeName);
    // As upstream: a pod on an unknown node is left out (and the service retried), unless
    // the service publishes not-ready addresses, which asks for every pod's address.
    if (!node && service.spec?.publishNotReadyAddresses !== true) {
      out.errors.push(`skipping Pod ${pod.metadata?.name} for Service ${service.metadata?.namespace}/${service.metadata?.name}: Node ${nodeName} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, service, family);
    if (ep.addresses.length > 0) group.endpoints.set(endpointIdentity(ep), ep);
  }

  for (const [key, group] of desired) {
    const r = reconcilePortGroup(service, existingByPorts.get(key) ?? [], group, family, max);
    out.create.push(...r.create);
    out.update.push(...r.update);
    out.delete.push(...r.delete);
  }
  // Port sets no longer offered by any pod: their slices go.
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) out.delete.push(...slices);

  // A service without endpoints keeps one empty slice, so consumers can tell "no endpoints"
  // from "not yet processed".
  if (existing.length === out.delete.length && out.create.length === 0) {
    const placeholder = newSlice(service, [], family);
    if (out.delete.length === 1 && isPlaceholderFor(out.delete[0]!, placeholder)) out.delete = [];
    else out.create.push(placeholder);
  }
  return out;
}

function reconcilePortGroup(service: Service, existing: EndpointSlice[], group: DesiredGroup, family: IPFamily, max: number): SliceChanges {
  const wanted = new Map(group.endpoints);
  const byName = new Map<string, EndpointSlice>();
  const unchanged: string[] = [];
  const toUpdate = new Set<string>();
  const toDelete: EndpointSlice[] = [];

  // 1. Drop endpoints no longer wanted from existing slices; refresh those that changed.
  for (const slice of existing) {
    const name = slice.metadata!.name!;
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const id = endpointIdentity(ep);
      const want = wanted.get(id);
      if (!want) continue;
      kept.push(want);
      if (!semanticEqual(want, ep)) changed = true;
      wanted.delete(id);
    }
    const labels = sliceLabels(service);
    const labelsChanged = !semanticEqual(labels, slice.metadata?.labels ?? {});
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) {
        toDelete.push(slice);
      } else {
        const copy = structuredClone(slice);
        copy.endpoints = kept;
        copy.metadata!.labels = labels;
        byName.set(name, copy);
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(slice);
      copy.metadata!.labels = labels;
      byName.set(name, copy);
      toUpdate.add(name);
    } else {
      unchanged.push(name);
    }
  }

  const remaining = [...wanted.values()];
  // 2. Fill the slices we are updating anyway, fullest first.
  if (remaining.length > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of slices) {
      s.endpoints ??= [];
      while (remaining.length > 0 && s.endpoints.length < max) s.endpoints.push(remaining.shift()!);
    }
  }

  // 3. Put what is left into one unchanged slice with room for all of it, else into new slices.
  const create: EndpointSlice[] = [];
  while (remaining.length > 0) {
    let target: EndpointSlice | undefined;
    if (remaining.length < max && unchanged.length > 0) {
      const fit = sliceToFill(unchanged.map((n) => byName.get(n)!), remaining.length, max);
      if (fit) {
        target = structuredClone(fit);
        byName.set(fit.metadata!.name!, target);
        toUpdate.add(fit.metadata!.name!);
        unchanged.splice(unchanged.indexOf(fit.metadata!.name!), 1);
      }
    }
    if (!target) {
      target = newSlice(service, group.ports, family);
      create.push(target);
    }
    target.endpoints ??= [];
    while (remaining.length > 0 && target.endpoints.length < max) target.endpoints.push(remaining.shift()!);
  }

  return { create, update: [...toUpdate].map((n) => byName.get(n)!), delete: toDelete, errors: [] };
}

/** As upstream's getSliceToFill: the fullest unchanged slice that still fits `count` more. */
function sliceToFill(slices: EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  for (const s of slices) {
    const n = s.endpoints?.length ?? 0;
    if (n + count > max) continue;
    if (!best || n > (best.endpoints?.length ?? 0)) best = s;
  }
  return best;
}

/**
 * As upstream's finalize: rather than delete one slice and create another, the new content
 * is written over the doomed slice (same address type, owned by this service).
 */
function reuseSlicesToDelete(service: Service, changes: SliceChanges): void {
  for (let i = 0; i < changes.delete.length && changes.create.length > 0;) {
    const doomed = changes.delete[i]!;
    const fresh = changes.create[changes.create.length - 1]!;
    if (doomed.addressType === fresh.addressType && ownedBy(doomed, service)) {
      fresh.metadata = { ...fresh.metadata, name: doomed.metadata!.name, resourceVersion: doomed.metadata!.resourceVersion, annotations: doomed.metadata?.annotations };
      delete fresh.metadata.generateName;
      changes.create.pop();
      changes.update.push(fresh);
      changes.delete.splice(i, 1);
    } else {
      i++;
    }
  }
}

/** As upstream's podToEndpoint. */
export function podToEndpoint(pod: Pod, node: Node | undefined, service: Service, family: IPFamily): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // For compatibility, "ready" is never true for a terminating endpoint unless the service
  // publishes not-ready addresses.
  const ready = service.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ip = podIPForFamily(pod, family);
  const ep: Endpoint = {
    addresses: ip ? [ip] : [],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, service)) ep.hostname = pod.spec!.hostname;
  return ep;
}

/** As upstream's getEndpointPorts: the service's ports as this pod offers them. */
export function endpointPorts(service: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of service.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** As upstream's setEndpointSliceLabels: the service's labels plus the reserved ones. */
export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata?.labels ?? {})) {
    if (k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === HEADLESS_LABEL) continue;
    labels[k] = v;
  }
  if (!isServiceIPSet(service)) labels[HEADLESS_LABEL] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata!.name!;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

/** As upstream's newEndpointSlice. */
export function newSlice(service: Service, ports: EndpointPort[], family: IPFamily): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata!.name}-`,
      namespace: service.metadata!.namespace,
      labels: sliceLabels(service),
      ownerReferences: [{
        apiVersion: 'v1', kind: 'Service', name: service.metadata!.name!, uid: service.metadata!.uid!, controller: true, blockOwnerDeletion: true,
      }],
    },
    addressType: family,
    endpoints: [],
    ...(ports.length ? { ports } : {}),
  };
}

function isPlaceholderFor(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (slice.endpoints ?? []).length === 0 && (slice.ports ?? []).length === 0 && slice.addressType === placeholder.addressType &&
    semanticEqual(slice.metadata?.labels, placeholder.metadata?.labels) && semanticEqual(slice.metadata?.ownerReferences, placeholder.metadata?.ownerReferences);
}

/** A port set's identity, order-independent (upstream's NewPortMapKey). */
function portsKey(ports: EndpointPort[]): string {
  return ports.map((p) => JSON.stringify([p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? ''])).sort().join('|');
}

/** An endpoint's identity (upstream's hashEndpoint): its addresses, hostname and target pod. */
function endpointIdentity(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}
