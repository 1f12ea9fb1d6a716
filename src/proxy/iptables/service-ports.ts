// What the iptables proxier needs of a Service, flattened per service port (upstream's
// ServicePort from pkg/proxy/service.go), and of its EndpointSlices, flattened per port
// (upstream's EndpointSliceCache). Pure functions.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ServicePortChains } from './chain-names.js';
import { endpointChain, servicePortChains } from './chain-names.js';

/** Upstream's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_STICKY_MAX_AGE_SECONDS = 10_800;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export type IptablesProtocol = 'tcp' | 'udp' | 'sctp';

export interface IptablesServicePort {
  /** `namespace/name` of the Service: the unit of incremental sync. */
  service: string;
  /** Upstream's ServicePortName string: `ns/name:port`, or `ns/name` for an unnamed port. */
  name: string;
  portName: string;
  protocol: IptablesProtocol;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  /** 0: no session affinity. */
  stickyMaxAgeSeconds: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  chains: ServicePortChains;
}

export interface IptablesEndpoint {
  ip: string;
  port: number;
  /** `ip:port`, as upstream's BaseEndpointInfo.String(). */
  address: string;
  isLocal: boolean;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  chain: string;
}

export const serviceKey = (svc: Service): string => `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;

/** As upstream's ExternallyAccessible: NodePorts, LoadBalancer VIPs or externalIPs. */
export function externallyAccessible(p: Pick<IptablesServicePort, 'nodePort' | 'loadBalancerIPs' | 'externalIPs'>): boolean {
  return p.nodePort !== 0 || p.loadBalancerIPs.length > 0 || p.externalIPs.length > 0;
}

/** As upstream: Cluster endpoints are needed unless all traffic is internal and Local. */
export function usesClusterEndpoints(p: IptablesServicePort): boolean {
  return !p.internalPolicyLocal || externallyAccessible(p);
}

export function usesLocalEndpoints(p: IptablesServicePort): boolean {
  return p.internalPolicyLocal || (p.externalPolicyLocal && externallyAccessible(p));
}

const isIPv4 = (ip: string) => /^\d+\.\d+\.\d+\.\d+$/.test(ip);

/**
 * The IPv4 service ports of `svc` (this proxier is single-stack IPv4, as the cluster). As
 * upstream, headless and ExternalName Services are not proxied; LoadBalancer ingress IPs
 * whose ipMode is Proxy are left to the load balancer.
 */
export function servicePortsOf(svc: Service): IptablesServicePort[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const clusterIP = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP ?? '']).find(isIPv4);
  if (!clusterIP) return [];
  const key = serviceKey(svc);
  const type = spec.type ?? 'ClusterIP';
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const loadBalancerIPs = type === 'LoadBalancer'
    ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && isIPv4(i.ip) && (i.ipMode ?? 'VIP') === 'VIP').map((i) => i.ip!)
    : [];
  const sticky = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_MAX_AGE_SECONDS : 0;
  const out: IptablesServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as IptablesProtocol;
    const portName = p.name ?? '';
    const name = portName ? `${key}:${portName}` : key;
    const nodePort = (type === 'NodePort' || type === 'LoadBalancer') && p.nodePort ? p.nodePort : 0;
    const port: IptablesServicePort = {
      service: key,
      name,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerIPs,
      loadBalancerSourceRanges: type === 'LoadBalancer' ? (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => r.includes('.')) : [],
      stickyMaxAgeSeconds: sticky,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: false,
      chains: servicePortChains(name, protocol),
    };
    port.externalPolicyLocal = externallyAccessible(port) && spec.externalTrafficPolicy === 'Local';
    out.push(port);
  }
  return out;
}

/**
 * The endpoints of `port` across the Service's slices: ports matched by name and protocol,
 * an address seen in two slices kept once (the ready copy wins), sorted by `ip:port` as
 * upstream so rule order (and so the restore input) is stable. Nil conditions count as
 * ready/serving, as upstream.
 */
export function endpointsForPort(slices: readonly EndpointSlice[], port: IptablesServicePort, nodeName: string): IptablesEndpoint[] {
  const seen = new Map<string, IptablesEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const sp = slice.ports?.find((x) => (x.name ?? '') === port.portName && (x.protocol ?? 'TCP').toLowerCase() === port.protocol);
    if (!sp || sp.port === undefined || sp.port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const address = `${ip}:${sp.port}`;
      const info: IptablesEndpoint = {
        ip,
        port: sp.port,
        address,
        isLocal: ep.nodeName === nodeName,
        ready: ep.conditions?.ready ?? true,
        serving: ep.conditions?.serving ?? ep.conditions?.ready ?? true,
        terminating: ep.conditions?.terminating ?? false,
        chain: '',
      };
      const prev = seen.get(address);
      if (!prev || (!prev.ready && info.ready)) seen.set(address, info);
    }
  }
  const out = [...seen.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const ep of out) ep.chain = endpointChain(port.name, port.protocol, ep.address);
  return out;
}

export interface CategorizedEndpoints {
  cluster: IptablesEndpoint[];
  local: IptablesEndpoint[];
  /** Endpoints that need a KUBE-SEP chain: those in either list. */
  allReachable: IptablesEndpoint[];
  /** Whether any endpoint (ready, or serving and terminating) exists anywhere. */
  hasAny: boolean;
}

/**
 * Upstream's CategorizeEndpoints (pkg/proxy/topology.go), without topology hints: Ready
 * endpoints, falling back to serving-and-terminating ones when none is Ready, separately for
 * the Cluster set and this node's Local set.
 */
export function categorizeEndpoints(endpoints: readonly IptablesEndpoint[], port: IptablesServicePort): CategorizedEndpoints {
  let cluster: IptablesEndpoint[] = [];
  let local: IptablesEndpoint[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(port)) {
    cluster = endpoints.filter((ep) => ep.ready);
    if (cluster.length === 0) cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!usesLocalEndpoints(port)) return { cluster, local, allReachable: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAny = true;
      if (ep.isLocal) localReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAny = true;
      if (ep.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) local = endpoints.filter((ep) => ep.isLocal && ep.ready);
  else if (localServingTerminating) local = endpoints.filter((ep) => ep.isLocal && ep.serving && ep.terminating);
  if (!usesClusterEndpoints(port)) return { cluster, local, allReachable: local, hasAny };
  const inEither = new Set([...cluster, ...local]);
  return { cluster, local, allReachable: endpoints.filter((ep) => inEither.has(ep)), hasAny };
}
