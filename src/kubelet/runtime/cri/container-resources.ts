// Container resources → Linux cgroup settings, as upstream's kuberuntime helpers
// (milliCPUToShares, milliCPUToQuota, GetContainerOOMScoreAdjust).
import type { Container } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity.js';
import type * as api from './api-types.js';
import type { QosClass } from './sandbox-config.js';

const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024;
/** The CFS period upstream uses (100 ms) and the smallest quota it sets (1 ms). */
export const QUOTA_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1_000;

export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

export function milliCPUToQuota(milliCPU: number, periodUs = QUOTA_PERIOD_US): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milliCPU * periodUs) / 1000));
}

/** Upstream's OOM score adjustments by QoS class (pkg/kubelet/qos/policy.go). */
export function oomScoreAdj(qos: QosClass, memoryRequestBytes: number, memoryCapacityBytes: number): number {
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  const adj = 1000 - Math.floor((1000 * memoryRequestBytes) / memoryCapacityBytes);
  // Burstable stays between Guaranteed (and the system) and BestEffort.
  return Math.min(999, Math.max(2, adj));
}

const milli = (q: string | undefined) => (q ? Quantity.parse(q).milliValue() : 0);
const bytes = (q: string | undefined) => (q ? Quantity.parse(q).value() : 0);

export function containerResources(container: Container, qos: QosClass, memoryCapacityBytes: number): api.LinuxContainerResources {
  const req = container.resources?.requests ?? {};
  const lim = container.resources?.limits ?? {};
  const cpuRequest = milli(req.cpu);
  const cpuLimit = milli(lim.cpu);
  const out: api.LinuxContainerResources = {
    // As upstream: a limit without a request sets the shares too.
    cpuShares: milliCPUToShares(cpuRequest === 0 && cpuLimit !== 0 ? cpuLimit : cpuRequest),
    oomScoreAdj: oomScoreAdj(qos, bytes(req.memory), memoryCapacityBytes),
  };
  if (cpuLimit) {
    out.cpuPeriod = QUOTA_PERIOD_US;
    out.cpuQuota = milliCPUToQuota(cpuLimit);
  }
  const memoryLimit = bytes(lim.memory);
  if (memoryLimit) out.memoryLimitInBytes = memoryLimit;
  return out;
}
