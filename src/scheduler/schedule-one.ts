// One scheduling cycle for one pod, as upstream schedulePod + findNodesThatFitPod +
// prioritizeNodes + selectHost, then PostFilter (preemption) on failure. Pure over the snapshot:
// it returns the chosen node or a FitError; assuming, binding and evicting are the caller's.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from './framework/cycle-state.js';
import { FitError, newDiagnosis, type Diagnosis } from './framework/fit-error.js';
import type { Framework, NodePluginScores } from './framework/framework.js';
import type { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type PodInfo } from './framework/pod-info.js';
import type { Snapshot } from './framework/snapshot.js';
import { Code, Status } from './framework/status.js';

/** Upstream minFeasibleNodesToFind / minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export const ERR_NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

export interface ScheduleOptions {
  /** Uniform in [0, 1); picks among equally scored nodes. Default Math.random. */
  random?: () => number;
  /** Where the node scan starts (the caller keeps nextStartIndex between cycles). */
  startIndex?: number;
  /** Pods nominated to a node by earlier preemptions (upstream's nominator). */
  nominatedPods?: (nodeName: string) => readonly PodInfo[];
  /** Overrides the profile's percentageOfNodesToScore (0 = adaptive). */
  percentageOfNodesToScore?: number;
}

interface CycleCommon {
  state: CycleState;
  podInfo: PodInfo;
  nextStartIndex: number;
}

export interface ScheduleSuccess extends CycleCommon {
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface ScheduleFailure extends CycleCommon {
  failure: FitError;
  /** From PostFilter (preemption): where the pod should go once the victims are gone. */
  nominatedNodeName?: string;
  victims?: PodInfo[];
}

export interface ScheduleError extends CycleCommon {
  /** An internal error, or no nodes at all (UnschedulableAndUnresolvable). */
  error: Status;
}

export type ScheduleResult = ScheduleSuccess | ScheduleFailure | ScheduleError;

/** As upstream numFeasibleNodesToFind: stop filtering after this many feasible nodes. */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage ?? 0;
  if (p === 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export function schedulePod(fw: Framework, snapshot: Snapshot, pod: Pod | PodInfo, opts: ScheduleOptions = {}): ScheduleResult {
  const podInfo = 'resources' in pod ? pod : newPodInfo(pod);
  const state = new CycleState();
  const start = opts.startIndex ?? 0;
  const all = snapshot.nodeInfoList;
  const common = { state, podInfo, nextStartIndex: start };
  if (all.length === 0) return { ...common, error: Status.unresolvable(ERR_NO_NODES_AVAILABLE) };

  const found = findNodesThatFitPod(fw, snapshot, state, podInfo, opts, start);
  if ('error' in found) return { ...common, nextStartIndex: found.nextStartIndex, error: found.error };
  const { feasible, diagnosis, nextStartIndex } = found;
  if (feasible.length === 0) {
    const failure = new FitError(podInfo.key, all.length, diagnosis);
    if (!fw.hasPostFilterPlugins()) return { ...common, nextStartIndex, failure };
    const r = fw.runPostFilterPlugins(state, podInfo, snapshot, diagnosis.nodeToStatus);
    diagnosis.postFilterMsg = r.status.message();
    return { ...common, nextStartIndex, failure, nominatedNodeName: r.nominatedNodeName, victims: r.victims };
  }
  const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
  if (feasible.length === 1) return { ...common, nextStartIndex, nodeName: feasible[0]!.name, evaluatedNodes, feasibleNodes: 1 };

  const scores = prioritizeNodes(fw, snapshot, state, podInfo, feasible);
  if (scores instanceof Status) return { ...common, nextStartIndex, error: scores };
  return { ...common, nextStartIndex, nodeName: selectHost(scores, opts.random ?? Math.random), evaluatedNodes, feasibleNodes: feasible.length };
}

type FindResult =
  | { feasible: NodeInfo[]; diagnosis: Diagnosis; nextStartIndex: number }
  | { error: Status; nextStartIndex: number };

function findNodesThatFitPod(
  fw: Framework, snapshot: Snapshot, state: CycleState, pod: PodInfo, opts: ScheduleOptions, start: number,
): FindResult {
  const diagnosis = newDiagnosis();
  const all = snapshot.nodeInfoList;
  const pre = fw.runPreFilterPlugins(state, pod, snapshot);
  if (!pre.status.isSuccess()) {
    if (!pre.status.isRejected()) return { error: pre.status, nextStartIndex: start };
    // Every node shares PreFilter's verdict; the message carries it once.
    diagnosis.nodeToStatus.setAbsentNodesStatus(pre.status);
    diagnosis.preFilterMsg = pre.status.message();
    if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
    for (const p of pre.pluginsWithNodes) diagnosis.unschedulablePlugins.add(p);
    return { feasible: [], diagnosis, nextStartIndex: start };
  }

  // A node nominated by an earlier preemption is tried first: it is likely the only fit.
  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = snapshot.get(nominated);
    if (ni) {
      const r = filterNodes(fw, snapshot, state, pod, diagnosis, [ni], 0, opts);
      if ('error' in r) return { error: r.error, nextStartIndex: start };
      if (r.feasible.length) return { feasible: r.feasible, diagnosis, nextStartIndex: start };
    }
  }

  let nodes = all;
  if (pre.nodeNames) {
    nodes = [];
    for (const n of pre.nodeNames) {
      const ni = snapshot.get(n);
      if (ni) nodes.push(ni);
    }
    diagnosis.nodeToStatus.setAbsentNodesStatus(
      Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...pre.pluginsWithNodes].sort().join(' ')}]`),
    );
  }
  const r = filterNodes(fw, snapshot, state, pod, diagnosis, nodes, nodes === all ? start : 0, opts);
  // Always advance the start index so every node gets its turn across pods.
  const processed = ('error' in r ? 0 : r.feasible.length) + diagnosis.nodeToStatus.size;
  const nextStartIndex = (start + processed) % all.length;
  if ('error' in r) return { error: r.error, nextStartIndex };
  return { feasible: r.feasible, diagnosis, nextStartIndex };
}

function filterNodes(
  fw: Framework, snapshot: Snapshot, state: CycleState, pod: PodInfo, diagnosis: Diagnosis,
  nodes: NodeInfo[], start: number, opts: ScheduleOptions,
): { feasible: NodeInfo[] } | { error: Status } {
  const n = nodes.length;
  if (n === 0) return { feasible: [] };
  let toFind = numFeasibleNodesToFind(opts.percentageOfNodesToScore ?? fw.percentageOfNodesToScore, n);
  if (!fw.hasScorePlugins()) toFind = 1;
  const feasible: NodeInfo[] = [];
  if (!fw.hasFilterPlugins()) {
    for (let i = 0; i < toFind; i++) feasible.push(nodes[(start + i) % n]!);
    return { feasible };
  }
  const nominatedPods = opts.nominatedPods;
  const filters = fw.activeFilterPlugins(state);
  for (let i = 0; i < n && feasible.length < toFind; i++) {
    const ni = nodes[(start + i) % n]!;
    const nominated = nominatedPods ? nominatedPods(ni.name) : undefined;
    const s = nominated && nominated.length
      ? fw.runFilterPluginsWithNominatedPods(state, pod, ni, snapshot, nominated)
      : fw.runFilterPlugins(state, pod, ni, snapshot, filters);
    if (s.code === Code.Success) feasible.push(ni);
    else if (s.code === Code.Error) return { error: s };
    else {
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
  }
  return { feasible };
}

function prioritizeNodes(
  fw: Framework, snapshot: Snapshot, state: CycleState, pod: PodInfo, nodes: NodeInfo[],
): NodePluginScores[] | Status {
  // Without Score plugins every node scores 1, as upstream.
  if (!fw.hasScorePlugins()) return nodes.map((n) => ({ name: n.name, totalScore: 1 }));
  const pre = fw.runPreScorePlugins(state, pod, nodes, snapshot);
  if (!pre.isSuccess()) return pre;
  return fw.runScorePlugins(state, pod, nodes, snapshot);
}

/**
 * Highest total score; ties broken uniformly at random, as upstream selectHost's reservoir
 * sampling, but with one random draw per cycle rather than one per tied node.
 */
export function selectHost(scores: readonly NodePluginScores[], random: () => number): string {
  let best = scores[0]!.totalScore;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    const t = scores[i]!.totalScore;
    if (t > best) {
      best = t;
      ties = 1;
    } else if (t === best) {
      ties++;
    }
  }
  let pick = Math.floor(random() * ties);
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]!.totalScore !== best) continue;
    if (pick === 0) return scores[i]!.name;
    pick--;
  }
  return scores[0]!.name;
}
