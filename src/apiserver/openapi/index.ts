// OpenAPI documents of the served kinds, built once per set of kinds.
// Routes (wired by the API server): GET /openapi/v2 (protobuf when wantsOpenApiV2Protobuf(Accept),
// answered with Content-Type OPENAPI_V2_PROTOBUF_CONTENT_TYPE; else JSON), GET /openapi/v3,
// GET /openapi/v3/<group-version path>.
import type { KindDef } from '../../api/kinds.js';
import { DefinitionSet } from './definitions.js';
import { buildOpenApiV2, type OpenApiV2 } from './v2.js';
import { buildOpenApiV3, type OpenApiV3 } from './v3.js';

export {
  buildOpenApiV2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, wantsOpenApiV2Protobuf, type OpenApiV2,
} from './v2.js';
export { buildOpenApiV3, type OpenApiV3, type OpenApiV3Discovery } from './v3.js';
export { DefinitionSet, builtinDefinitions, type Definitions, type Schema } from './definitions.js';
export { encodeOpenApiV2Document } from './gnostic-v2.js';

export interface OpenApiDocuments {
  v2(): OpenApiV2;
  v3(): OpenApiV3;
}

/** What the documents depend on: kinds with the same fingerprint give the same documents. */
function fingerprint(kinds: readonly KindDef[]): string {
  return JSON.stringify(kinds.map((k) => [
    k.group, k.version, k.kind, k.resource, k.namespaced, k.verbs ?? null, k.subresources ?? null,
    (k as { schema?: unknown }).schema ?? null,
  ]));
}

let cached: { key: string; docs: OpenApiDocuments } | undefined;

/**
 * The OpenAPI documents for a set of kinds. The last set's documents are kept, so calling
 * this per request is cheap; v2 and v3 are each built on first use.
 */
export function openApiDocuments(kinds: readonly KindDef[]): OpenApiDocuments {
  const key = fingerprint(kinds);
  if (cached?.key === key) return cached.docs;
  const snapshot = [...kinds];
  let defs: DefinitionSet | undefined;
  let v2: OpenApiV2 | undefined;
  let v3: OpenApiV3 | undefined;
  const definitions = () => (defs ??= new DefinitionSet(snapshot));
  const docs: OpenApiDocuments = {
    v2: () => (v2 ??= buildOpenApiV2(snapshot, definitions())),
    v3: () => (v3 ??= buildOpenApiV3(snapshot, definitions())),
  };
  cached = { key, docs };
  return docs;
}
