// NodePorts: a pod's hostPorts must be free on the node; 0.0.0.0 conflicts with every address
// for the same port and protocol (upstream plugins/nodeports, HostPortInfo.CheckConflict).
import type { CycleState, StateData } from '../framework/cycle-state.js';
import type { FilterPlugin, PreFilterPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { HostPort, PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { Names } from './names.js';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
const ANY = '0.0.0.0';

export function portsConflict(wanted: readonly HostPort[], used: readonly HostPort[]): boolean {
  for (const w of wanted) {
    for (const u of used) {
      if (u.port !== w.port || u.protocol !== w.protocol) continue;
      if (w.hostIP === ANY || u.hostIP === ANY || u.hostIP === w.hostIP) return true;
    }
  }
  return false;
}

class PortsState implements StateData {
  constructor(readonly ports: HostPort[]) {}
  clone(): StateData { return this; }
}

const key = 'PreFilter' + Names.NodePorts;

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = Names.NodePorts;

  preFilter(state: CycleState, pod: PodInfo): MaybeStatus {
    if (pod.hostPorts.length === 0) return Status.skip();
    state.write(key, new PortsState(pod.hostPorts));
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const ports = state.read<PortsState>(key)?.ports ?? pod.hostPorts;
    return portsConflict(ports, node.usedPorts) ? Status.unschedulable(ERR_REASON_PORTS) : null;
  }
}
