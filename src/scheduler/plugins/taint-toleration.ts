// TaintToleration (upstream plugins/tainttoleration): Filter rejects a node with a NoSchedule or
// NoExecute taint the pod does not tolerate; Score counts untolerated PreferNoSchedule taints
// (fewer is better).
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { CycleState, StateData } from '../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FilterPlugin, type NodeScore, type PreScorePlugin, type ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { defaultNormalizeScore } from '../framework/normalize.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { doNotScheduleTaints, findUntoleratedTaint, tolerationsTolerateTaint } from '../helpers/tolerations.js';
import { Names } from './names.js';

export function untoleratedTaintMessage(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: Toleration[]) {}
  clone(): StateData { return this; }
}

const preScoreKey = 'PreScore' + Names.TaintToleration;

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = Names.TaintToleration;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, doNotScheduleTaints);
    return taint ? Status.unresolvable(untoleratedTaintMessage(taint)) : null;
  }

  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    // Only tolerations with no effect or PreferNoSchedule count for scoring, as upstream.
    const tols = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(preScoreKey, new PreScoreState(tols));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const taints = node.taints;
    // Most nodes have no taints: no need to look up the cycle's tolerations for them.
    if (taints.length === 0) return 0;
    const tols = state.read<PreScoreState>(preScoreKey)?.tolerationsPreferNoSchedule ?? pod.pod.spec?.tolerations ?? [];
    let count = 0;
    for (const t of taints) {
      if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) count++;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return null;
  }
}
