// Which Ingresses this controller serves, and the IngressClass that says so. As upstream
// controllers do (ingress-nginx's --controller-class), an Ingress is ours when the class it
// names has our controller in spec.controller.
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import type { ResourceDescriptor } from '../client/resources.js';

/** Our spec.controller value, in the upstream `<domain>/<name>` style (k8s.io/ingress-nginx). */
export const INGRESS_CONTROLLER_NAME = 'coxswain.io/ingress-controller';
export const DEFAULT_CLASS_NAME = 'coxswain';
/** Upstream's marker for the class an Ingress without one gets. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** Deprecated before spec.ingressClassName existed; still honoured by upstream controllers. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export const ingressClasses: ResourceDescriptor<IngressClass> = {
  group: 'networking.k8s.io',
  version: 'v1',
  resource: 'ingressclasses',
  kind: 'IngressClass',
  namespaced: false,
};

/** The IngressClass we create when none of that name exists: ours, and the cluster default. */
export function defaultIngressClass(name: string): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: INGRESS_CONTROLLER_NAME },
  };
}

/**
 * Creates our IngressClass if it is missing. An existing one (the user's, perhaps with the
 * default annotation removed) is left exactly as it is.
 */
export async function ensureIngressClass(client: ApiClient, name: string): Promise<'created' | 'exists'> {
  const classes = client.resource(ingressClasses);
  try {
    await classes.get(name);
    return 'exists';
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await classes.create(defaultIngressClass(name));
    return 'created';
  } catch (err) {
    if (isAlreadyExists(err)) return 'exists';
    throw err;
  }
}

/**
 * The class an Ingress without one belongs to. Upstream's DefaultIngressClass admission plugin
 * writes it into spec.ingressClassName at creation; our API server has no such plugin, so we
 * apply the same choice when reading: the default-annotated class, the newest when several are.
 */
export function defaultClassName(classes: readonly IngressClass[]): string | undefined {
  let best: IngressClass | undefined;
  for (const c of classes) {
    if (c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] !== 'true') continue;
    if (!best || (c.metadata?.creationTimestamp ?? '') > (best.metadata?.creationTimestamp ?? '')) best = c;
  }
  return best?.metadata?.name;
}

/** Decides, from the IngressClasses in the cache, whether an Ingress is ours. */
export class IngressClassFilter {
  private readonly ours: Set<string>;
  private readonly defaultClass: string | undefined;

  constructor(classes: readonly IngressClass[], controller = INGRESS_CONTROLLER_NAME) {
    this.ours = new Set(classes.filter((c) => c.spec?.controller === controller).map((c) => c.metadata?.name ?? ''));
    this.defaultClass = defaultClassName(classes);
  }

  serves(ing: Ingress): boolean {
    const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
    const cls = named ?? this.defaultClass;
    return cls !== undefined && this.ours.has(cls);
  }
}
