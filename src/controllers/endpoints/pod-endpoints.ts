// What the Endpoints and EndpointSlice controllers both ask of a pod and its service, after
// upstream's pkg/controller/util/endpointslice (ShouldPodBeInEndpoints, ShouldSetHostname,
// GetServicesToUpdateOnPodChange) and pkg/api/v1/pod (IsPodReady, FindPort).
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../api/labels.js';
import type { Lister } from '../../client/lister.js';
import { metaNamespaceKey } from '../../client/indexer.js';

/** As upstream's IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** As upstream's IsPodTerminal: Succeeded or Failed. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * As upstream's ShouldPodBeInEndpoints: terminal pods and pods without an IP never are; pods
 * being deleted only when `includeTerminating` (publishNotReadyAddresses for Endpoints,
 * always for EndpointSlices, which mark them terminating instead).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** As upstream's ShouldSetHostname: the pod's subdomain names this service, in its namespace. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/** As upstream's IsServiceIPSet: false for headless services (clusterIP None or unset). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

export type IPFamily = 'IPv4' | 'IPv6';

export function ipFamilyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The pod's IPs, podIPs first (they include podIP), as the kubelet reports them. */
function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** The pod's first IP of `family`, as upstream's podToEndpointAddressForService picks it. */
export function podIPForFamily(pod: Pod, family: IPFamily): string | undefined {
  return podIPs(pod).find((ip) => ipFamilyOf(ip) === family);
}

/**
 * The IP families a service's endpoints are of: spec.ipFamilies, else the family of its
 * clusterIP, else IPv4 (as upstream's getAddressTypesForService for legacy headless services).
 */
export function serviceIPFamilies(svc: Service): IPFamily[] {
  const fams = (svc.spec?.ipFamilies ?? []).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  if (fams.length) return fams;
  if (isServiceIPSet(svc)) return [ipFamilyOf(svc.spec!.clusterIP!)];
  return ['IPv4'];
}

/**
 * As upstream's FindPort: a named targetPort is the container port of that name and the
 * service port's protocol (regular containers, then restartable init containers, i.e.
 * sidecars); a number is itself. Undefined when the pod has no such port.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  const protocol = svcPort.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/**
 * Services without a selector get their endpoints by hand. An empty selector counts as none:
 * Go's omitempty stores `selector: {}` as nil, so upstream never sees an empty one.
 */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/** Keys of the services in the pod's namespace whose selector matches it. */
export function servicesSelecting(services: Lister<Service>, pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const out: string[] = [];
  for (const svc of services.listInNamespace(ns)) {
    const sel = svc.spec?.selector;
    if (!hasSelector(svc)) continue;
    if (selectorFromSet(sel!).matches(pod.metadata?.labels ?? {})) out.push(metaNamespaceKey(svc));
  }
  return out;
}

/**
 * As upstream's GetServicesToUpdateOnPodChange: the services of the old and new pod when the
 * labels changed, else those of the new pod when anything endpoints show changed.
 */
export function servicesToUpdateOnPodChange(services: Lister<Service>, oldPod: Pod, newPod: Pod): Set<string> {
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return new Set();
  const labelsChanged = !sameMap(oldPod.metadata?.labels, newPod.metadata?.labels);
  if (!labelsChanged && !podChangedForEndpoints(oldPod, newPod)) return new Set();
  const keys = new Set(servicesSelecting(services, newPod));
  if (labelsChanged) for (const k of servicesSelecting(services, oldPod)) keys.add(k);
  return keys;
}

/** As upstream's podEndpointsChanged: what an endpoint built from the pod would show. */
function podChangedForEndpoints(a: Pod, b: Pod): boolean {
  if (isPodReady(a) !== isPodReady(b)) return true;
  if (!!a.metadata?.deletionTimestamp !== !!b.metadata?.deletionTimestamp) return true;
  if (isPodTerminal(a) !== isPodTerminal(b)) return true;
  if (JSON.stringify(podIPs(a)) !== JSON.stringify(podIPs(b))) return true;
  if (a.spec?.nodeName !== b.spec?.nodeName) return true;
  if (a.spec?.hostname !== b.spec?.hostname || a.spec?.subdomain !== b.spec?.subdomain) return true;
  // Named ports may resolve differently (pods' container ports are immutable, but be safe).
  return JSON.stringify(a.spec?.containers?.map((c) => c.ports)) !== JSON.stringify(b.spec?.containers?.map((c) => c.ports));
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}
