// What a strategic merge patch needs to know about the object it patches: for each field, its
// x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key, and the schema one level down.
// Backed by the OpenAPI definitions, as upstream's PatchMetaFromOpenAPI (strategicpatch/meta.go).
import { REF_PREFIX_V2, type Definitions, type Schema } from './openapi/definitions.js';

export interface PatchField {
  /** The field's patch strategies, e.g. ['merge'], ['retainKeys'], ['merge', 'retainKeys']; [] for none. */
  strategies: readonly string[];
  /** The key that identifies items of a merged list of objects; '' for none. */
  mergeKey: string;
  /** The schema of the field's value; for a list, of each of its items. */
  schema: PatchSchema;
}

export interface PatchSchema {
  /** For error messages, as upstream's LookupPatchMeta.Name(). */
  readonly name: string;
  /** The patch metadata of one field of the object this schema describes. */
  field(name: string): PatchField;
}

/** Knows no field: maps merge, lists are replaced, as a JSON merge patch. */
export const noSchema: PatchSchema = {
  name: 'unknown',
  field: () => unknownField,
};
const unknownField: PatchField = { strategies: [], mergeKey: '', schema: noSchema };

const STRATEGY = 'x-kubernetes-patch-strategy';
const MERGE_KEY = 'x-kubernetes-patch-merge-key';
const REF_PREFIX_V3 = '#/components/schemas/';

/** The patch schema of a named definition, e.g. 'io.k8s.api.core.v1.Pod'. Unknown names give noSchema. */
export function schemaForDefinition(definitions: Definitions, name: string): PatchSchema {
  const byName = new Map<string, PatchSchema>();

  const schemaOf = (node: Schema | undefined): PatchSchema => {
    const resolved = resolve(node);
    if (!resolved) return noSchema;
    if (!resolved.name) return fromNode(resolved.node, resolved.node.type ?? 'object');
    let cached = byName.get(resolved.name);
    if (!cached) {
      cached = fromNode(resolved.node, resolved.name);
      byName.set(resolved.name, cached);
    }
    return cached;
  };

  const fromNode = (node: Schema, label: string): PatchSchema => ({
    name: label,
    field(key: string): PatchField {
      const prop = ownProperty(node.properties, key)
        ?? (isSchema(node.additionalProperties) ? node.additionalProperties : undefined);
      if (!prop) return unknownField;
      const strategy = prop[STRATEGY];
      const mergeKey = prop[MERGE_KEY];
      // The extensions sit on the property; the value's shape may sit behind a $ref or allOf.
      const value = resolve(prop)?.node;
      return {
        strategies: typeof strategy === 'string' && strategy ? strategy.split(',') : [],
        mergeKey: typeof mergeKey === 'string' ? mergeKey : '',
        schema: value?.type === 'array' ? schemaOf(value.items) : schemaOf(prop),
      };
    },
  });

  /** Follows $ref and a single allOf (how generators wrap a $ref with a description). */
  function resolve(node: Schema | undefined): { node: Schema; name?: string } | undefined {
    let name: string | undefined;
    for (let hops = 0; node && hops < 16; hops++) {
      const ref = typeof node.$ref === 'string' ? node.$ref : undefined;
      if (ref) {
        name = ref.startsWith(REF_PREFIX_V2) ? ref.slice(REF_PREFIX_V2.length)
          : ref.startsWith(REF_PREFIX_V3) ? ref.slice(REF_PREFIX_V3.length) : ref;
        node = definitions[name];
      } else if (Array.isArray(node.allOf) && node.allOf.length === 1 && !node.properties) {
        node = node.allOf[0];
      } else {
        return { node, name };
      }
    }
    return undefined;
  }

  return definitions[name] ? schemaOf({ $ref: `${REF_PREFIX_V2}${name}` }) : noSchema;
}

function ownProperty(props: unknown, key: string): Schema | undefined {
  if (!isSchema(props) || !Object.hasOwn(props, key)) return undefined;
  const value = props[key];
  return isSchema(value) ? value : undefined;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
