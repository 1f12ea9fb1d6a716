// Tracks when each node last showed a sign of life — a new lease renewTime or a new Ready
// heartbeat, noted on this controller's own clock as upstream's nodeHealthData.probeTimestamp —
// and computes the conditions of a node whose kubelet has gone quiet.
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';

export interface NodeHealth {
  probeTimestamp: number;
  readyHeartbeat?: string;
  leaseRenewTime?: string;
}

/** The conditions upstream marks Unknown when a node stops reporting. */
export const WATCHED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Updates (or starts) a node's health record from what the caches show now. */
export function observeHealth(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const readyHeartbeat = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
  const leaseRenewTime = lease?.spec?.renewTime;
  if (!prev) {
    // A node with no Ready condition yet is measured from its creation (upstream).
    const created = Date.parse(node.metadata?.creationTimestamp ?? '');
    return { probeTimestamp: readyHeartbeat || leaseRenewTime || !created ? now : Math.min(now, created), readyHeartbeat, leaseRenewTime };
  }
  const h = { ...prev };
  if (readyHeartbeat && readyHeartbeat !== prev.readyHeartbeat) {
    h.readyHeartbeat = readyHeartbeat;
    h.probeTimestamp = now;
  }
  if (leaseRenewTime && leaseRenewTime !== prev.leaseRenewTime && (!prev.leaseRenewTime || leaseRenewTime > prev.leaseRenewTime)) {
    h.leaseRenewTime = leaseRenewTime;
    h.probeTimestamp = now;
  }
  return h;
}

function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The node's conditions with the watched ones set to Unknown, as upstream tryUpdateNodeHealth
 * does past the grace period; undefined when they all are Unknown already.
 */
export function unknownConditions(node: Node, now: number): NodeCondition[] | undefined {
  const t = metaTime(now);
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (const type of WATCHED_CONDITIONS) {
    const i = conditions.findIndex((c) => c.type === type);
    if (i < 0) {
      conditions.push({
        type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: t,
      });
      changed = true;
    } else if (conditions[i]!.status !== 'Unknown') {
      conditions[i] = {
        ...conditions[i]!, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: t,
      };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
