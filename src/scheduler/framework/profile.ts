// A scheduling profile (upstream KubeSchedulerProfile): the schedulerName pods select it by and
// its plugins, in order, with Score weights and optional args. A registry maps plugin names to
// factories.
import type { CycleState } from './cycle-state.js';
import type { Plugin } from './interfaces.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './snapshot.js';
import type { Status } from './status.js';

export interface PluginConfig {
  name: string;
  /** Score weight; upstream defaults an unset weight to 1. */
  weight?: number;
  args?: unknown;
}

export interface Profile {
  schedulerName: string;
  plugins: PluginConfig[];
  /** 0 or unset: adaptive, as upstream (50% − nodes/125, at least 5%). */
  percentageOfNodesToScore?: number;
}

/** What a plugin factory may use: the running framework (DefaultPreemption runs filters through it). */
export interface FrameworkHandle {
  readonly profileName: string;
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot): Status;
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo, snapshot: Snapshot): Status;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo, snapshot: Snapshot): Status;
}

export type PluginFactory = (args: unknown, handle: FrameworkHandle) => Plugin;

export type Registry = ReadonlyMap<string, PluginFactory>;
