// Runs one plugin's extension points the way the framework would, for plugin test tables.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../../src/scheduler/framework/cycle-state.js';
import { isPreFilter, isPreScore, type FilterPlugin, type NodeScore, type Plugin, type ScorePlugin } from '../../../src/scheduler/framework/interfaces.js';
import { newPodInfo } from '../../../src/scheduler/framework/pod-info.js';
import { Snapshot, type SnapshotInput } from '../../../src/scheduler/framework/snapshot.js';
import { Status } from '../../../src/scheduler/framework/status.js';

/** The plugin's verdict for pod on each node: '' when it passes, else "Code: reasons". */
export function filterAll(plugin: Plugin & FilterPlugin, pod: Pod, input: SnapshotInput): Record<string, string> {
  const snapshot = new Snapshot(input);
  const pi = newPodInfo(pod);
  const state = new CycleState();
  const out: Record<string, string> = {};
  if (isPreFilter(plugin)) {
    const r = plugin.preFilter(state, pi, snapshot);
    if (r instanceof Status && r.isSkip()) {
      for (const n of snapshot.nodeInfoList) out[n.name] = '';
      return out;
    }
    if (r instanceof Status && !r.isSuccess()) {
      for (const n of snapshot.nodeInfoList) out[n.name] = r.toString();
      return out;
    }
  }
  for (const n of snapshot.nodeInfoList) {
    const s = plugin.filter(state, pi, n, snapshot);
    out[n.name] = !s || s.isSuccess() ? '' : s.toString();
  }
  return out;
}

/** Normalized scores by node name (PreScore Skip gives {}). */
export function scoreAll(plugin: Plugin & ScorePlugin, pod: Pod, input: SnapshotInput, nodeNames?: string[]): Record<string, number> {
  const snapshot = new Snapshot(input);
  const pi = newPodInfo(pod);
  const state = new CycleState();
  const nodes = snapshot.nodeInfoList.filter((n) => !nodeNames || nodeNames.includes(n.name));
  if (isPreScore(plugin)) {
    const s = plugin.preScore(state, pi, nodes, snapshot);
    if (s && s.isSkip()) return {};
  }
  const scores: NodeScore[] = nodes.map((n) => {
    const v = plugin.score(state, pi, n, snapshot);
    if (v instanceof Status) throw new Error(v.toString());
    return { name: n.name, score: v };
  });
  plugin.normalizeScore?.(state, pi, scores);
  return Object.fromEntries(scores.map((s) => [s.name, s.score]));
}

export type { Node };
