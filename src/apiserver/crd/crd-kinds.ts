// Turns a CustomResourceDefinition into the KindDefs of its served versions, so custom
// resources go through the same REST handler, storage and watch cache as built-in kinds.
import type { KindDef, KubeObject, PrinterColumn, Subresource } from '../../api/kinds.js';
import type { FieldError } from '../../api/errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/meta.js';
import type { KindPrinter } from '../table.js';
import { applySchemaDefaults, prune, validateAgainstSchema, type JSONSchemaProps } from './structural.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
}

export interface CrdSpec {
  group: string;
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

/** Printer columns with the JSONPath each cell comes from. */
export interface CrdPrinterColumn extends PrinterColumn {
  jsonPath: string;
}

export interface CustomKindDef extends KindDef {
  custom: true;
  /** The CRD's name, e.g. widgets.example.com. */
  crdName: string;
  schema?: JSONSchemaProps;
  crdPrinterColumns?: CrdPrinterColumn[];
  tablePrinter?: KindPrinter;
}

export function isCustomKind(def: KindDef): def is CustomKindDef {
  return (def as CustomKindDef).custom === true;
}

export function kindsForCrd(crd: KubeObject): CustomKindDef[] {
  const spec = crd.spec as CrdSpec;
  const storage = spec.versions.find((v) => v.storage);
  if (!storage) return [];
  const namespaced = spec.scope === 'Namespaced';
  const singular = spec.names.singular || spec.names.kind.toLowerCase();
  return spec.versions.filter((v) => v.served).map((v) => {
    const schema = v.schema?.openAPIV3Schema;
    const apiVersion = `${spec.group}/${v.name}`;
    const subresources: Subresource[] = [];
    if (v.subresources?.status) subresources.push('status');
    if (v.subresources?.scale) subresources.push('scale');
    const def: CustomKindDef = {
      custom: true,
      crdName: crd.metadata!.name,
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      resource: spec.names.plural,
      singular,
      namespaced,
      shortNames: spec.names.shortNames,
      categories: spec.names.categories,
      subresources,
      hasStatus: !!v.subresources?.status,
      storage: { group: spec.group, resource: spec.names.plural, version: storage.name },
      // Conversion strategy None: versions differ only in apiVersion, as upstream.
      toStorage: (o) => ({ ...o, apiVersion: `${spec.group}/${storage.name}` }),
      fromStorage: (o) => (o.apiVersion === apiVersion ? o : { ...o, apiVersion }),
      scale: v.subresources?.scale,
      schema,
      applyDefaults: (o) => {
        if (schema) applySchemaDefaults(o, schema);
      },
      validate: (o) => validateCustomResource(o, namespaced, schema),
      validateUpdate: (o, old) => validateObjectMetaUpdate(o, old),
      crdPrinterColumns: (v.additionalPrinterColumns ?? []).map((c) => ({
        name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0, jsonPath: c.jsonPath,
      })),
    };
    return def;
  });
}

/** Drops fields the schema does not declare; returns their paths (for fieldValidation). */
export function pruneCustomResource(def: CustomKindDef, obj: KubeObject): string[] {
  return def.schema ? prune(obj, def.schema) : [];
}

function validateCustomResource(obj: KubeObject, namespaced: boolean, schema: JSONSchemaProps | undefined): FieldError[] {
  const errors = validateObjectMeta(obj, { namespaced });
  if (schema) errors.push(...validateAgainstSchema(obj, schema));
  return errors;
}
