// As upstream's DefaultTolerationSeconds admission plugin: every new pod tolerates the
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable NoExecute taints for 300 s
// (unless it already tolerates them), so a node outage evicts its pods after five minutes.
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Upstream --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Whether an existing toleration already covers `key` NoExecute (upstream checks key and effect). */
function tolerates(list: Toleration[], key: string): boolean {
  return list.some((t) => {
    const effectMatches = !t.effect || t.effect === 'NoExecute';
    const keyMatches = t.key === key || (!t.key && t.operator === 'Exists');
    return effectMatches && keyMatches;
  });
}

export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  constructor(
    private readonly notReadySeconds = DEFAULT_TOLERATION_SECONDS,
    private readonly unreachableSeconds = DEFAULT_TOLERATION_SECONDS,
  ) {}

  admit(a: AdmissionAttributes): void {
    if (a.operation !== 'CREATE' || a.subresource || a.def.group !== '' || a.def.resource !== 'pods' || !a.object) return;
    const spec = (a.object.spec ??= {});
    const list: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
    const added: Toleration[] = [];
    if (!tolerates(list, TAINT_NODE_NOT_READY)) {
      added.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.notReadySeconds });
    }
    if (!tolerates(list, TAINT_NODE_UNREACHABLE)) {
      added.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.unreachableSeconds });
    }
    if (added.length) spec.tolerations = [...list, ...added];
  }
}
