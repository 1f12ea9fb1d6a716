// Runs a profile's plugins at each extension point (upstream frameworkruntime.frameworkImpl).
// Pure: every call works on the snapshot, cycle state and pod it is given.
import type { CycleState } from './cycle-state.js';
import {
  isBind, isFilter, isPermit, isPostFilter, isPreBind, isPreFilter, isPreScore, isReserve, isScore,
  MAX_NODE_SCORE, MIN_NODE_SCORE,
  type BindPlugin, type BindResult, type FilterPlugin, type NodeScore, type PermitPlugin, type Plugin,
  type PostFilterPlugin, type PostFilterResult, type PreBindPlugin, type PreFilterPlugin, type PreScorePlugin,
  type ReservePlugin, type ScorePlugin,
} from './interfaces.js';
import type { NodeToStatus } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { FrameworkHandle, Profile, Registry } from './profile.js';
import type { Snapshot } from './snapshot.js';
import { Code, Status, type MaybeStatus } from './status.js';

export interface PreFilterOutcome {
  status: Status;
  /** Undefined: all nodes. */
  nodeNames?: ReadonlySet<string>;
  /** Plugins that narrowed the node set, for the absent nodes' message. */
  pluginsWithNodes: string[];
}

export interface NodePluginScores {
  name: string;
  /** Sum over Score plugins of normalized score × weight. */
  totalScore: number;
}

export class Framework implements FrameworkHandle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly plugins: Plugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: ScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  private readonly weights = new Map<string, number>();

  constructor(profile: Profile, registry: Registry) {
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    for (const cfg of profile.plugins) {
      const factory = registry.get(cfg.name);
      if (!factory) throw new Error(`plugin "${cfg.name}" does not exist in the registry`);
      const p = factory(cfg.args, this);
      this.plugins.push(p);
      this.weights.set(p.name, cfg.weight ?? 1);
      if (isPreFilter(p)) this.preFilterPlugins.push(p);
      if (isFilter(p)) this.filterPlugins.push(p);
      if (isPostFilter(p)) this.postFilterPlugins.push(p);
      if (isPreScore(p)) this.preScorePlugins.push(p);
      if (isScore(p)) this.scorePlugins.push(p);
      if (isReserve(p)) this.reservePlugins.push(p);
      if (isPermit(p)) this.permitPlugins.push(p);
      if (isPreBind(p)) this.preBindPlugins.push(p);
      if (isBind(p)) this.bindPlugins.push(p);
    }
  }

  weight(pluginName: string): number {
    return this.weights.get(pluginName) ?? 1;
  }

  runPreFilterPlugins(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const pluginsWithNodes: string[] = [];
    for (const pl of this.preFilterPlugins) {
      const r = pl.preFilter(state, pod, snapshot);
      if (r instanceof Status || !r) {
        if (!r || r.isSuccess()) continue;
        if (r.isSkip()) {
          state.skipFilterPlugins.add(pl.name);
          continue;
        }
        if (r.isRejected()) return { status: r.withPlugin(pl.name), pluginsWithNodes: [] };
        return { status: Status.error(`running PreFilter plugin "${pl.name}": ${r.message()}`).withPlugin(pl.name), pluginsWithNodes: [] };
      }
      pluginsWithNodes.push(pl.name);
      // Several plugins narrowing nodes: keep their intersection, as upstream PreFilterResult.Merge.
      nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => r.nodeNames.has(n))) : new Set(r.nodeNames);
      if (nodeNames.size === 0) {
        const msg = pluginsWithNodes.length === 1
          ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0]}`
          : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(' ')}] simultaneously`;
        return { status: Status.unresolvable(msg), nodeNames, pluginsWithNodes };
      }
    }
    return { status: Status.success(), nodeNames, pluginsWithNodes };
  }

  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo, snapshot: Snapshot): Status {
    for (const pl of this.preFilterPlugins) {
      if (!pl.addPod || state.skipFilterPlugins.has(pl.name)) continue;
      const s = pl.addPod(state, pod, toAdd, node, snapshot);
      if (s && !s.isSuccess()) return Status.error(`running AddPod on PreFilter plugin "${pl.name}": ${s.message()}`);
    }
    return Status.success();
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo, snapshot: Snapshot): Status {
    for (const pl of this.preFilterPlugins) {
      if (!pl.removePod || state.skipFilterPlugins.has(pl.name)) continue;
      const s = pl.removePod(state, pod, toRemove, node, snapshot);
      if (s && !s.isSuccess()) return Status.error(`running RemovePod on PreFilter plugin "${pl.name}": ${s.message()}`);
    }
    return Status.success();
  }

  /**
   * The Filter plugins this cycle runs: those whose PreFilter did not Skip. Taken once per cycle
   * and passed to runFilterPlugins, rather than asking the skip set for every node.
   */
  activeFilterPlugins(state: CycleState): readonly FilterPlugin[] {
    const skip = state.skipFilterPlugins;
    return skip.size ? this.filterPlugins.filter((pl) => !skip.has(pl.name)) : this.filterPlugins;
  }

  /** The first rejecting Filter's status, tagged with its plugin; Success when all pass. */
  runFilterPlugins(
    state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot,
    plugins: readonly FilterPlugin[] = this.activeFilterPlugins(state),
  ): Status {
    for (let i = 0; i < plugins.length; i++) {
      const pl = plugins[i]!;
      const s = pl.filter(state, pod, node, snapshot);
      if (!s || s.code === Code.Success) continue;
      if (!s.isRejected()) return Status.error(`running "${pl.name}" filter plugin: ${s.message()}`).withPlugin(pl.name);
      return s.withPlugin(pl.name);
    }
    return Status.success();
  }

  /**
   * As upstream RunFilterPluginsWithNominatedPods: when pods of equal or higher priority are
   * nominated to this node, the pod must fit both with them (as if already running) and without.
   */
  runFilterPluginsWithNominatedPods(
    state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot, nominated: readonly PodInfo[],
  ): Status {
    const toAdd = nominated.filter((np) => np.key !== pod.key && np.priority >= pod.priority);
    if (toAdd.length === 0) return this.runFilterPlugins(state, pod, node, snapshot);
    const stateWith = state.clone();
    const nodeWith = node.clone();
    for (const np of toAdd) {
      nodeWith.addPod(np);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, np, nodeWith, snapshot);
      if (!s.isSuccess()) return s;
    }
    const first = this.runFilterPlugins(stateWith, pod, nodeWith, snapshot);
    if (!first.isSuccess()) return first;
    return this.runFilterPlugins(state, pod, node, snapshot);
  }

  runPostFilterPlugins(state: CycleState, pod: PodInfo, snapshot: Snapshot, statuses: NodeToStatus): PostFilterResult {
    const messages: string[] = [];
    // A rejecting plugin may still say "clear the nomination" (nominatedNodeName '').
    let nominatedNodeName: string | undefined;
    for (const pl of this.postFilterPlugins) {
      const r = pl.postFilter(state, pod, snapshot, statuses);
      if (r.status.isSuccess()) return r;
      if (!r.status.isRejected()) return { ...r, status: r.status.withPlugin(pl.name) };
      if (r.status.message()) messages.push(r.status.message());
      if (r.nominatedNodeName !== undefined) nominatedNodeName = r.nominatedNodeName;
    }
    return { status: Status.unschedulable(...messages), nominatedNodeName };
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): Status {
    for (const pl of this.preScorePlugins) {
      const s = pl.preScore(state, pod, nodes, snapshot);
      if (!s || s.isSuccess()) continue;
      if (s.isSkip()) {
        state.skipScorePlugins.add(pl.name);
        continue;
      }
      return Status.error(`running PreScore plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
    }
    return Status.success();
  }

  /**
   * Scores every node with every (non-skipped) Score plugin, normalizes, applies weights. The
   * list is reused by the next call (one per scheduling cycle): read it before then.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): NodePluginScores[] | Status {
    const result = this.totalsList(nodes);
    for (const pl of this.scorePlugins) {
      if (state.skipScorePlugins.has(pl.name)) continue;
      const w = this.weight(pl.name);
      if (!pl.normalizeScore) {
        // Nothing to normalize: straight into the totals, without a NodeScore per node (this
        // loop runs for every scored node of every pod).
        for (let i = 0; i < nodes.length; i++) {
          const v = pl.score(state, pod, nodes[i]!, snapshot);
          if (v instanceof Status) return Status.error(`running Score plugin "${pl.name}": ${v.message()}`).withPlugin(pl.name);
          if (v > MAX_NODE_SCORE || v < MIN_NODE_SCORE) return invalidScore(pl.name, v);
          result[i]!.totalScore += v * w;
        }
        continue;
      }
      const scores = this.nodeScoreList(nodes.length);
      for (let i = 0; i < nodes.length; i++) {
        const v = pl.score(state, pod, nodes[i]!, snapshot);
        if (v instanceof Status) return Status.error(`running Score plugin "${pl.name}": ${v.message()}`).withPlugin(pl.name);
        const entry = scores[i]!;
        entry.name = nodes[i]!.name;
        entry.score = v;
      }
      const s = pl.normalizeScore(state, pod, scores);
      if (s && !s.isSuccess()) return Status.error(`running Normalize on Score plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
      for (let i = 0; i < scores.length; i++) {
        const v = scores[i]!.score;
        if (v > MAX_NODE_SCORE || v < MIN_NODE_SCORE) return invalidScore(pl.name, v);
        result[i]!.totalScore += v * w;
      }
    }
    return result;
  }

  // The lists scoring works on, reused by every cycle (they run one at a time, and plugins
  // change NormalizeScore's list in place without keeping it): hundreds of entries per pod
  // otherwise.
  private readonly scoreList: NodeScore[] = [];
  private readonly scoreEntries: NodeScore[] = [];
  private readonly totals: NodePluginScores[] = [];
  private readonly totalEntries: NodePluginScores[] = [];

  private nodeScoreList(n: number): NodeScore[] {
    return reuseList(this.scoreList, this.scoreEntries, n, () => ({ name: '', score: 0 }));
  }

  private totalsList(nodes: readonly NodeInfo[]): NodePluginScores[] {
    const list = reuseList(this.totals, this.totalEntries, nodes.length, () => ({ name: '', totalScore: 0 }));
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      entry.name = nodes[i]!.name;
      entry.totalScore = 0;
    }
    return list;
  }

  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const pl of this.reservePlugins) {
      const s = pl.reserve(state, pod, nodeName);
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(pl.name);
        return Status.error(`running Reserve plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
      }
    }
    return Status.success();
  }

  /** Unreserve runs in reverse order, as upstream. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i]!.unreserve(state, pod, nodeName);
  }

  /** Success, a rejection, an error, or Wait with the shortest timeout among waiting plugins. */
  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): { status: Status; timeoutMs?: number } {
    let timeoutMs: number | undefined;
    for (const pl of this.permitPlugins) {
      const r = pl.permit(state, pod, nodeName);
      const s = r.status;
      if (!s || s.isSuccess()) continue;
      if (s.isRejected()) return { status: s.withPlugin(pl.name) };
      if (s.code === Code.Wait) {
        // Upstream caps a plugin's wait at 15 minutes.
        const t = Math.min(r.timeoutMs ?? 15 * 60_000, 15 * 60_000);
        timeoutMs = timeoutMs === undefined ? t : Math.min(timeoutMs, t);
        continue;
      }
      return { status: Status.error(`running Permit plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name) };
    }
    if (timeoutMs !== undefined) return { status: new Status(Code.Wait), timeoutMs };
    return { status: Status.success() };
  }

  runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const pl of this.preBindPlugins) {
      const s = pl.preBind(state, pod, nodeName);
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(pl.name);
        return Status.error(`running PreBind plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name);
      }
    }
    return Status.success();
  }

  /** The first Bind plugin that does not Skip decides; its Binding is for the caller to POST. */
  runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): BindResult & { status: Status } {
    if (this.bindPlugins.length === 0) return { status: Status.skip() };
    for (const pl of this.bindPlugins) {
      const r = pl.bind(state, pod, nodeName);
      const s = r.status ?? Status.success();
      if (s.isSkip()) continue;
      if (!s.isSuccess()) {
        if (s.isRejected()) return { status: s.withPlugin(pl.name) };
        return { status: Status.error(`running Bind plugin "${pl.name}": ${s.message()}`).withPlugin(pl.name) };
      }
      return { status: s, binding: r.binding };
    }
    return { status: Status.skip() };
  }

  hasFilterPlugins(): boolean { return this.filterPlugins.length > 0; }
  hasScorePlugins(): boolean { return this.scorePlugins.length > 0; }
  hasPostFilterPlugins(): boolean { return this.postFilterPlugins.length > 0; }
}

export type { MaybeStatus };

/** Upstream's error for a score out of [MinNodeScore, MaxNodeScore]. */
function invalidScore(plugin: string, v: number): Status {
  return Status.error(`plugin "${plugin}" returns an invalid score ${v}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`);
}

/** `list` resized to n, holding the first n of `entries` (grown with `make` as needed). */
function reuseList<T>(list: T[], entries: T[], n: number, make: () => T): T[] {
  for (let i = entries.length; i < n; i++) entries.push(make());
  list.length = n;
  for (let i = 0; i < n; i++) list[i] = entries[i]!;
  return list;
}
