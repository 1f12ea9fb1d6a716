// InterPodAffinity (upstream plugins/interpodaffinity): required pod affinity / anti-affinity
// (including existing pods' anti-affinity towards the incoming pod) filter; preferred terms and
// existing pods' terms score.
import type { CycleState } from '../framework/cycle-state.js';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { computeFilterState, filterNode, type AffinityFilterState } from './inter-pod-affinity/filtering.js';
import { computeScoreState, normalizeScores, scoreNode, type AffinityScoreState } from './inter-pod-affinity/scoring.js';
import { Names } from './names.js';

export interface InterPodAffinityArgs {
  /** Weight of existing pods' required affinity terms in scoring; upstream default 1. */
  hardPodAffinityWeight?: number;
}

const preFilterKey = 'PreFilter' + Names.InterPodAffinity;
const preScoreKey = 'PreScore' + Names.InterPodAffinity;

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = Names.InterPodAffinity;
  private readonly hardPodAffinityWeight: number;

  constructor(args: InterPodAffinityArgs = {}) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): MaybeStatus {
    const s = computeFilterState(pod, snapshot);
    if (s.existingAntiAffinity.size === 0 && pod.requiredAffinityTerms.length === 0 && pod.requiredAntiAffinityTerms.length === 0) {
      return Status.skip();
    }
    state.write(preFilterKey, s);
    return null;
  }

  addPod(state: CycleState, _pod: PodInfo, toAdd: PodInfo, node: NodeInfo): MaybeStatus {
    state.read<AffinityFilterState>(preFilterKey)?.update(toAdd, node.node, 1);
    return null;
  }

  removePod(state: CycleState, _pod: PodInfo, toRemove: PodInfo, node: NodeInfo): MaybeStatus {
    state.read<AffinityFilterState>(preFilterKey)?.update(toRemove, node.node, -1);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<AffinityFilterState>(preFilterKey);
    return s ? filterNode(s, node) : null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): MaybeStatus {
    if (nodes.length === 0) return null;
    const s = computeScoreState(pod, snapshot, this.hardPodAffinityWeight);
    if (s.topologyScore.size === 0) return Status.skip();
    state.write(preScoreKey, s);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<AffinityScoreState>(preScoreKey);
    return s ? scoreNode(s, node) : 0;
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    const s = state.read<AffinityScoreState>(preScoreKey);
    if (s) normalizeScores(s, scores);
    return null;
  }
}
