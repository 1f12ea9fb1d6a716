// As upstream's DefaultIngressClass admission plugin: a new Ingress that names no class gets
// the IngressClass annotated `ingressclass.kubernetes.io/is-default-class: "true"` (the newest
// one when several are marked), so `kubectl get ingress` shows it. The deprecated
// `kubernetes.io/ingress.class` annotation counts as naming a class.
import type { ResourceRegistry } from '../resources.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';

  constructor(private readonly registry: ResourceRegistry | (() => ResourceRegistry)) {}

  private get resources(): ResourceRegistry {
    return typeof this.registry === 'function' ? this.registry() : this.registry;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.subresource || a.def.group !== 'networking.k8s.io' || a.def.resource !== 'ingresses' || !a.object) return;
    const spec = (a.object.spec ??= {});
    if (spec.ingressClassName || a.object.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION]) return;
    const name = await this.defaultClass();
    if (name) spec.ingressClassName = name;
  }

  private async defaultClass(): Promise<string | undefined> {
    const def = this.resources.lookup('networking.k8s.io', 'v1', 'ingressclasses');
    if (!def) return undefined;
    const { items } = await this.resources.storeFor(def).list('');
    let newest: { name: string; created: string } | undefined;
    for (const { obj } of items) {
      if (obj.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] !== 'true') continue;
      const created = obj.metadata?.creationTimestamp ?? '';
      if (!newest || created > newest.created) newest = { name: obj.metadata?.name, created };
    }
    return newest?.name;
  }
}
