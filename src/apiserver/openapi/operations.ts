// The REST operations of the served kinds, independent of the OpenAPI version: one entry per
// path with its operations, named and parameterised as the upstream API server names them
// (operationId, x-kubernetes-action, x-kubernetes-group-version-kind).
import type { KindDef } from '../../api/kinds.js';
import {
  API_RESOURCE_LIST, DELETE_OPTIONS, PATCH, SCALE, STATUS, WATCH_EVENT,
  type GroupVersionKind, type KindSchemas,
} from './definitions.js';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type Action = 'list' | 'post' | 'get' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist';

export interface ParamSpec {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'integer' | 'boolean';
  description: string;
  required?: boolean;
}

export interface ResponseSpec {
  code: string;
  description: string;
  /** Definition name of the body. */
  schema?: string;
}

export interface OperationSpec {
  method: Method;
  operationId: string;
  description: string;
  tag: string;
  action?: Action;
  gvk?: GroupVersionKind;
  params: ParamSpec[];
  /** Definition name of the request body, and whether it is a patch (several media types). */
  body?: { schema: string; patch?: boolean; required: boolean };
  responses: ResponseSpec[];
  watch?: boolean;
}

export interface PathSpec {
  path: string;
  params: ParamSpec[];
  operations: OperationSpec[];
}

// Query parameters, described in our own words after the upstream meta/v1 options types.
const q = (name: string, type: ParamSpec['type'], description: string): ParamSpec => ({ name, in: 'query', type, description });
const PRETTY = q('pretty', 'string', "If 'true', the output is pretty printed.");
const DRY_RUN = q('dryRun', 'string', 'When present, modifications are not persisted. The only valid value is All: every dry run stage is processed.');
const FIELD_MANAGER = q('fieldManager', 'string', 'fieldManager names the actor making these changes; required for apply patches (application/apply-patch), optional otherwise. At most 128 printable characters.');
const FIELD_VALIDATION = q('fieldValidation', 'string', 'fieldValidation says what to do with unknown or duplicate fields in the request object (POST/PUT/PATCH): Ignore drops them silently, Warn (the default) drops them and returns a warning header for each, Strict fails the request with BadRequest listing them all.');
const FORCE = q('force', 'boolean', 'Force makes an apply request take ownership of fields managed by others. Must be unset for other patch types.');
const GRACE = q('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is deleted; 0 deletes at once. Unset uses the default of the kind.');
const ORPHAN = q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned (true adds, false removes the "orphan" finalizer).');
const PROPAGATION = q('propagationPolicy', 'string', "How the garbage collector treats dependents: 'Orphan', 'Background' or 'Foreground'. The default follows the object's finalizers and the kind.");
const LIST_PARAMS: ParamSpec[] = [
  q('allowWatchBookmarks', 'boolean', 'Asks for BOOKMARK watch events; servers may ignore it. Only with watch.'),
  q('continue', 'string', 'The continue token from a previous paged list call with the same query; an expired token yields 410 ResourceExpired.'),
  q('fieldSelector', 'string', 'Restricts the returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'Restricts the returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'The maximum number of items to return; when more exist, metadata.continue is set for fetching the rest. Not with watch.'),
  q('resourceVersion', 'string', 'Constrains which resource versions the request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions.'),
  q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: NotOlderThan or Exact. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions.'),
  q('sendInitialEvents', 'boolean', 'With watch=true, the stream starts with synthetic ADDED events for the current objects, then a bookmark.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list or watch call, regardless of activity.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update and remove notifications.'),
];
const WRITE_PARAMS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const DELETE_PARAMS = [DRY_RUN, GRACE, ORPHAN, PROPAGATION];

const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Upstream's operationId word for a group: "rbac.authorization.k8s.io" → "RbacAuthorization", "" → "Core". */
export function groupWord(group: string): string {
  if (!group) return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The tag upstream puts on a group/version's operations: "core_v1", "apps_v1", "rbacAuthorization_v1". */
export function tagOf(group: string, version: string): string {
  const word = groupWord(group);
  return `${word.charAt(0).toLowerCase()}${word.slice(1)}_${version}`;
}

/** URL prefix of a group/version: "/api/v1" or "/apis/apps/v1". */
export function prefixOf(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

const OK = (schema: string): ResponseSpec => ({ code: '200', description: 'OK', schema });
const CREATED = (schema: string): ResponseSpec => ({ code: '201', description: 'Created', schema });
const ACCEPTED = (schema: string): ResponseSpec => ({ code: '202', description: 'Accepted', schema });
const UNAUTHORIZED: ResponseSpec = { code: '401', description: 'Unauthorized' };

/** The paths of one group/version: its resource list and every served kind's operations. */
export function groupVersionPaths(group: string, version: string, kinds: readonly KindSchemas[]): PathSpec[] {
  const prefix = prefixOf(group, version);
  const tag = tagOf(group, version);
  const id = `${groupWord(group)}${capitalize(version)}`;
  const paths = new Map<string, PathSpec>();
  const at = (path: string, params: ParamSpec[]): PathSpec => {
    let p = paths.get(path);
    if (!p) paths.set(path, (p = { path, params, operations: [] }));
    return p;
  };
  at(`${prefix}/`, []).operations.push({
    method: 'get', operationId: `get${id}APIResources`, description: 'get available resources', tag,
    params: [], responses: [OK(API_RESOURCE_LIST), UNAUTHORIZED],
  });

  for (const k of kinds) {
    const { def, kindName, listName } = k;
    const verbs = new Set(def.verbs ?? DEFAULT_VERBS);
    const gvk = { group: def.group, kind: def.kind, version: def.version };
    const ns = def.namespaced ? 'Namespaced' : '';
    const nsPath = def.namespaced ? '/namespaces/{namespace}' : '';
    const nsParam: ParamSpec[] = def.namespaced
      ? [{ name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' }]
      : [];
    const nameParam: ParamSpec = { name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${def.kind}` };
    const op = (o: Omit<OperationSpec, 'tag' | 'gvk'> & { gvk?: GroupVersionKind }): OperationSpec => ({ tag, gvk, ...o });

    // Collection: list, create, deletecollection.
    const collection = at(`${prefix}${nsPath}/${def.resource}`, [...nsParam, PRETTY]);
    if (verbs.has('list')) {
      collection.operations.push(op({
        method: 'get', action: 'list', operationId: `list${id}${ns}${def.kind}`,
        description: `list or watch objects of kind ${def.kind}`, params: LIST_PARAMS,
        responses: [OK(listName), UNAUTHORIZED], watch: true,
      }));
      if (def.namespaced) {
        // A path with a single operation carries its options itself, as upstream writes it.
        at(`${prefix}/${def.resource}`, [...LIST_PARAMS, PRETTY]).operations.push(op({
          method: 'get', action: 'list', operationId: `list${id}${def.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${def.kind}`, params: [],
          responses: [OK(listName), UNAUTHORIZED], watch: true,
        }));
      }
    }
    if (verbs.has('create')) {
      collection.operations.push(op({
        method: 'post', action: 'post', operationId: `create${id}${ns}${def.kind}`,
        description: `create a ${def.kind}`, params: WRITE_PARAMS, body: { schema: kindName, required: true },
        responses: [OK(kindName), CREATED(kindName), ACCEPTED(kindName), UNAUTHORIZED],
      }));
    }
    if (verbs.has('deletecollection')) {
      collection.operations.push(op({
        method: 'delete', action: 'deletecollection', operationId: `delete${id}Collection${ns}${def.kind}`,
        description: `delete collection of ${def.kind}`,
        params: [...DELETE_PARAMS, ...LIST_PARAMS].sort((a, b) => a.name.localeCompare(b.name)),
        body: { schema: DELETE_OPTIONS, required: false }, responses: [OK(STATUS), UNAUTHORIZED],
      }));
    }

    // One object: read, replace, patch, delete.
    const item = at(`${prefix}${nsPath}/${def.resource}/{name}`, [nameParam, ...nsParam, PRETTY]);
    if (verbs.has('get')) {
      item.operations.push(op({
        method: 'get', action: 'get', operationId: `read${id}${ns}${def.kind}`,
        description: `read the specified ${def.kind}`, params: [], responses: [OK(kindName), UNAUTHORIZED],
      }));
    }
    if (verbs.has('update')) {
      item.operations.push(op({
        method: 'put', action: 'put', operationId: `replace${id}${ns}${def.kind}`,
        description: `replace the specified ${def.kind}`, params: WRITE_PARAMS, body: { schema: kindName, required: true },
        responses: [OK(kindName), CREATED(kindName), UNAUTHORIZED],
      }));
    }
    if (verbs.has('patch')) {
      item.operations.push(op({
        method: 'patch', action: 'patch', operationId: `patch${id}${ns}${def.kind}`,
        description: `partially update the specified ${def.kind}`, params: [...WRITE_PARAMS, FORCE],
        body: { schema: PATCH, patch: true, required: true },
        responses: [OK(kindName), CREATED(kindName), UNAUTHORIZED],
      }));
    }
    if (verbs.has('delete')) {
      item.operations.push(op({
        method: 'delete', action: 'delete', operationId: `delete${id}${ns}${def.kind}`,
        description: `delete a ${def.kind}`, params: DELETE_PARAMS, body: { schema: DELETE_OPTIONS, required: false },
        responses: [OK(STATUS), ACCEPTED(STATUS), UNAUTHORIZED],
      }));
    }

    // status and scale: read, replace, patch of a part of the object.
    const parts: { sub: 'status' | 'scale' | 'approval'; word: string; schema: string; gvk: GroupVersionKind }[] = [];
    if (def.subresources?.includes('approval')) parts.push({ sub: 'approval', word: 'Approval', schema: kindName, gvk });
    if (def.subresources?.includes('status')) parts.push({ sub: 'status', word: 'Status', schema: kindName, gvk });
    if (def.subresources?.includes('scale')) {
      parts.push({ sub: 'scale', word: 'Scale', schema: SCALE, gvk: { group: 'autoscaling', kind: 'Scale', version: 'v1' } });
    }
    for (const part of parts) {
      const sub = at(`${prefix}${nsPath}/${def.resource}/{name}/${part.sub}`, [
        { ...nameParam, description: `name of the ${part.sub === 'scale' ? 'Scale' : def.kind}` }, ...nsParam, PRETTY,
      ]);
      const what = `${part.sub} of the specified ${def.kind}`;
      if (verbs.has('get')) {
        sub.operations.push(op({
          method: 'get', action: 'get', gvk: part.gvk, operationId: `read${id}${ns}${def.kind}${part.word}`,
          description: `read ${what}`, params: [], responses: [OK(part.schema), UNAUTHORIZED],
        }));
      }
      if (verbs.has('update')) {
        sub.operations.push(op({
          method: 'put', action: 'put', gvk: part.gvk, operationId: `replace${id}${ns}${def.kind}${part.word}`,
          description: `replace ${what}`, params: WRITE_PARAMS, body: { schema: part.schema, required: true },
          responses: [OK(part.schema), CREATED(part.schema), UNAUTHORIZED],
        }));
      }
      if (verbs.has('patch')) {
        sub.operations.push(op({
          method: 'patch', action: 'patch', gvk: part.gvk, operationId: `patch${id}${ns}${def.kind}${part.word}`,
          description: `partially update ${what}`, params: [...WRITE_PARAMS, FORCE],
          body: { schema: PATCH, patch: true, required: true },
          responses: [OK(part.schema), CREATED(part.schema), UNAUTHORIZED],
        }));
      }
    }

    // Deprecated watch paths, still served and described upstream.
    if (verbs.has('watch')) {
      const watchOp = (action: Action, operationId: string, description: string): OperationSpec => op({
        method: 'get', action, operationId, description, params: [], responses: [OK(WATCH_EVENT), UNAUTHORIZED], watch: true,
      });
      if (def.namespaced) {
        at(`${prefix}/watch/${def.resource}`, [...LIST_PARAMS, PRETTY]).operations.push(watchOp(
          'watchlist', `watch${id}${def.kind}ListForAllNamespaces`,
          `watch individual changes to a list of ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead.`));
      }
      at(`${prefix}/watch${nsPath}/${def.resource}`, [...LIST_PARAMS, ...nsParam, PRETTY]).operations.push(watchOp(
        'watchlist', `watch${id}${ns}${def.kind}List`,
        `watch individual changes to a list of ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead.`));
      at(`${prefix}/watch${nsPath}/${def.resource}/{name}`, [...LIST_PARAMS, nameParam, ...nsParam, PRETTY]).operations.push(watchOp(
        'watch', `watch${id}${ns}${def.kind}`,
        `watch changes to an object of kind ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`));
    }
  }
  return [...paths.values()]
    .filter((p) => p.operations.length > 0)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Media types, as upstream serves them. */
export const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const PRODUCES_WATCH = [
  ...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch',
];
export const PATCH_TYPES = [
  'application/json-patch+json', 'application/merge-patch+json',
  'application/strategic-merge-patch+json', 'application/apply-patch+yaml',
];
export const CONSUMES = ['*/*'];
