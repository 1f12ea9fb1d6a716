// OpenAPI v2 (Swagger 2.0): one document for every served path and definition, served as
// JSON or, when asked for, as gnostic protobuf (kubectl and client-go ask for protobuf).
import { createHash } from 'node:crypto';
import type { KindDef } from '../../api/kinds.js';
import { DefinitionSet, uniqueGroupVersions } from './definitions.js';
import { encodeOpenApiV2Document } from './gnostic-v2.js';
import {
  CONSUMES, groupVersionPaths, PATCH_TYPES, PRODUCES, PRODUCES_WATCH, type OperationSpec, type ParamSpec, type PathSpec,
} from './operations.js';
import { JsonBufferSink, writeMap, type JsonSink } from './json-writer.js';

/** The media type clients ask for to get the protobuf form (gnostic openapi_v2.Document). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * The Content-Type upstream answers with for the protobuf form: '@' is not a valid MIME token
 * character and Go's mime.ParseMediaType (in kubectl) rejects it, so kube-openapi writes '.'.
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Whether an Accept header prefers the protobuf form to JSON (both spellings of the protobuf
 * type are accepted, as kube-openapi does). Highest q wins; on a tie the earlier entry.
 */
export function wantsOpenApiV2Protobuf(accept: string | undefined): boolean {
  let best: { proto: boolean; q: number } | undefined;
  for (const entry of (accept ?? '').split(',')) {
    const [type = '', ...params] = entry.split(';').map((s) => s.trim());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const lower = type.toLowerCase();
    const proto = lower === OPENAPI_V2_PROTOBUF || lower === OPENAPI_V2_PROTOBUF_CONTENT_TYPE;
    const json = lower === 'application/json' || lower === 'application/*' || lower === '*/*';
    if ((proto || json) && q > 0 && (!best || q > best.q)) best = { proto, q };
  }
  return best?.proto ?? false;
}

export interface OpenApiV2 {
  /** The Swagger document (built afresh unless the one just hashed is still alive). */
  json(): object;
  /** The Swagger document, serialised as UTF-8 JSON (built on first use, then kept). */
  jsonText(): Buffer;
  /** The gnostic protobuf encoding of the same document (built on first use, then kept). */
  protobuf(): Uint8Array;
  /** Strong ETag (quoted) of the document; the same for both encodings' content. */
  etag: string;
}

/**
 * Only serialised forms are kept, and they are written path by path: the ETag is a hash
 * fed piece by piece, the JSON text and the protobuf are built when first asked for. No
 * whole object tree of the document is held (json() builds one for callers in process).
 */
export function buildOpenApiV2(kinds: readonly KindDef[], defs: DefinitionSet = new DefinitionSet(kinds)): OpenApiV2 {
  const paths = () => sortedPaths(kinds, defs);
  const hash = createHash('sha512');
  writeSwaggerDocument((piece) => hash.update(piece), paths(), defs);
  const etag = `"${hash.digest('hex').toUpperCase()}"`;
  let text: Buffer | undefined;
  let proto: Uint8Array | undefined;
  return {
    json: () => swaggerDocument(paths(), defs),
    jsonText: () => {
      if (!text) {
        const sink = new JsonBufferSink();
        writeSwaggerDocument(sink.write, paths(), defs);
        text = sink.finish();
      }
      return text;
    },
    protobuf: () => (proto ??= encodeOpenApiV2Document({
      ...DOCUMENT_HEAD,
      paths: (function* () {
        for (const p of paths()) yield [p.path, pathItem(p)];
      })(),
      definitions: defs.all,
      ...DOCUMENT_TAIL,
    })),
    etag,
  };
}

const DOCUMENT_HEAD = { swagger: '2.0', info: { title: 'Kubernetes', version: 'unversioned' } };
const DOCUMENT_TAIL = {
  securityDefinitions: {
    BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
  },
  security: [{ BearerToken: [] as string[] }],
};

/** Every served path, sorted as upstream lists them. */
function sortedPaths(kinds: readonly KindDef[], defs: DefinitionSet): PathSpec[] {
  return uniqueGroupVersions(kinds)
    .flatMap((gv) => groupVersionPaths(gv.group, gv.version, defs.kinds.filter((k) => k.def.group === gv.group && k.def.version === gv.version)))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The document as one object tree (the same JSON writeSwaggerDocument writes). */
function swaggerDocument(paths: PathSpec[], defs: DefinitionSet): object {
  return {
    ...DOCUMENT_HEAD,
    paths: Object.fromEntries(paths.map((p) => [p.path, pathItem(p)])),
    definitions: defs.all,
    ...DOCUMENT_TAIL,
  };
}

/** The document's JSON, path item by path item and definition by definition. */
function writeSwaggerDocument(out: JsonSink, paths: PathSpec[], defs: DefinitionSet): void {
  out(JSON.stringify(DOCUMENT_HEAD).slice(0, -1));
  out(',"paths":');
  writeMap(out, paths, (p) => [p.path, pathItem(p)]);
  out(',"definitions":');
  writeMap(out, Object.entries(defs.all), (entry) => entry);
  out(`,${JSON.stringify(DOCUMENT_TAIL).slice(1)}`);
}

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

function parameter(p: ParamSpec): object {
  return {
    uniqueItems: true,
    type: p.type,
    description: p.description,
    name: p.name,
    in: p.in,
    ...(p.required ? { required: true } : {}),
  };
}

function operation(o: OperationSpec): object {
  const out: Record<string, unknown> = {
    description: o.description,
    consumes: o.body?.patch ? PATCH_TYPES : CONSUMES,
    produces: o.watch ? PRODUCES_WATCH : PRODUCES,
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
  };
  const params: object[] = [];
  if (o.body) params.push({ name: 'body', in: 'body', ...(o.body.required ? { required: true } : {}), schema: ref(o.body.schema) });
  params.push(...o.params.map(parameter));
  if (params.length) out.parameters = params;
  out.responses = Object.fromEntries(o.responses.map((r) => [r.code, {
    description: r.description,
    ...(r.schema ? { schema: ref(r.schema) } : {}),
  }]));
  if (o.action) out['x-kubernetes-action'] = o.action;
  if (o.gvk) out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}

function pathItem(p: PathSpec): object {
  const out: Record<string, unknown> = {};
  for (const o of p.operations) out[o.method] = operation(o);
  if (p.params.length) out.parameters = p.params.map(parameter);
  return out;
}
