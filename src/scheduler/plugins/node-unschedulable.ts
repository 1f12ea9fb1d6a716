// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating the
// node.kubernetes.io/unschedulable:NoSchedule taint (upstream plugins/nodeunschedulable).
import type { FilterPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { tolerationsTolerateTaint } from '../helpers/tolerations.js';
import { Names } from './names.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export class NodeUnschedulable implements FilterPlugin {
  readonly name = Names.NodeUnschedulable;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): MaybeStatus {
    if (!node.unschedulable) return null;
    const tolerated = tolerationsTolerateTaint(pod.pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    return tolerated ? null : Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
}
