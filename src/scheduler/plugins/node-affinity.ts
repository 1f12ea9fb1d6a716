// NodeAffinity (upstream plugins/nodeaffinity): Filter on nodeSelector and required node affinity;
// PreFilter narrows to the nodes named by matchFields metadata.name In; Score sums the weights of
// matching preferred terms.
import type { CycleState } from '../framework/cycle-state.js';
import {
  MAX_NODE_SCORE, type FilterPlugin, type NodeScore, type PreFilterPlugin, type PreFilterResult, type PreScorePlugin,
  type ScorePlugin,
} from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import { defaultNormalizeScore } from '../framework/normalize.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { nodeSelectorTermMatches, requiredNodeAffinityMatches } from '../helpers/node-affinity.js';
import { Names } from './names.js';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeAffinity;

  preFilter(_state: CycleState, pod: PodInfo): MaybeStatus | PreFilterResult {
    const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && !pod.pod.spec?.nodeSelector) return Status.skip();
    if (!required) return null;
    // Terms are ORed: only when every term names nodes can the set be narrowed.
    let names: Set<string> | undefined;
    for (const t of required.nodeSelectorTerms ?? []) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
      if (!termNames) return null;
      names = names ? new Set([...names, ...termNames]) : termNames;
    }
    if (names && names.size === 0) return Status.unresolvable(ERR_REASON_CONFLICT);
    return names ? { nodeNames: names } : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    return requiredNodeAffinityMatches(pod.pod, node.node) ? null : Status.unresolvable(ERR_REASON_POD);
  }

  preScore(_state: CycleState, pod: PodInfo): MaybeStatus {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return preferred?.length ? null : Status.skip();
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    let total = 0;
    for (const t of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (t.weight !== 0 && nodeSelectorTermMatches(t.preference, node.node)) total += t.weight;
    }
    return total;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return null;
  }
}
