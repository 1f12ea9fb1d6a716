// PodTopologySpread (upstream plugins/podtopologyspread): DoNotSchedule constraints filter,
// ScheduleAnyway constraints score; a pod without constraints gets the system defaults
// (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) over whatever selects it.
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../framework/cycle-state.js';
import type { FilterPlugin, NodeScore, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { Names } from './names.js';
import {
  buildDefaultConstraints, parseConstraints, SYSTEM_DEFAULT_CONSTRAINTS, type SpreadConstraint, type Unsatisfiable,
} from './pod-topology-spread/constraints.js';
import { computeFilterState, filterNode, updateWithPod, type SpreadFilterState } from './pod-topology-spread/filtering.js';
import { computeScoreState, normalizeScores, scoreNode, type SpreadScoreState } from './pod-topology-spread/scoring.js';

export interface PodTopologySpreadArgs {
  /** 'System' (default): upstream's built-in defaults; 'List': defaultConstraints below. */
  defaultingType?: 'System' | 'List';
  defaultConstraints?: TopologySpreadConstraint[];
}

const preFilterKey = 'PreFilter' + Names.PodTopologySpread;
const preScoreKey = 'PreScore' + Names.PodTopologySpread;

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = Names.PodTopologySpread;
  private readonly systemDefaulted: boolean;
  private readonly defaults: TopologySpreadConstraint[];

  constructor(args: PodTopologySpreadArgs = {}) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaults = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : args.defaultConstraints ?? [];
  }

  private constraints(pod: PodInfo, snapshot: Snapshot, action: Unsatisfiable): SpreadConstraint[] {
    const own = pod.pod.spec?.topologySpreadConstraints;
    if (own?.length) return parseConstraints(own, pod.pod.metadata?.labels ?? {}, action);
    return buildDefaultConstraints(pod.pod, snapshot, this.defaults, action);
  }

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): MaybeStatus {
    const constraints = this.constraints(pod, snapshot, 'DoNotSchedule');
    if (constraints.length === 0) return Status.skip();
    state.write(preFilterKey, computeFilterState(pod, constraints, snapshot));
    return null;
  }

  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<SpreadFilterState>(preFilterKey);
    if (s) updateWithPod(s, pod, toAdd, node, 1);
    return null;
  }

  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<SpreadFilterState>(preFilterKey);
    if (s) updateWithPod(s, pod, toRemove, node, -1);
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<SpreadFilterState>(preFilterKey);
    return s ? filterNode(s, pod, node) : null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): MaybeStatus {
    if (snapshot.numNodes() === 0) return Status.skip();
    const constraints = this.constraints(pod, snapshot, 'ScheduleAnyway');
    if (constraints.length === 0) return Status.skip();
    // Only custom constraints require every topology key: with the system defaults a node without
    // a zone label still takes part in hostname spreading.
    const requireAll = (pod.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    state.write(preScoreKey, computeScoreState(pod, constraints, nodes, snapshot, requireAll));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number | Status {
    const s = state.read<SpreadScoreState>(preScoreKey);
    return s ? scoreNode(s, pod, node) : 0;
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): MaybeStatus {
    const s = state.read<SpreadScoreState>(preScoreKey);
    if (s) normalizeScores(s, scores);
    return null;
  }
}
