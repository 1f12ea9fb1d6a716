// Why a pod fits nowhere (upstream framework.Diagnosis and FitError), and its event message:
// "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: …"
import { Status } from './status.js';

/** Statuses of rejected nodes, plus one status standing for every node not listed. */
export class NodeToStatus {
  private readonly map = new Map<string, Status>();
  private absent: Status = Status.unresolvable();

  get(name: string): Status {
    return this.map.get(name) ?? this.absent;
  }

  set(name: string, s: Status): void {
    this.map.set(name, s);
  }

  setAbsentNodesStatus(s: Status): void {
    this.absent = s;
  }

  absentNodesStatus(): Status {
    return this.absent;
  }

  get size(): number {
    return this.map.size;
  }

  entries(): IterableIterator<[string, Status]> {
    return this.map.entries();
  }
}

export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod; the queue requeues it on events these plugins care about. */
  unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

/** Go's sort.Strings order (bytewise), which the message histogram uses. */
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value, not thrown: schedulePod returns it when no node fits. */
export class FitError {
  readonly name = 'FitError';

  constructor(
    readonly podKey: string,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {}

  /** Computed on demand: PostFilter adds its message to the diagnosis afterwards. */
  get message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }

  toString(): string {
    return this.message;
  }
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    // PreFilter rejected every node alike: its message alone, no per-node histogram.
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const [, s] of d.nodeToStatus.entries()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0) for (const r of d.nodeToStatus.absentNodesStatus().reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort(byteCompare);
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}
