// NodeName: a pod with spec.nodeName set fits only that node (upstream plugins/nodename).
import type { FilterPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { Names } from './names.js';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = Names.NodeName;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const want = pod.pod.spec?.nodeName;
    if (want && want !== node.name) return Status.unresolvable(ERR_REASON_NODE_NAME);
    return null;
  }
}
