// The shape server-side apply needs of an object, derived from the OpenAPI definitions as
// upstream's schemaconv (kube-openapi) does for structured-merge-diff:
// - lists: x-kubernetes-list-type wins (atomic | set | map with x-kubernetes-list-map-keys);
//   otherwise a patch strategy containing "merge" makes an associative list keyed by
//   x-kubernetes-patch-merge-key (a set when there is no key); any other list is atomic;
// - objects: granular unless x-kubernetes-map-type: atomic (or upstream +structType=atomic);
//   properties are named struct fields, additionalProperties are map entries;
// - Quantity, RawExtension and int-or-string are scalars; schemaless values are "deduced"
//   from the value itself (objects granular, lists atomic).
import { REF_PREFIX_V2, type Definitions, type Schema } from '../openapi/definitions.js';
import { isObject, type Json } from './json-value.js';

export type ApplyType = ScalarType | ListType | MapType | DeducedType;

export interface ScalarType { readonly kind: 'scalar' }
export interface DeducedType { readonly kind: 'deduced' }

export interface ListType {
  readonly kind: 'list';
  /** Atomic lists are owned and replaced as a whole. */
  readonly atomic: boolean;
  /** Key fields of an associative list of objects; [] with atomic=false is a set of scalars. */
  readonly keys: readonly string[];
  /** Defaults of key fields, used when an item omits them (upstream getAssociativeKeyDefault). */
  readonly keyDefaults: Readonly<Record<string, Json>>;
  readonly item: ApplyType;
}

export interface FieldType {
  readonly type: ApplyType;
  /** A struct field (declared property) rather than a map entry; named fields with children are not members. */
  readonly named: boolean;
}

export interface MapType {
  readonly kind: 'map';
  readonly atomic: boolean;
  field(name: string): FieldType;
}

export const scalarType: ScalarType = { kind: 'scalar' };
export const deducedType: DeducedType = { kind: 'deduced' };

/** A granular map whose entries are all deduced: schemaless objects. */
export const deducedMap: MapType = {
  kind: 'map',
  atomic: false,
  field: () => deducedField,
};
const deducedField: FieldType = { type: deducedType, named: false };
const deducedList: ListType = { kind: 'list', atomic: true, keys: [], keyDefaults: {}, item: deducedType };

/** The concrete type of a value where the schema says "deduce from the value". */
export function resolveType(t: ApplyType, v: unknown): ScalarType | ListType | MapType {
  if (t.kind !== 'deduced') return t;
  if (Array.isArray(v)) return deducedList;
  if (isObject(v)) return deducedMap;
  return scalarType;
}

const LIST_TYPE = 'x-kubernetes-list-type';
const LIST_MAP_KEYS = 'x-kubernetes-list-map-keys';
const MAP_TYPE = 'x-kubernetes-map-type';
const PATCH_STRATEGY = 'x-kubernetes-patch-strategy';
const MERGE_KEY = 'x-kubernetes-patch-merge-key';
const REF_PREFIX_V3 = '#/components/schemas/';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Types upstream marks +structType=atomic (x-kubernetes-map-type: atomic), for definitions
 * generated without the extension: references and selectors are owned as a whole.
 */
const ATOMIC_STRUCTS = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
  'io.k8s.api.core.v1.SecretReference',
  'io.k8s.api.core.v1.FileKeySelector',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.TopologySelectorTerm',
  'io.k8s.api.core.v1.EndpointAddress',
  'io.k8s.api.core.v1.EndpointPort',
  'io.k8s.api.core.v1.ObjectReference',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.core.v1.ScopeSelector',
  'io.k8s.api.autoscaling.v1.CrossVersionObjectReference',
  'io.k8s.api.autoscaling.v2.CrossVersionObjectReference',
  'io.k8s.api.discovery.v1.EndpointPort',
  'io.k8s.api.networking.v1.ServiceBackendPort',
  'io.k8s.api.rbac.v1.Subject',
  'io.k8s.api.rbac.v1.RoleRef',
]);

/** Map-typed properties upstream marks +mapType=atomic. */
const ATOMIC_MAP_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'io.k8s.api.core.v1.PodSpec': ['nodeSelector'],
  'io.k8s.api.core.v1.ReplicationControllerSpec': ['selector'],
  'io.k8s.api.core.v1.ServiceSpec': ['selector'],
};

/** Key defaults upstream declares with +default, for definitions generated without `default`. */
const KEY_DEFAULTS: Readonly<Record<string, Readonly<Record<string, Json>>>> = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
};

/** Builds apply types from one set of definitions, caching named definitions. */
export class ApplyTypes {
  private readonly byName = new Map<string, ApplyType>();
  private gvkIndex: Map<string, string> | undefined;

  constructor(private readonly definitions: Definitions) {}

  /** The type of a named definition, e.g. 'io.k8s.api.apps.v1.Deployment'; unknown names are deduced objects. */
  forDefinition(name: string): ApplyType {
    return this.definitions[name] ? this.named(name) : this.deducedObject();
  }

  /** The type of the definition tagged with this group/version/kind; a deduced object if none. */
  forKind(group: string, version: string, kind: string): ApplyType {
    if (!this.gvkIndex) {
      this.gvkIndex = new Map();
      for (const [name, schema] of Object.entries(this.definitions)) {
        const gvks = schema['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
        for (const g of gvks ?? []) this.gvkIndex.set(`${g.group}/${g.version}/${g.kind}`, name);
      }
    }
    const name = this.gvkIndex.get(`${group}/${version}/${kind}`);
    return name ? this.named(name) : this.deducedObject();
  }

  /** The type of an inline schema, e.g. a CRD's openAPIV3Schema (metadata is typed as ObjectMeta). */
  forSchema(schema: Schema): ApplyType {
    const t = this.fromProperty(schema);
    if (t.kind !== 'map' || !this.definitions[OBJECT_META]) return t;
    const meta: FieldType = { type: this.named(OBJECT_META), named: true };
    return { ...t, field: (name: string) => (name === 'metadata' ? meta : t.field(name)) };
  }

  /** An object with typed metadata and everything else deduced (kinds without a schema). */
  private deducedObject(): ApplyType {
    return this.forSchema({ type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' } } });
  }

  private named(name: string): ApplyType {
    let t = this.byName.get(name);
    if (t) return t;
    if (name === QUANTITY || name === RAW_EXTENSION) t = scalarType;
    else {
      const node = this.definitions[name];
      t = node ? this.fromNode(node, name, {}) : deducedType;
    }
    this.byName.set(name, t);
    return t;
  }

  /** A property: its own extensions describe list/map semantics; its value may be behind a $ref. */
  private fromProperty(prop: Schema): ApplyType {
    const { node, name } = this.resolve(prop);
    if (!node) return deducedType;
    if (name && !hasOwnSemantics(prop)) return this.named(name);
    return this.fromNode(node, name, prop);
  }

  private fromNode(node: Schema, name: string | undefined, prop: Schema): ApplyType {
    if (name === QUANTITY || name === RAW_EXTENSION) return scalarType;
    const type = typeof node.type === 'string' ? node.type : Array.isArray(node.type) ? node.type[0] : undefined;
    if (type === 'array') return this.listOf(node, prop);
    if (type === 'object' || (type === undefined && isObject(node.properties))) {
      const atomic = prop[MAP_TYPE] === 'atomic' || node[MAP_TYPE] === 'atomic' || (!!name && ATOMIC_STRUCTS.has(name));
      return this.mapOf(node, atomic, name);
    }
    if (type === undefined) return deducedType;
    return scalarType;
  }

  private listOf(node: Schema, prop: Schema): ListType {
    const ext = (k: string): unknown => prop[k] ?? node[k];
    let atomic = true;
    let keys: string[] = [];
    const listType = ext(LIST_TYPE);
    if (typeof listType === 'string') {
      if (listType === 'set') atomic = false;
      else if (listType === 'map') {
        atomic = false;
        const k = ext(LIST_MAP_KEYS);
        keys = Array.isArray(k) ? k.filter((x): x is string => typeof x === 'string') : [];
      }
    } else {
      const strategy = ext(PATCH_STRATEGY);
      if (typeof strategy === 'string' && strategy.split(',').includes('merge')) {
        atomic = false;
        const key = ext(MERGE_KEY);
        keys = typeof key === 'string' && key ? [key] : [];
      }
    }
    const items = isObject(node.items) ? node.items as Schema : undefined;
    const item = items ? this.fromProperty(items) : deducedType;
    const keyDefaults: Record<string, Json> = {};
    if (keys.length && items) {
      const { node: itemNode, name: itemName } = this.resolve(items);
      const props = isObject(itemNode?.properties) ? itemNode!.properties as Record<string, Schema> : {};
      for (const k of keys) {
        const d = props[k]?.default ?? (itemName ? KEY_DEFAULTS[itemName]?.[k] : undefined);
        if (d !== undefined) keyDefaults[k] = d as Json;
      }
    }
    return { kind: 'list', atomic, keys, keyDefaults, item };
  }

  private mapOf(node: Schema, atomic: boolean, name: string | undefined): MapType {
    const atomicProps = name ? ATOMIC_MAP_PROPERTIES[name] : undefined;
    const props = isObject(node.properties) ? node.properties as Record<string, Schema> : undefined;
    const extra = node.additionalProperties;
    const fields = new Map<string, FieldType>();
    let element: FieldType | undefined;
    const elementType = (): FieldType => {
      if (!element) {
        element = isObject(extra) ? { type: this.fromProperty(extra as Schema), named: false } : deducedField;
      }
      return element;
    };
    return {
      kind: 'map',
      atomic,
      field: (key: string): FieldType => {
        if (props && Object.hasOwn(props, key) && isObject(props[key])) {
          let f = fields.get(key);
          if (!f) {
            const prop = atomicProps?.includes(key) ? { ...props[key], [MAP_TYPE]: 'atomic' } : props[key]!;
            f = { type: this.fromProperty(prop), named: true };
            fields.set(key, f);
          }
          return f;
        }
        // Unknown fields of a struct are deduced rather than rejected: field validation runs elsewhere.
        return elementType();
      },
    };
  }

  /** Follows $ref and a single-element allOf (how generators wrap a $ref with a description). */
  private resolve(node: Schema | undefined): { node?: Schema; name?: string } {
    let name: string | undefined;
    for (let hops = 0; node && hops < 16; hops++) {
      const ref = typeof node.$ref === 'string' ? node.$ref : undefined;
      if (ref) {
        name = ref.startsWith(REF_PREFIX_V2) ? ref.slice(REF_PREFIX_V2.length)
          : ref.startsWith(REF_PREFIX_V3) ? ref.slice(REF_PREFIX_V3.length) : ref;
        node = this.definitions[name];
      } else if (Array.isArray(node.allOf) && node.allOf.length === 1 && !node.properties) {
        node = node.allOf[0] as Schema;
      } else {
        return { node, name };
      }
    }
    return {};
  }
}

/** Whether a $ref'ing property carries its own list/map semantics (then it is not the plain named type). */
function hasOwnSemantics(prop: Schema): boolean {
  return prop[MAP_TYPE] !== undefined || prop[LIST_TYPE] !== undefined || prop[PATCH_STRATEGY] !== undefined;
}
