// How a Service update treats the fields that come from allocation pools, as upstream's
// service storage (patchAllocatedValues) and strategy (dropTypeDependentFields) do: values a
// client omitted are carried over, and values that stop applying with a type change are
// cleared (then released) unless the client changed them in the same request.
import type { KubeObject } from '../../api/kinds.js';

type Spec = Record<string, any>;

export const needsClusterIP = (s: Spec): boolean => s.type !== 'ExternalName';
export const needsNodePort = (s: Spec): boolean => s.type === 'NodePort' || s.type === 'LoadBalancer';
export const needsHealthCheckNodePort = (s: Spec): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';

/** Node ports in use by a Service: every port's nodePort and its healthCheckNodePort. */
export function nodePortsOf(s: Spec): number[] {
  const out: number[] = [];
  for (const p of Array.isArray(s.ports) ? s.ports : []) if (p?.nodePort) out.push(p.nodePort);
  if (s.healthCheckNodePort) out.push(s.healthCheckNodePort);
  return out;
}

/** The strategy step for a Service update (after status is carried over). */
export function prepareServiceUpdate(obj: KubeObject, old: KubeObject): void {
  if (!obj.spec || !old.spec) return;
  patchAllocatedValues(obj.spec, old.spec);
  dropTypeDependentFields(obj, old.spec);
}

function patchAllocatedValues(spec: Spec, oldSpec: Spec): void {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs?.length && oldSpec.clusterIPs?.length) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    const ports = (s: Spec): any[] => (Array.isArray(s.ports) ? s.ports : []);
    // A value the client still uses elsewhere in the Service cannot be patched in again.
    const newValues = new Set(ports(spec).map((p) => p?.nodePort).filter(Boolean));
    const byName = new Map<string, number>();
    for (const p of ports(oldSpec)) if (p?.nodePort) byName.set(p.name ?? '', p.nodePort);
    for (const p of ports(spec)) {
      if (!p || p.nodePort) continue;
      const old = byName.get(p.name ?? '');
      if (old && !newValues.has(old)) p.nodePort = old;
    }
  }
  if (needsHealthCheckNodePort(oldSpec) && needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

function dropTypeDependentFields(obj: KubeObject, oldSpec: Spec): void {
  const spec: Spec = obj.spec;
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (spec.clusterIP === oldSpec.clusterIP && sameList(spec.clusterIPs, oldSpec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const oldPorts = new Set(nodePortsOf({ ports: oldSpec.ports }));
    const unchanged = nodePortsOf({ ports: spec.ports }).every((p) => oldPorts.has(p));
    if (unchanged) for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (p) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(oldSpec) && !needsHealthCheckNodePort(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  // As upstream: the load-balancer status goes with the type.
  if (spec.type !== 'LoadBalancer' && obj.status?.loadBalancer && Object.keys(obj.status.loadBalancer).length) {
    obj.status = { ...obj.status, loadBalancer: {} };
  }
}

function sameList(a: unknown, b: unknown): boolean {
  const x = Array.isArray(a) ? a : [];
  const y = Array.isArray(b) ? b : [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
