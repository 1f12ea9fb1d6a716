// DefaultPreemption (upstream plugins/defaultpreemption): when a pod fits nowhere, find a node
// where evicting lower-priority pods makes it fit, with as little damage as possible. Returns the
// nominated node and the victims; the caller deletes them and sets status.nominatedNodeName.
import type { CycleState } from '../framework/cycle-state.js';
import { fitErrorMessage, NodeToStatus } from '../framework/fit-error.js';
import type { PostFilterPlugin, PostFilterResult } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { FrameworkHandle } from '../framework/profile.js';
import type { Snapshot } from '../framework/snapshot.js';
import { Code, Status } from '../framework/status.js';
import { pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from './default-preemption/candidates.js';
import { Names } from './names.js';

export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

export interface DefaultPreemptionArgs {
  /** Upstream minCandidateNodesPercentage / minCandidateNodesAbsolute defaults: 10 and 100. */
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
  /** Uniform in [0, 1): where the dry run starts among potential nodes. */
  random?: () => number;
}

export function numCandidates(numNodes: number, percentage = 10, absolute = 100): number {
  let n = Math.trunc((numNodes * percentage) / 100);
  if (n < absolute) n = absolute;
  return Math.min(n, numNodes);
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = Names.DefaultPreemption;

  constructor(private readonly fw: FrameworkHandle, private readonly args: DefaultPreemptionArgs = {}) {}

  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, statuses: NodeToStatus): PostFilterResult {
    const notEligible = this.notEligibleReason(pod, snapshot, statuses);
    if (notEligible) return { status: Status.unschedulable(`preemption: ${notEligible}`) };

    const all = snapshot.nodeInfoList;
    const nodeStatuses = new NodeToStatus();
    nodeStatuses.setAbsentNodesStatus(Status.unresolvable(MSG_NOT_HELPFUL));
    const potential: NodeInfo[] = [];
    for (const ni of all) {
      // UnschedulableAndUnresolvable means evicting pods there cannot help.
      if (statuses.get(ni.name).code === Code.UnschedulableAndUnresolvable) continue;
      potential.push(ni);
    }
    const candidates: Candidate[] = [];
    if (potential.length) {
      const want = numCandidates(potential.length, this.args.minCandidateNodesPercentage, this.args.minCandidateNodesAbsolute);
      const offset = Math.floor((this.args.random ?? Math.random)() * potential.length);
      for (let i = 0; i < potential.length && candidates.length < want; i++) {
        const ni = potential[(offset + i) % potential.length]!;
        const r = selectVictimsOnNode(this.fw, state.clone(), pod, ni.clone(), snapshot);
        if (r.status.isSuccess() && r.victims.length) candidates.push({ nodeName: ni.name, victims: r.victims, numPDBViolations: 0 });
        else if (r.status.isSuccess()) nodeStatuses.set(ni.name, Status.error(`expected at least one victim pod on node "${ni.name}"`));
        else nodeStatuses.set(ni.name, r.status);
      }
    }
    const best = pickOneNodeForPreemption(candidates);
    if (!best) {
      const msg = fitErrorMessage(all.length, { nodeToStatus: nodeStatuses, unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' });
      return { status: Status.unschedulable(`preemption: ${msg}`), nominatedNodeName: '' };
    }
    return { status: Status.success(), nominatedNodeName: best.nodeName, victims: best.victims };
  }

  /** Upstream PodEligibleToPreemptOthers. */
  private notEligibleReason(pod: PodInfo, snapshot: Snapshot, statuses: NodeToStatus): string | undefined {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated && statuses.get(nominated).code !== Code.UnschedulableAndUnresolvable) {
      // Victims from an earlier preemption are still terminating there: wait for them.
      const ni = snapshot.get(nominated);
      if (ni?.pods.some((p) => p.pod.metadata?.deletionTimestamp && p.priority < pod.priority)) {
        return 'not eligible due to a terminating pod on the nominated node.';
      }
    }
    return undefined;
  }
}
