// Preemption dry run on one node and choice among candidate nodes (upstream
// framework/preemption: SelectVictimsOnNode, pickOneNodeForPreemption).
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { FrameworkHandle } from '../../framework/profile.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status } from '../../framework/status.js';

export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface Candidate {
  nodeName: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

/** Start time (status.startTime, else creation), for ordering pods of equal priority. */
export function podStartTime(pod: Pod): number {
  const t = pod.status?.startTime ?? pod.metadata?.creationTimestamp;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

/** Upstream MoreImportantPod: higher priority, then the one running longer. */
export function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return podStartTime(a.pod) - podStartTime(b.pod);
}

/**
 * Removes every lower-priority pod, checks the pod then fits, and adds back ("reprieves") as
 * many as possible, most important first. What cannot be reprieved is the victim list.
 */
export function selectVictimsOnNode(
  fw: FrameworkHandle, state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot,
): { victims: PodInfo[]; status: Status } {
  const potential = node.pods.filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { victims: [], status: Status.unresolvable(ERR_NO_VICTIMS) };
  for (const p of potential) {
    node.removePod(p.key);
    const s = fw.runPreFilterExtensionRemovePod(state, pod, p, node, snapshot);
    if (!s.isSuccess()) return { victims: [], status: s };
  }
  const fits = fw.runFilterPlugins(state, pod, node, snapshot);
  if (!fits.isSuccess()) return { victims: [], status: fits };
  potential.sort(moreImportant);
  const victims: PodInfo[] = [];
  for (const p of potential) {
    node.addPod(p);
    const s = fw.runPreFilterExtensionAddPod(state, pod, p, node, snapshot);
    if (!s.isSuccess()) return { victims: [], status: s };
    if (fw.runFilterPlugins(state, pod, node, snapshot).isSuccess()) continue; // reprieved
    node.removePod(p.key);
    fw.runPreFilterExtensionRemovePod(state, pod, p, node, snapshot);
    victims.push(p);
  }
  return { victims, status: Status.success() };
}

/** Earliest start among the highest-priority victims (victims are sorted most important first). */
function earliestStartOfHighest(victims: readonly PodInfo[]): number {
  const top = victims[0]!.priority;
  let earliest = Infinity;
  for (const v of victims) if (v.priority === top) earliest = Math.min(earliest, podStartTime(v.pod));
  return earliest;
}

/**
 * Upstream's criteria, each applied to the survivors of the previous: fewest PDB violations;
 * lowest highest-victim priority; lowest sum of priorities; fewest victims; latest start of the
 * highest-priority victims; then the first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  const offset = 2 ** 31; // upstream adds MaxInt32+1 so negative priorities sum sensibly
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -c.victims[0]!.priority,
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + offset, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims),
  ];
  let pool = candidates.filter((c) => c.victims.length > 0);
  const noVictims = candidates.find((c) => c.victims.length === 0);
  if (noVictims) return noVictims; // nothing to evict beats everything
  for (const score of criteria) {
    if (pool.length <= 1) break;
    const best = Math.max(...pool.map(score));
    pool = pool.filter((c) => score(c) === best);
  }
  return pool[0];
}
