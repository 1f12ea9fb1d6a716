// ClusterIP and NodePort allocation for one Service write, after upstream's service storage
// (pkg/registry/core/service/storage/alloc.go): fills in what the Service needs and returns
// the resources it will hold, or throws the error upstream answers. Pure over `isFree`: who
// holds what (and reserving it) is the caller's.
import type { KubeObject } from '../../api/kinds.js';
import type { FieldError } from '../../api/errors.js';
import { InternalError, InvalidError } from '../../api/errors.js';
import { invalid } from '../../api/validation/field-errors.js';
import { ipKey, portKey, type Resource } from './allocation-ledger.js';
import { IpRange } from '../../net/ip-range.js';
import { PortRange } from './port-range.js';
import { IP_BAND, PORT_BAND, pickFree, staticBandSize } from './random-scan.js';
import { needsClusterIP, needsHealthCheckNodePort, needsNodePort, nodePortsOf } from './service-fields.js';

type Spec = Record<string, any>;

export interface ServiceAllocatorOptions {
  /** Upstream --service-cluster-ip-range (default 10.43.0.0/16, as k3s). */
  serviceClusterIPRange?: string;
  /** Upstream --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  random?: () => number;
}

/** Ports reserved within one allocation, so one Service does not get the same value twice. */
type IsFree = (r: Resource) => boolean;

export class ServiceAllocator {
  readonly ipRange: IpRange;
  readonly portRange: PortRange;
  private readonly random: () => number;

  constructor(opts: ServiceAllocatorOptions = {}) {
    this.ipRange = new IpRange(opts.serviceClusterIPRange ?? '10.43.0.0/16');
    this.portRange = new PortRange(opts.serviceNodePortRange ?? '30000-32767');
    this.random = opts.random ?? Math.random;
  }

  /** The resources a stored Service holds. */
  holdings(svc: KubeObject): Resource[] {
    const spec: Spec = svc.spec ?? {};
    const out: Resource[] = [];
    for (const ip of clusterIPsOf(spec)) if (ip !== 'None') out.push(ipKey(ip));
    for (const p of nodePortsOf(spec)) out.push(portKey(p));
    return out;
  }

  /** Allocates for a new Service (mutating it); returns what it holds. */
  allocateCreate(svc: KubeObject, isFree: IsFree): Resource[] {
    const spec: Spec = (svc.spec ??= {});
    const name = svc.metadata?.name ?? '';
    const op = new Operation(isFree);
    if (needsClusterIP(spec)) this.allocateClusterIPs(name, spec, op);
    if (needsNodePort(spec)) this.allocateNodePorts(name, spec, undefined, op);
    if (needsHealthCheckNodePort(spec)) this.allocateHealthCheckNodePort(spec, op);
    return this.holdings(svc);
  }

  /**
   * Allocates what an update newly needs (a type change to NodePort or LoadBalancer, from
   * ExternalName, to externalTrafficPolicy Local). Values the old Service held stay its own;
   * those it no longer uses are released when the update is stored.
   */
  allocateUpdate(svc: KubeObject, old: KubeObject, isFree: IsFree): Resource[] {
    const spec: Spec = (svc.spec ??= {});
    const oldSpec: Spec = old.spec ?? {};
    const name = svc.metadata?.name ?? '';
    const oldHeld = new Set(this.holdings(old));
    const op = new Operation((r) => oldHeld.has(r) || isFree(r));
    // Upstream allocates on a change from ExternalName; a Service stored before allocation
    // existed (no ClusterIP at all) gets one the same way.
    if (needsClusterIP(spec) && (!needsClusterIP(oldSpec) || clusterIPsOf(spec).length === 0)) {
      this.allocateClusterIPs(name, spec, op);
    }
    if (needsNodePort(spec)) this.allocateNodePorts(name, spec, oldSpec, op);
    if (needsHealthCheckNodePort(spec) && !(needsHealthCheckNodePort(oldSpec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort && spec.healthCheckNodePort)) {
      this.allocateHealthCheckNodePort(spec, op);
    }
    return this.holdings(svc);
  }

  private allocateClusterIPs(name: string, spec: Spec, op: Operation): void {
    if (!spec.clusterIP && Array.isArray(spec.clusterIPs) && spec.clusterIPs[0]) spec.clusterIP = spec.clusterIPs[0];
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    if (spec.clusterIP === 'None') return; // headless: no address
    this.checkFamilies(name, spec);
    const requested: string | undefined = spec.clusterIP || undefined;
    let ip: string;
    if (requested) {
      const problem = !this.ipRange.contains(requested)
        ? `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.ipRange}`
        : op.isFree(ipKey(requested)) ? undefined : 'provided IP is already allocated';
      if (problem) {
        throw invalidService(name, [goStringSliceInvalid('spec.clusterIPs', spec.clusterIPs ?? [requested], `failed to allocate IP ${requested}: ${problem}`)]);
      }
      ip = requested;
    } else {
      const band = staticBandSize(this.ipRange.size, IP_BAND);
      const slot = pickFree(this.ipRange.size, band, (i) => op.isFree(ipKey(this.ipRange.ipAt(i))), this.random);
      if (slot === undefined) throw new InternalError('failed to allocate a serviceIP: range is full');
      ip = this.ipRange.ipAt(slot);
    }
    op.take(ipKey(ip));
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }

  /** This cluster is single-stack IPv4, so other families are refused as upstream does. */
  private checkFamilies(name: string, spec: Spec): void {
    const errs: FieldError[] = [];
    if (spec.ipFamilyPolicy === 'RequireDualStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
    }
    (Array.isArray(spec.ipFamilies) ? spec.ipFamilies : []).forEach((f: string, i: number) => {
      if (f !== 'IPv4') errs.push(invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    });
    if (errs.length) throw invalidService(name, errs);
  }

  private allocateNodePorts(name: string, spec: Spec, oldSpec: Spec | undefined, op: Operation): void {
    // As upstream: LoadBalancers with allocateLoadBalancerNodePorts=false get only requested ports.
    const allocateNew = spec.type === 'NodePort' || spec.allocateLoadBalancerNodePorts !== false;
    const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
    const oldValues = new Set(oldSpec && needsNodePort(oldSpec) ? nodePortsOf({ ports: oldSpec.ports }) : []);
    // Ports with the same number (e.g. TCP and UDP 53) share one nodePort, as upstream.
    const byServicePort = new Map<number, number>();
    ports.forEach((p, i) => {
      if (!p) return;
      const requested: number = p.nodePort ?? 0;
      if (!requested && !allocateNew) return;
      if (requested) {
        if (byServicePort.get(p.port) === requested || (oldValues.has(requested) && !op.taken(portKey(requested)))) {
          op.take(portKey(requested));
        } else {
          this.allocatePort(name, requested, `spec.ports[${i}].nodePort`, op);
        }
        if (!byServicePort.has(p.port)) byServicePort.set(p.port, requested);
        return;
      }
      const shared = byServicePort.get(p.port) ?? requestedLater(ports, i);
      if (shared) {
        p.nodePort = shared;
        return;
      }
      p.nodePort = this.nextPort(op, 'failed to allocate a nodePort');
      byServicePort.set(p.port, p.nodePort);
    });
  }

  private allocateHealthCheckNodePort(spec: Spec, op: Operation): void {
    const requested: number = spec.healthCheckNodePort ?? 0;
    if (!requested) {
      spec.healthCheckNodePort = this.nextPort(op, 'failed to allocate a HealthCheck NodePort 0');
      return;
    }
    const problem = this.portProblem(requested, op);
    if (problem) throw new InternalError(`failed to allocate requested HealthCheck NodePort ${requested}: ${problem}`);
    op.take(portKey(requested));
  }

  private allocatePort(name: string, port: number, field: string, op: Operation): void {
    const problem = this.portProblem(port, op);
    if (problem) throw invalidService(name, [invalid(field, port, problem)]);
    op.take(portKey(port));
  }

  private portProblem(port: number, op: Operation): string | undefined {
    if (!this.portRange.contains(port)) return `provided port is not in the valid range. The range of valid ports is ${this.portRange}`;
    return op.isFree(portKey(port)) ? undefined : 'provided port is already allocated';
  }

  private nextPort(op: Operation, what: string): number {
    const { base, size } = this.portRange;
    const slot = pickFree(size, staticBandSize(size, PORT_BAND), (i) => op.isFree(portKey(base + i)), this.random);
    if (slot === undefined) throw new InternalError(`${what}: range is full`);
    op.take(portKey(base + slot));
    return base + slot;
  }
}

/** One write's allocations: what it took is no longer free to it. */
class Operation {
  private readonly took = new Set<Resource>();
  constructor(private readonly free: IsFree) {}
  isFree(r: Resource): boolean {
    return !this.took.has(r) && this.free(r);
  }
  taken(r: Resource): boolean {
    return this.took.has(r);
  }
  take(r: Resource): void {
    this.took.add(r);
  }
}

/** A nodePort requested for a later entry of the same service port (upstream findRequestedNodePort). */
function requestedLater(ports: any[], i: number): number | undefined {
  for (let j = i + 1; j < ports.length; j++) if (ports[j]?.port === ports[i].port && ports[j]?.nodePort) return ports[j].nodePort;
  return undefined;
}

function clusterIPsOf(spec: Spec): string[] {
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length) return spec.clusterIPs.filter(Boolean);
  return spec.clusterIP ? [spec.clusterIP] : [];
}

function invalidService(name: string, errs: FieldError[]): InvalidError {
  return new InvalidError('Service', '', name, errs);
}

/** Upstream prints the clusterIPs slice with %#v: []string{"10.43.0.5"}. */
function goStringSliceInvalid(field: string, values: string[], detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: []string{${values.map((v) => JSON.stringify(v)).join(', ')}}: ${detail}` };
}
