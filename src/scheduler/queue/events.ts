// Cluster events that can make an unschedulable pod schedulable, and which plugins care about
// which (a simplified form of upstream's EventsToRegister / QueueingHints).
import { Names } from '../plugins/names.js';

export type EventResource =
  | 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'Namespace';
export type EventAction = 'Add' | 'Update' | 'Delete';

export interface ClusterEvent {
  resource: EventResource;
  action: EventAction;
  /** Label for logs, as upstream's event labels ("NodeAdd", "AssignedPodDelete", …). */
  label?: string;
}

export const EVENTS = {
  NodeAdd: { resource: 'Node', action: 'Add', label: 'NodeAdd' },
  NodeUpdate: { resource: 'Node', action: 'Update', label: 'NodeUpdate' },
  AssignedPodAdd: { resource: 'AssignedPod', action: 'Add', label: 'AssignedPodAdd' },
  AssignedPodUpdate: { resource: 'AssignedPod', action: 'Update', label: 'AssignedPodUpdate' },
  AssignedPodDelete: { resource: 'AssignedPod', action: 'Delete', label: 'AssignedPodDelete' },
  PvcAdd: { resource: 'PersistentVolumeClaim', action: 'Add', label: 'PvcAdd' },
  PvcUpdate: { resource: 'PersistentVolumeClaim', action: 'Update', label: 'PvcUpdate' },
  PvAdd: { resource: 'PersistentVolume', action: 'Add', label: 'PvAdd' },
  PvUpdate: { resource: 'PersistentVolume', action: 'Update', label: 'PvUpdate' },
  StorageClassAdd: { resource: 'StorageClass', action: 'Add', label: 'StorageClassAdd' },
  NamespaceUpdate: { resource: 'Namespace', action: 'Update', label: 'NamespaceUpdate' },
  /** Not a cluster event: a pod waited in unschedulablePods longer than the maximum. */
  UnschedulableTimeout: { resource: 'UnscheduledPod', action: 'Update', label: 'UnschedulableTimeout' },
} as const satisfies Record<string, ClusterEvent>;

type Interest = readonly { resource: EventResource; actions: readonly EventAction[] }[];
const nodeAddUpdate = { resource: 'Node', actions: ['Add', 'Update'] } as const;
const allAssignedPod = { resource: 'AssignedPod', actions: ['Add', 'Update', 'Delete'] } as const;

/** Plugin → the events that may make it accept a pod it rejected. */
export const DEFAULT_PLUGIN_EVENTS: ReadonlyMap<string, Interest> = new Map<string, Interest>([
  [Names.NodeUnschedulable, [nodeAddUpdate]],
  [Names.NodeName, [{ resource: 'Node', actions: ['Add'] }]],
  [Names.TaintToleration, [nodeAddUpdate]],
  [Names.NodeAffinity, [nodeAddUpdate]],
  [Names.NodePorts, [{ resource: 'AssignedPod', actions: ['Delete'] }, { resource: 'Node', actions: ['Add'] }]],
  [Names.NodeResourcesFit, [{ resource: 'AssignedPod', actions: ['Update', 'Delete'] }, nodeAddUpdate]],
  [Names.VolumeBinding, [
    { resource: 'PersistentVolumeClaim', actions: ['Add', 'Update'] }, { resource: 'PersistentVolume', actions: ['Add', 'Update'] },
    { resource: 'StorageClass', actions: ['Add', 'Update'] }, nodeAddUpdate,
  ]],
  [Names.PodTopologySpread, [allAssignedPod, { resource: 'Node', actions: ['Add', 'Update', 'Delete'] }]],
  [Names.InterPodAffinity, [allAssignedPod, nodeAddUpdate, { resource: 'Namespace', actions: ['Add', 'Update'] }]],
]);

/** Whether `event` may help a pod rejected by `plugins` (a pod with no recorded plugin always moves). */
export function eventMayHelp(
  event: ClusterEvent, plugins: ReadonlySet<string>, interests: ReadonlyMap<string, Interest> = DEFAULT_PLUGIN_EVENTS,
): boolean {
  if (event.resource === 'UnscheduledPod' || plugins.size === 0) return true;
  for (const p of plugins) {
    const interest = interests.get(p);
    // Unknown plugins (out of tree) get every event, as upstream does without hints.
    if (!interest) return true;
    for (const i of interest) if (i.resource === event.resource && i.actions.includes(event.action)) return true;
  }
  return false;
}
