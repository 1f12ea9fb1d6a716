// The Recreate strategy, after upstream's pkg/controller/deployment/recreate.go: scale every
// old ReplicaSet to zero, wait until none of their pods runs, then scale up the new one.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { DeploymentSync } from './deployment-sync.js';
import { deploymentComplete } from './deployment-status.js';
import { actualReplicaCount } from './replica-sets.js';
import { desiredReplicas } from './rolling-math.js';

/** `podsByReplicaSet`: the Deployment's pods keyed by the uid of the ReplicaSet controlling them. */
export async function rolloutRecreate(s: DeploymentSync, rsList: ReplicaSet[], podsByReplicaSet: Map<string, Pod[]>): Promise<void> {
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(rsList, false);
  const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
  let scaledDown = false;
  const updatedOld: ReplicaSet[] = [];
  for (const rs of oldRSs) {
    if ((rs.spec?.replicas ?? 0) === 0) {
      updatedOld.push(rs);
      continue;
    }
    const res = await s.scaleReplicaSetAndRecordEvent(rs, 0);
    if (res.scaled) scaledDown = true;
    updatedOld.push(res.rs);
  }
  oldRSs = updatedOld;
  if (scaledDown) return s.syncRolloutStatus(all(), newRS);
  if (oldPodsRunning(newRS, oldRSs, podsByReplicaSet)) return s.syncRolloutStatus(all(), newRS);
  if (!newRS) ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(rsList, true));
  if (newRS) newRS = (await s.scaleReplicaSetAndRecordEvent(newRS, desiredReplicas(s.d))).rs;
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanupDeployment(oldRSs);
  await s.syncRolloutStatus(all(), newRS);
}

/** As upstream's oldPodsRunning: old ReplicaSets report pods, or a pod of theirs is not finished. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByReplicaSet: Map<string, Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
