// OpenAPI v3: one document per group/version, listed by /openapi/v3 with a content hash in
// each serverRelativeURL (clients cache by it). kubectl decides whether the server honours
// `fieldValidation` by finding, in the group/version's document, the PATCH operation whose
// x-kubernetes-group-version-kind is the object's kind and looking for a query parameter of
// that name (k8s.io/client-go/openapi3 + kubectl's QueryParamVerifierV3).
import { createHash } from 'node:crypto';
import type { KindDef } from '../../api/kinds.js';
import {
  DefinitionSet, REF_PREFIX_V2, uniqueGroupVersions, type Definitions, type Schema,
} from './definitions.js';
import {
  groupVersionPaths, PATCH_TYPES, PRODUCES, PRODUCES_WATCH, type OperationSpec, type ParamSpec, type PathSpec,
} from './operations.js';
import { JsonBufferSink, writeMap, type JsonSink } from './json-writer.js';

const REF_PREFIX_V3 = '#/components/schemas/';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

export interface OpenApiV3Discovery {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenApiV3 {
  /** Body of GET /openapi/v3. */
  discovery(): OpenApiV3Discovery;
  /** The document for a discovery path such as "api/v1" or "apis/apps/v1" (parsed afresh); undefined if not served. */
  document(path: string): object | undefined;
  /** The same document serialised (UTF-8 JSON), with its hash (for ?hash= and the ETag header). */
  serialized(path: string): { body: Buffer; hash: string; etag: string } | undefined;
}

/**
 * Documents are built one at a time, when first needed, and only their serialised bytes
 * are kept: the object trees are several times larger than the text, and the text is what
 * clients are sent. The discovery list needs every document's hash, but clients then fetch
 * only a few documents, so a document hashed for the list is not kept; it is built again
 * (to the same bytes) when it is first requested, and kept from then on.
 */
export function buildOpenApiV3(kinds: readonly KindDef[], defs: DefinitionSet = new DefinitionSet(kinds)): OpenApiV3 {
  const groupVersions = new Map(uniqueGroupVersions(kinds).map((gv) => [gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`, gv]));
  const served = new Map<string, { body: Buffer; hash: string; etag: string }>();
  const hashes = new Map<string, string>();
  const serialize = (path: string): Buffer | undefined => {
    const gv = groupVersions.get(path);
    if (!gv) return undefined;
    const sink = new JsonBufferSink();
    writeGroupVersionDocument(sink.write, gv.group, gv.version, defs);
    return sink.finish();
  };
  const hashOf = (path: string): string | undefined => {
    let hash = served.get(path)?.hash ?? hashes.get(path);
    if (hash === undefined) {
      const body = serialize(path);
      if (!body) return undefined;
      hashes.set(path, (hash = sha512(body)));
    }
    return hash;
  };
  const serialized = (path: string) => {
    let d = served.get(path);
    if (d) return d;
    const body = serialize(path);
    if (!body) return undefined;
    const hash = sha512(body);
    served.set(path, (d = { body, hash, etag: `"${hash}"` }));
    return d;
  };
  // Parsed documents are for callers inside this process (tests, tools); a WeakRef hands
  // back the same object while one is still in use, without keeping it alive.
  const parsed = new Map<string, WeakRef<object>>();
  let discovery: OpenApiV3Discovery | undefined;
  return {
    discovery: () => (discovery ??= {
      paths: Object.fromEntries([...groupVersions.keys()].map((path) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(path)!}` }])),
    }),
    document: (path) => {
      const key = trimSlashes(path);
      const alive = parsed.get(key)?.deref();
      if (alive) return alive;
      const d = serialized(key);
      if (!d) return undefined;
      const doc = JSON.parse(d.body.toString('utf8')) as object;
      parsed.set(key, new WeakRef(doc));
      return doc;
    },
    serialized: (path) => serialized(trimSlashes(path)),
  };
}

function sha512(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

const SECURITY_SCHEMES = {
  BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
};

/** One group/version's document, written path by path and schema by schema. */
function writeGroupVersionDocument(out: JsonSink, group: string, version: string, defs: DefinitionSet): void {
  const gvKinds = defs.kinds.filter((k) => k.def.group === group && k.def.version === version);
  const paths = groupVersionPaths(group, version, gvKinds);
  out('{"openapi":"3.0.0","info":{"title":"Kubernetes","version":"unversioned"},"paths":');
  writeMap(out, paths, (p) => [p.path, pathItem(p)]);
  out(',"components":{"schemas":');
  writeMap(out, Object.entries(defs.subset(referencedDefinitions(paths))), ([name, schema]) => [name, convertDefinition(name, schema)]);
  out(`,"securitySchemes":${JSON.stringify(SECURITY_SCHEMES)}}}`);
}


function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function referencedDefinitions(paths: PathSpec[]): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    for (const o of p.operations) {
      if (o.body) names.add(o.body.schema);
      for (const r of o.responses) if (r.schema) names.add(r.schema);
    }
  }
  return [...names];
}

const ref = (name: string) => ({ $ref: `${REF_PREFIX_V3}${name}` });

function parameter(p: ParamSpec): object {
  return {
    name: p.name, in: p.in, description: p.description,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function content(types: readonly string[], schema: string): object {
  return Object.fromEntries(types.map((t) => [t, { schema: ref(schema) }]));
}

function operation(o: OperationSpec): object {
  const out: Record<string, unknown> = {
    tags: [o.tag],
    description: o.description,
    operationId: o.operationId,
  };
  if (o.params.length) out.parameters = o.params.map(parameter);
  if (o.body) {
    out.requestBody = {
      content: content(o.body.patch ? PATCH_TYPES : ['*/*'], o.body.schema),
      ...(o.body.required ? { required: true } : {}),
    };
  }
  out.responses = Object.fromEntries(o.responses.map((r) => [r.code, {
    description: r.description,
    ...(r.schema ? { content: content(o.watch && r.schema ? PRODUCES_WATCH : PRODUCES, r.schema) } : {}),
  }]));
  if (o.action) out['x-kubernetes-action'] = o.action;
  if (o.gvk) out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}

function pathItem(p: PathSpec): object {
  const out: Record<string, unknown> = {};
  if (p.params.length) out.parameters = p.params.map(parameter);
  for (const o of p.operations) out[o.method] = operation(o);
  return out;
}

/** Rewrites Swagger 2.0 definitions into OpenAPI 3.0 component schemas, as upstream publishes them. */
export function convertDefinitions(defs: Definitions): Definitions {
  return Object.fromEntries(Object.entries(defs).map(([name, schema]) => [name, convertDefinition(name, schema)]));
}

function convertDefinition(name: string, schema: Schema): Schema {
  // A quantity may be written as a string or a number.
  if (name === QUANTITY) return { description: schema.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  if (name === INT_OR_STRING) {
    return { description: schema.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  return convertSchema(schema);
}

function convertSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref') out.$ref = REF_PREFIX_V3 + (value as string).slice(REF_PREFIX_V2.length);
    else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Definitions).map(([k, v]) => [k, convertSchema(v)]));
    } else if (key === 'items' || key === 'additionalProperties') out[key] = convertSchema(value as Schema);
    else out[key] = value;
  }
  // OpenAPI 3.0 ignores the siblings of a $ref; upstream wraps the reference in allOf to keep them.
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}
