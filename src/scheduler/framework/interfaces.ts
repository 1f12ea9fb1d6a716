// Plugin interfaces, one per upstream extension point. A plugin has a name and implements any
// subset; the framework runs each in profile order.
import type { Binding } from 'kubernetes-types/core/v1.js';
import type { CycleState } from './cycle-state.js';
import type { NodeToStatus } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { MaybeStatus, Status } from './status.js';

/** Upstream MaxNodeScore / MinNodeScore: every Score plugin's normalized range. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface Plugin {
  readonly name: string;
}

/** PreFilter may narrow the nodes to consider (upstream PreFilterResult.NodeNames). */
export interface PreFilterResult {
  nodeNames: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): MaybeStatus | PreFilterResult;
  /** Incremental updates of this plugin's PreFilter state (nominated pods, preemption dry runs). */
  addPod?(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo, snapshot: Snapshot): MaybeStatus;
  removePod?(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo, snapshot: Snapshot): MaybeStatus;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot): MaybeStatus;
}

export interface PostFilterResult {
  status: Status;
  nominatedNodeName?: string;
  /** Pods to evict so the pod fits on nominatedNodeName; the caller deletes them. */
  victims?: PodInfo[];
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot, statuses: NodeToStatus): PostFilterResult;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): MaybeStatus;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /** A raw score, or a Status on error. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot): number | Status;
  /**
   * Rescales raw scores into [0, MAX_NODE_SCORE] in place (upstream ScoreExtensions). The list
   * belongs to the framework, which reuses it: do not keep it past the call.
   */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): MaybeStatus;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitResult {
  status: MaybeStatus;
  /** With a Wait status: how long the binding cycle may wait for an allow. */
  timeoutMs?: number;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: PodInfo, nodeName: string): PermitResult;
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
}

export interface BindResult {
  status: MaybeStatus;
  /** The object to POST to pods/<name>/binding; the caller makes the call. */
  binding?: Binding;
}

export interface BindPlugin extends Plugin {
  /** A Skip status passes to the next Bind plugin, as upstream. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): BindResult;
}

export function isPreFilter(p: Plugin): p is PreFilterPlugin { return typeof (p as PreFilterPlugin).preFilter === 'function'; }
export function isFilter(p: Plugin): p is FilterPlugin { return typeof (p as FilterPlugin).filter === 'function'; }
export function isPostFilter(p: Plugin): p is PostFilterPlugin { return typeof (p as PostFilterPlugin).postFilter === 'function'; }
export function isPreScore(p: Plugin): p is PreScorePlugin { return typeof (p as PreScorePlugin).preScore === 'function'; }
export function isScore(p: Plugin): p is ScorePlugin { return typeof (p as ScorePlugin).score === 'function'; }
export function isReserve(p: Plugin): p is ReservePlugin { return typeof (p as ReservePlugin).reserve === 'function'; }
export function isPermit(p: Plugin): p is PermitPlugin { return typeof (p as PermitPlugin).permit === 'function'; }
export function isPreBind(p: Plugin): p is PreBindPlugin { return typeof (p as PreBindPlugin).preBind === 'function'; }
export function isBind(p: Plugin): p is BindPlugin { return typeof (p as BindPlugin).bind === 'function'; }
