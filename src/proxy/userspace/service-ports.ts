// What the proxy needs of a Service and its EndpointSlices, flattened per service port (as
// upstream's ServicePortName: namespace/name:portName with its protocol). Pure functions.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export type ProxyProtocol = 'TCP' | 'UDP';

/** Upstream's default sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

/** The label an EndpointSlice carries to name its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface ServicePortSpec {
  /** `namespace/name:portName/protocol`: stable while the port keeps its name and protocol. */
  id: string;
  /** `namespace/name` of the Service. */
  service: string;
  portName: string;
  protocol: ProxyProtocol;
  port: number;
  nodePort?: number;
  /** IPv4/IPv6 ClusterIPs (empty for headless). */
  clusterIPs: string[];
  externalIPs: string[];
  /** A LoadBalancer served by the built-in service LB: also listen on nodeAddress:port (as klipper-lb's hostPort). */
  loadBalancerOnNodes: boolean;
  /** 0 when sessionAffinity is None. */
  affinityTimeoutMs: number;
  /** externalTrafficPolicy: Local (applies to NodePort, LoadBalancer and externalIPs). */
  externalLocal: boolean;
  /** internalTrafficPolicy: Local (applies to ClusterIPs). */
  internalLocal: boolean;
}

export interface EndpointInfo {
  ip: string;
  port: number;
  nodeName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export function endpointKey(ep: Pick<EndpointInfo, 'ip' | 'port'>): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

export function serviceKeyOf(svc: Service): string {
  return `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
}

/**
 * The ports the proxy serves for `svc`. As upstream, headless (clusterIP None) and
 * ExternalName Services are not proxied, and SCTP is not supported by this mode.
 */
export function servicePortsOf(svc: Service, opts: { loadBalancerClass?: string } = {}): ServicePortSpec[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
  const type = spec.type ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const affinity = spec.sessionAffinity === 'ClientIP';
  const timeoutSeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  const key = serviceKeyOf(svc);
  const out: ServicePortSpec[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    if (protocol !== 'TCP' && protocol !== 'UDP') continue;
    const portName = p.name ?? '';
    out.push({
      id: `${key}:${portName}/${protocol}`,
      service: key,
      portName,
      protocol,
      port: p.port,
      nodePort: external && p.nodePort ? p.nodePort : undefined,
      clusterIPs,
      externalIPs: spec.externalIPs ?? [],
      loadBalancerOnNodes: type === 'LoadBalancer' && (spec.loadBalancerClass ?? undefined) === opts.loadBalancerClass,
      affinityTimeoutMs: affinity ? timeoutSeconds * 1000 : 0,
      externalLocal: spec.externalTrafficPolicy === 'Local' && (external || (spec.externalIPs?.length ?? 0) > 0),
      internalLocal: spec.internalTrafficPolicy === 'Local',
    });
  }
  // Headless services have no virtual IP to serve, but NodePorts need one (the API rejects that combination anyway).
  return clusterIPs.length ? out : [];
}

/**
 * The endpoints of one service port across all of the Service's slices, as upstream's
 * EndpointSliceCache: ports matched by name and protocol, duplicates (the same ip:port in two
 * slices) merged, FQDN slices ignored. A nil ready or serving condition counts as true.
 */
export function endpointsForPort(slices: readonly EndpointSlice[], portName: string, protocol: ProxyProtocol): EndpointInfo[] {
  const seen = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port || port.port === undefined || port.port === null) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const info: EndpointInfo = {
        ip,
        port: port.port,
        nodeName: ep.nodeName ?? undefined,
        ready: ep.conditions?.ready ?? true,
        serving: ep.conditions?.serving ?? true,
        terminating: ep.conditions?.terminating ?? false,
      };
      const k = endpointKey(info);
      // Prefer the ready copy when two slices disagree during a move between slices.
      const prev = seen.get(k);
      if (!prev || (!prev.ready && info.ready)) seen.set(k, info);
    }
  }
  return [...seen.values()].sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)));
}
