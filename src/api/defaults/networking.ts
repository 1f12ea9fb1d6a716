// networking.k8s.io/v1 and discovery.k8s.io/v1 defaults.
import type { KubeObject } from '../kinds.js';
import { child, items, setDefault } from './set-default.js';

/** Upstream SetDefaults_NetworkPolicy: Ingress always, Egress when egress rules are given. */
export function defaultNetworkPolicy(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  for (const rule of [...items(spec, 'ingress'), ...items(spec, 'egress')]) {
    for (const port of items(rule, 'ports')) setDefault(port, 'protocol', 'TCP');
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

export function defaultEndpointSlice(obj: KubeObject): void {
  for (const port of items(obj, 'ports')) {
    setDefault(port, 'name', '');
    setDefault(port, 'protocol', 'TCP');
  }
}
