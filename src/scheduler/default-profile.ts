// The default profile, in upstream's default plugin order (which is also the order Filters run,
// and so which reason a node reports) with upstream's Score weights.
import { Framework } from './framework/framework.js';
import type { PluginConfig, Profile, Registry } from './framework/profile.js';
import { Names } from './plugins/names.js';
import { inTreeRegistry } from './registry.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const DEFAULT_PLUGINS: readonly PluginConfig[] = [
  { name: Names.NodeUnschedulable },
  { name: Names.NodeName },
  { name: Names.TaintToleration, weight: 3 },
  { name: Names.NodeAffinity, weight: 2 },
  { name: Names.NodePorts },
  { name: Names.NodeResourcesFit, weight: 1 },
  { name: Names.VolumeBinding },
  { name: Names.PodTopologySpread, weight: 2 },
  { name: Names.InterPodAffinity, weight: 2 },
  { name: Names.DefaultPreemption },
  { name: Names.NodeResourcesBalancedAllocation, weight: 1 },
  { name: Names.ImageLocality, weight: 1 },
  { name: Names.DefaultBinder },
];

export function defaultProfile(schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  return { schedulerName, plugins: DEFAULT_PLUGINS.map((p) => ({ ...p })) };
}

/** A framework for the default profile; pass overrides for plugin args (e.g. a seeded random for preemption). */
export function newDefaultFramework(opts: { schedulerName?: string; registry?: Registry; args?: Record<string, unknown> } = {}): Framework {
  const profile = defaultProfile(opts.schedulerName);
  for (const p of profile.plugins) if (opts.args?.[p.name] !== undefined) p.args = opts.args[p.name];
  return new Framework(profile, opts.registry ?? inTreeRegistry());
}
