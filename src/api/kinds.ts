// The shape of an entry in the kinds registry: everything the API server needs to serve
// one kind at one group/version. The registry itself lives in registry.ts.
import type { FieldError } from './errors.js';

/** A JSON object as stored and served (apiVersion, kind, metadata, spec, status…). */
export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, any>;
};

export type Subresource =
  | 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward'
  | 'eviction' | 'token' | 'proxy' | 'ephemeralcontainers' | 'approval' | 'finalize';

/** Who makes a request, as a kind's strategy sees it (upstream user.Info). */
export interface RequestUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface KindDef {
  group: string;
  version: string;
  kind: string;
  /** Plural lower-case resource name, e.g. "deployments". */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: Subresource[];
  /** Verbs served; default: create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  /**
   * Storage identity when several group/versions share one store (e.g. autoscaling v1 and v2
   * HPAs, core and events.k8s.io Events). Default: this def's own group and resource.
   */
  storage?: { group: string; resource: string; version: string };
  /** Converts an object from this version to the storage version (apiVersion set). */
  toStorage?(obj: KubeObject): KubeObject;
  /** Converts a stored object to this version (apiVersion set). */
  fromStorage?(obj: KubeObject): KubeObject;
  /** Whether the kind has spec/status semantics: generation bumps on non-status changes, status is reset on create and ignored on update of the main resource. */
  hasStatus?: boolean;
  /** Field selectors beyond metadata.name and metadata.namespace: field path → value getter. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /** Paths for the scale subresource, as in a CRD's scale subresource (JSON paths like ".spec.replicas"). */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** Fills upstream defaults in place. Called on create and update (after decoding). */
  applyDefaults?(obj: KubeObject): void;
  /** Validates an object for create. Return field errors (empty when valid). */
  validate?(obj: KubeObject): FieldError[];
  /**
   * Validates an update (e.g. immutable fields); `validate` runs too. `subresource` is the
   * path the update came through ('' for the main resource, 'status', 'approval', …).
   */
  validateUpdate?(obj: KubeObject, old: KubeObject, subresource?: string): FieldError[];
  /** Kind-specific create strategy, after the generic one (upstream PrepareForCreate, which sees the requester). */
  prepareForCreate?(obj: KubeObject, user: RequestUser): void;
  /** Kind-specific update strategy, after the generic one; `subresource` as for validateUpdate. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, subresource: string): void;
  /** Server-side table columns (issue 3 fills these in). */
  printerColumns?: PrinterColumn[];
}

export function apiVersionOf(def: Pick<KindDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
