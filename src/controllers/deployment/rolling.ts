// The RollingUpdate strategy, after upstream's pkg/controller/deployment/rolling.go: grow the
// new ReplicaSet within maxSurge, shrink old ones within maxUnavailable (unhealthy pods first),
// and clean up history once the rollout is complete.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { DeploymentSync } from './deployment-sync.js';
import { deploymentComplete } from './deployment-status.js';
import { byCreationTimestamp, filterActive, specReplicaCount } from './replica-sets.js';
import { availableAtLeast, desiredReplicas, maxUnavailable, newRSNewReplicas } from './rolling-math.js';

export async function rolloutRolling(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(rsList, true);
  let current = newRS!;
  let allRSs = [...oldRSs, current];
  const up = await reconcileNewReplicaSet(s, allRSs, current);
  if (up.scaled) {
    current = up.rs;
    allRSs = [...oldRSs, current];
    // Report the change and wait for the ReplicaSet's own update to come back.
    return s.syncRolloutStatus(allRSs, current);
  }
  const down = await reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), current);
  if (down.scaled) {
    const idle = oldRSs.filter((rs) => (rs.spec?.replicas ?? 0) === 0);
    return s.syncRolloutStatus([...down.oldRSs, ...idle, current], current);
  }
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(allRSs, current);
}

async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const replicas = desiredReplicas(s.d);
  const size = newRS.spec?.replicas ?? 0;
  if (size === replicas) return { scaled: false, rs: newRS };
  if (size > replicas) return s.scaleReplicaSetAndRecordEvent(newRS, replicas);
  return s.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

/** As upstream's reconcileOldReplicaSets. */
async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<{ scaled: boolean; oldRSs: ReplicaSet[] }> {
  if (specReplicaCount(oldRSs) === 0) return { scaled: false, oldRSs };
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const newRSUnavailable = (newRS.spec?.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicaCount(allRSs) - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return { scaled: false, oldRSs };
  // First the old pods that are not available anyway, then healthy ones as availability allows.
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSets(s, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
  return { scaled: cleaned.count + scaledDown.count > 0, oldRSs: scaledDown.oldRSs };
}

/** As upstream's cleanupUnhealthyReplicas: remove old replicas that are not available, oldest ReplicaSets first. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ count: number; oldRSs: ReplicaSet[] }> {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= maxCleanup) break;
    const rs = sorted[i]!;
    const size = rs.spec?.replicas ?? 0;
    const available = rs.status?.availableReplicas ?? 0;
    if (size === 0 || size <= available) continue;
    const count = Math.min(maxCleanup - total, size - available);
    const res = await s.scaleReplicaSetAndRecordEvent(rs, size - count);
    total += count;
    sorted[i] = res.rs;
  }
  return { count: total, oldRSs: sorted };
}

/** As upstream's scaleDownOldReplicaSetsForRollingUpdate, counting availability conservatively (see availableAtLeast). */
async function scaleDownOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<{ count: number; oldRSs: ReplicaSet[] }> {
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d);
  const available = allRSs.reduce((n, rs) => n + availableAtLeast(rs), 0);
  if (available <= minAvailable) return { count: 0, oldRSs };
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  const target = available - minAvailable;
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= target) break;
    const rs = sorted[i]!;
    const size = rs.spec?.replicas ?? 0;
    if (size === 0) continue;
    const count = Math.min(size, target - total);
    const res = await s.scaleReplicaSetAndRecordEvent(rs, size - count);
    total += count;
    sorted[i] = res.rs;
  }
  return { count: total, oldRSs: sorted };
}
