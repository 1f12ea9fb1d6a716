// Defaults of CustomResourceDefinitions, as upstream's SetDefaults_CustomResourceDefinition.
import type { KubeObject } from '../kinds.js';

export function defaultCustomResourceDefinition(crd: KubeObject): void {
  const spec = (crd.spec ??= {});
  spec.conversion ??= { strategy: 'None' };
  const names = (spec.names ??= {});
  if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
  if (!names.listKind && typeof names.kind === 'string') names.listKind = `${names.kind}List`;
}
