// Validation of CustomResourceDefinitions (apiextensions.k8s.io/v1), after upstream's
// ValidateCustomResourceDefinition: names, group, scope, versions and structural schemas.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { invalid, notSupported, required, forbidden } from './field-errors.js';
import { isDNS1035Label, isDNS1123Subdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

export function validateCustomResourceDefinition(crd: KubeObject): FieldError[] {
  const errors = validateObjectMeta(crd, { namespaced: false });
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  if (!spec.group) errors.push(required('spec.group'));
  else if (isDNS1123Subdomain(spec.group).length) errors.push(invalid('spec.group', spec.group, isDNS1123Subdomain(spec.group).join(',')));
  else if (!String(spec.group).includes('.')) errors.push(invalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (crd.metadata?.name && names.plural && spec.group && crd.metadata.name !== `${names.plural}.${spec.group}`) {
    errors.push(invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (!names.plural) errors.push(required('spec.names.plural'));
  else if (isDNS1035Label(names.plural).length) errors.push(invalid('spec.names.plural', names.plural, isDNS1035Label(names.plural).join(',')));
  if (names.singular && isDNS1035Label(names.singular).length) errors.push(invalid('spec.names.singular', names.singular, isDNS1035Label(names.singular).join(',')));
  if (!names.kind) errors.push(required('spec.names.kind'));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) errors.push(invalid('spec.names.kind', names.kind, 'may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$'));
  if (names.listKind && names.listKind === names.kind) errors.push(invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  (names.shortNames ?? []).forEach((s: string, i: number) => {
    if (isDNS1035Label(s).length) errors.push(invalid(`spec.names.shortNames[${i}]`, s, isDNS1035Label(s).join(',')));
  });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errors.push(notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions: any[] = Array.isArray(spec.versions) ? spec.versions : [];
  if (!versions.length) errors.push(invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v?.storage).length !== 1) {
    errors.push(invalid('spec.versions', versions.map((v) => v?.name), 'must have exactly one version marked as storage version'));
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const f = `spec.versions[${i}]`;
    if (!v?.name) errors.push(required(`${f}.name`));
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.name)) errors.push(invalid(`${f}.name`, v.name, 'must be a DNS-1035 label'));
    else if (seen.has(v.name)) errors.push(invalid('spec.versions', v.name, 'must contain unique version names'));
    seen.add(v?.name);
    const schema = v?.schema?.openAPIV3Schema;
    if (!schema) errors.push(required(`${f}.schema.openAPIV3Schema`, 'schemas are required'));
    else errors.push(...validateStructural(schema, `${f}.schema.openAPIV3Schema`, true));
    const scale = v?.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath) errors.push(required(`${f}.subresources.scale.specReplicasPath`));
      else if (!String(scale.specReplicasPath).startsWith('.spec.')) errors.push(invalid(`${f}.subresources.scale.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
      if (!scale.statusReplicasPath) errors.push(required(`${f}.subresources.scale.statusReplicasPath`));
      else if (!String(scale.statusReplicasPath).startsWith('.status.')) errors.push(invalid(`${f}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    }
    (v?.additionalPrinterColumns ?? []).forEach((c: any, j: number) => {
      const cf = `${f}.additionalPrinterColumns[${j}]`;
      if (!c?.name) errors.push(required(`${cf}.name`));
      if (!['integer', 'number', 'string', 'boolean', 'date'].includes(c?.type)) errors.push(notSupported(`${cf}.type`, c?.type ?? '', ['integer', 'number', 'string', 'boolean', 'date']));
      if (!c?.jsonPath) errors.push(required(`${cf}.jsonPath`));
    });
  });
  return errors;
}

export function validateCustomResourceDefinitionUpdate(crd: KubeObject, old: KubeObject): FieldError[] {
  const errors = validateObjectMetaUpdate(crd, old);
  if (old.spec?.scope && crd.spec?.scope !== old.spec.scope) errors.push(invalid('spec.scope', crd.spec?.scope, 'field is immutable'));
  if (old.spec?.group && crd.spec?.group !== old.spec.group) errors.push(invalid('spec.group', crd.spec?.group, 'field is immutable'));
  return errors;
}

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** A structural schema: every node has a type (or int-or-string / preserve-unknown-fields). */
function validateStructural(s: any, path: string, root: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!s || typeof s !== 'object' || Array.isArray(s)) return [invalid(path, s, 'must be an object')];
  if (root && s.type !== 'object') errors.push(invalid(`${path}.type`, s.type ?? '', 'must be object at the root'));
  const special = s['x-kubernetes-int-or-string'] || s['x-kubernetes-preserve-unknown-fields'];
  if (s.type === undefined && !special) errors.push(required(`${path}.type`, 'must not be empty for specified object fields'));
  if (s.type !== undefined && !TYPES.includes(s.type)) errors.push(notSupported(`${path}.type`, s.type, TYPES));
  if (s.type === 'array' && !s.items) errors.push(required(`${path}.items`, 'must be specified'));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errors.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    if (root && k === 'metadata') continue;
    errors.push(...validateStructural(v, `${path}.properties[${k}]`, false));
  }
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) errors.push(...validateStructural(s.items, `${path}.items`, false));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    errors.push(...validateStructural(s.additionalProperties, `${path}.additionalProperties`, false));
  }
  return errors;
}
