// The in-tree plugin registry (upstream plugins/registry.go): plugin name → factory.
import type { PluginFactory, Registry } from './framework/profile.js';
import { NodeResourcesBalancedAllocation } from './plugins/balanced-allocation.js';
import { DefaultBinder } from './plugins/default-binder.js';
import { DefaultPreemption, type DefaultPreemptionArgs } from './plugins/default-preemption.js';
import { ImageLocality } from './plugins/image-locality.js';
import { InterPodAffinity, type InterPodAffinityArgs } from './plugins/inter-pod-affinity.js';
import { Names } from './plugins/names.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodeName } from './plugins/node-name.js';
import { NodePorts } from './plugins/node-ports.js';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './plugins/node-resources-fit.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { PodTopologySpread, type PodTopologySpreadArgs } from './plugins/pod-topology-spread.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { VolumeBinding } from './plugins/volume-binding.js';

export function inTreeRegistry(): Registry {
  const r = new Map<string, PluginFactory>([
    [Names.NodeUnschedulable, () => new NodeUnschedulable()],
    [Names.NodeName, () => new NodeName()],
    [Names.TaintToleration, () => new TaintToleration()],
    [Names.NodeAffinity, () => new NodeAffinity()],
    [Names.NodePorts, () => new NodePorts()],
    [Names.NodeResourcesFit, (args) => new NodeResourcesFit(args as NodeResourcesFitArgs)],
    [Names.VolumeBinding, () => new VolumeBinding()],
    [Names.PodTopologySpread, (args) => new PodTopologySpread(args as PodTopologySpreadArgs)],
    [Names.InterPodAffinity, (args) => new InterPodAffinity(args as InterPodAffinityArgs)],
    [Names.DefaultPreemption, (args, handle) => new DefaultPreemption(handle, args as DefaultPreemptionArgs)],
    [Names.NodeResourcesBalancedAllocation, () => new NodeResourcesBalancedAllocation()],
    [Names.ImageLocality, () => new ImageLocality()],
    [Names.DefaultBinder, () => new DefaultBinder()],
  ]);
  return r;
}
