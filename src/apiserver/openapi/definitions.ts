// The schema definitions of the built-in API types, generated at build time by
// scripts/gen-openapi-definitions.mjs into definitions.generated.json next to this module,
// and the choice of definitions a set of served kinds needs.
import { readFileSync } from 'node:fs';
import type { KindDef } from '../../api/kinds.js';

/** A Swagger 2.0 / JSON-schema fragment; $refs are '#/definitions/<name>'. */
export type Schema = Record<string, any>;
export type Definitions = Record<string, Schema>;

export interface GroupVersionKind { group: string; version: string; kind: string }

export const REF_PREFIX_V2 = '#/definitions/';
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const STATUS = `${META}.Status`;
export const PATCH = `${META}.Patch`;
export const API_RESOURCE_LIST = `${META}.APIResourceList`;
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

const GENERATED = new URL('./definitions.generated.json', import.meta.url);
let generated: Definitions | undefined;

/** The generated definitions (read once). Throws if the build step did not run. */
export function builtinDefinitions(): Definitions {
  if (!generated) {
    let text: string;
    try {
      text = readFileSync(GENERATED, 'utf8');
    } catch (err) {
      throw new Error(`OpenAPI definitions missing at ${GENERATED.pathname}: run scripts/gen-openapi-definitions.mjs (part of npm run build)`, { cause: err });
    }
    generated = (JSON.parse(text) as { definitions: Definitions }).definitions;
  }
  return generated;
}

/** Sets the definitions used instead of the generated file (tests). */
export function setBuiltinDefinitionsForTest(defs: Definitions | undefined): void {
  generated = defs;
}

export function gvkKey(g: GroupVersionKind): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

/** Index of the definitions that carry exactly one x-kubernetes-group-version-kind. */
function indexByGvk(defs: Definitions): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, schema] of Object.entries(defs)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    if (gvks?.length === 1) index.set(gvkKey(gvks[0]!), name);
  }
  return index;
}

/** Upstream's name for the schema of a kind outside the built-in types (as for CRDs: reversed group). */
function syntheticName(g: GroupVersionKind): string {
  const group = g.group ? g.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${group}.${g.version}.${g.kind}`;
}

const API_VERSION_DESCRIPTION = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/**
 * A kind with no built-in type: a custom resource. With the CRD's schema it is published as
 * upstream does (apiVersion, kind and metadata filled in); without, as a free-form object.
 */
function syntheticKind(g: GroupVersionKind, crdSchema?: Schema): Schema {
  if (crdSchema) {
    return {
      ...crdSchema,
      properties: {
        // As upstream's CRD OpenAPI builder: TypeMeta's fields and metadata with their descriptions.
        apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
        kind: { type: 'string', description: KIND_DESCRIPTION },
        metadata: { description: METADATA_DESCRIPTION, $ref: `${REF_PREFIX_V2}${META}.ObjectMeta` },
        ...Object.fromEntries(Object.entries(crdSchema.properties ?? {}).filter(([k]) => !['apiVersion', 'kind', 'metadata'].includes(k))),
      },
      'x-kubernetes-group-version-kind': [g],
    };
  }
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: `${REF_PREFIX_V2}${META}.ObjectMeta` },
    },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': [g],
  };
}

function syntheticList(g: GroupVersionKind, itemName: string): Schema {
  return {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      items: { type: 'array', items: { $ref: `${REF_PREFIX_V2}${itemName}` } },
      kind: { type: 'string' },
      metadata: { $ref: `${REF_PREFIX_V2}${META}.ListMeta` },
    },
    'x-kubernetes-group-version-kind': [{ ...g, kind: `${g.kind}List` }],
  };
}

/** What one served kind is described by. */
export interface KindSchemas {
  def: KindDef;
  /** Definition name of the kind and of its list. */
  kindName: string;
  listName: string;
}

/**
 * The definitions a set of served kinds needs: each kind and its list, everything they
 * reference, and the meta types the operations use. DeleteOptions and WatchEvent carry
 * one group-version-kind per served group/version, as upstream registers them in every group.
 */
export class DefinitionSet {
  readonly all: Definitions = {};
  readonly kinds: KindSchemas[] = [];

  constructor(kinds: readonly KindDef[], builtin: Definitions = builtinDefinitions()) {
    const byGvk = indexByGvk(builtin);
    const extra: Definitions = {};
    for (const def of kinds) {
      const gvk = { group: def.group, version: def.version, kind: def.kind };
      let kindName = byGvk.get(gvkKey(gvk));
      if (!kindName) {
        kindName = syntheticName(gvk);
        extra[kindName] = syntheticKind(gvk, (def as { schema?: Schema }).schema);
      }
      let listName = byGvk.get(gvkKey({ ...gvk, kind: `${def.kind}List` }));
      if (!listName) {
        listName = `${kindName}List`;
        extra[listName] = syntheticList(gvk, kindName);
      }
      this.kinds.push({ def, kindName, listName });
    }
    const source: Definitions = { ...builtin, ...extra };
    const roots = [
      ...this.kinds.flatMap((k) => [k.kindName, k.listName]),
      DELETE_OPTIONS, WATCH_EVENT, STATUS, PATCH, API_RESOURCE_LIST,
      ...(kinds.some((k) => k.subresources?.includes('scale')) ? [SCALE] : []),
    ];
    for (const name of closure(source, roots)) this.all[name] = source[name]!;

    // Status is the core/v1 kind every group returns; upstream tags it so.
    this.all[STATUS] = { ...this.all[STATUS], 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }] };
    const groupVersions = uniqueGroupVersions(kinds);
    for (const name of [DELETE_OPTIONS, WATCH_EVENT]) {
      const kind = name.slice(name.lastIndexOf('.') + 1);
      this.all[name] = {
        ...this.all[name],
        'x-kubernetes-group-version-kind': groupVersions.map((gv) => ({ group: gv.group, kind, version: gv.version })),
      };
    }
  }

  /** The named definitions and everything they reference, in name order. */
  subset(roots: readonly string[]): Definitions {
    const out: Definitions = {};
    for (const name of closure(this.all, roots)) out[name] = this.all[name]!;
    return out;
  }
}

/** Group/versions of the kinds, core first, then groups by name, as upstream lists them. */
export function uniqueGroupVersions(kinds: readonly KindDef[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const k of kinds) seen.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
  return [...seen.values()].sort((a, b) =>
    a.group === b.group ? a.version.localeCompare(b.version) : a.group.localeCompare(b.group));
}

/** Names reachable from `roots` through $refs, sorted. */
export function closure(defs: Definitions, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const schema = defs[name];
    if (!schema) throw new Error(`OpenAPI: no definition ${name}`);
    seen.add(name);
    collectRefs(schema, (ref) => stack.push(ref));
  }
  return [...seen].sort();
}

function collectRefs(node: unknown, found: (name: string) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX_V2)) {
        found(value.slice(REF_PREFIX_V2.length));
      } else {
        collectRefs(value, found);
      }
    }
  }
}
