// As upstream's Priority admission plugin: a new pod's spec.priority and preemptionPolicy are
// resolved from its priorityClassName, or from the globalDefault PriorityClass when it names
// none (priority 0 and PreemptLowerPriority when there is none). A missing class, or a
// spec.priority or preemptionPolicy that disagrees with the class, is refused.
import { ForbiddenError, NotFoundError } from '../../api/errors.js';
import type { ResourceRegistry } from '../resources.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

/** Upstream scheduling.SystemPriorityClasses (always present, whether stored or not). */
const SYSTEM_CLASSES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

interface Resolved {
  name: string;
  value: number;
  preemptionPolicy?: string;
}

export class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority';

  /** A function for callers that build the plugin before the server (its registry) exists. */
  constructor(private readonly registry: ResourceRegistry | (() => ResourceRegistry)) {}

  private get resources(): ResourceRegistry {
    return typeof this.registry === 'function' ? this.registry() : this.registry;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource || a.def.group !== '' || a.def.resource !== 'pods' || !a.object) return;
    const spec = (a.object.spec ??= {});
    const podName = a.name || a.object.metadata?.name || a.object.metadata?.generateName || '';
    let resolved: Resolved | undefined;
    if (spec.priorityClassName) {
      resolved = await this.lookup(spec.priorityClassName);
      if (!resolved) {
        throw new ForbiddenError(`pods "${podName}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, { name: podName, kind: 'pods' });
      }
    } else {
      resolved = await this.globalDefault();
      if (resolved) spec.priorityClassName = resolved.name;
    }
    const value = resolved?.value ?? 0;
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
      throw new ForbiddenError(
        `pods "${podName}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
        { name: podName, kind: 'pods' },
      );
    }
    spec.priority = value;
    // Without any class, as upstream getDefaultPriority: pods may preempt lower-priority ones.
    const policy = resolved ? resolved.preemptionPolicy : 'PreemptLowerPriority';
    if (!policy) return;
    if (spec.preemptionPolicy != null && spec.preemptionPolicy !== policy) {
      throw new ForbiddenError(
        `pods "${podName}" is forbidden: the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
        { name: podName, kind: 'pods' },
      );
    }
    spec.preemptionPolicy = policy;
  }

  private async lookup(name: string): Promise<Resolved | undefined> {
    const def = this.resources.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (def) {
      try {
        const pc = (await this.resources.storeFor(def).get('', name)).obj;
        return { name, value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy };
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    if (name in SYSTEM_CLASSES) return { name, value: SYSTEM_CLASSES[name]!, preemptionPolicy: 'PreemptLowerPriority' };
    return undefined;
  }

  /** The globalDefault class; with several, the lowest value, as upstream getDefaultPriorityClass. */
  private async globalDefault(): Promise<Resolved | undefined> {
    const def = this.resources.lookup('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (!def) return undefined;
    const { items } = await this.resources.storeFor(def).list('');
    let best: Resolved | undefined;
    for (const { obj } of items) {
      if (!obj.globalDefault) continue;
      if (!best || (obj.value ?? 0) < best.value) best = { name: obj.metadata?.name, value: obj.value ?? 0, preemptionPolicy: obj.preemptionPolicy };
    }
    return best;
  }
}
