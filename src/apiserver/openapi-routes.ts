// Serves the OpenAPI documents (GET /openapi/v2, /openapi/v3, /openapi/v3/<gv>) and gives
// the request pipeline a schema checker built from the same definitions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef } from '../api/kinds.js';
import { builtinDefinitions, openApiDocuments, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, wantsOpenApiV2Protobuf } from './openapi/index.js';
import { OpenApiSchemaChecker, type SchemaChecker } from './schema-check.js';
import { sendRaw } from './http.js';

export interface OpenApiRoutes {
  schemaChecker: SchemaChecker;
  /** Answers an /openapi/... request; false when the path is not an OpenAPI document. */
  serve(req: IncomingMessage, res: ServerResponse, parts: string[], url: URL): boolean;
}

export type { OpenApiRoutes as OpenApiDocuments };

/** `kinds` is read per request: the documents follow the served kinds (CRDs come and go). */
export function loadOpenApi(kinds: () => readonly KindDef[]): OpenApiRoutes {
  const docs = { v2: () => openApiDocuments(kinds()).v2(), v3: () => openApiDocuments(kinds()).v3() };
  const schemaChecker = new OpenApiSchemaChecker(builtinDefinitions());
  return {
    schemaChecker,
    serve(req, res, parts, url) {
      const accept = req.headers.accept ?? '';
      if (parts[0] === 'v2' && parts.length === 1) {
        const v2 = docs.v2();
        const etag = v2.etag;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ETag: etag }).end();
          return true;
        }
        if (wantsOpenApiV2Protobuf(accept)) sendRaw(res, 200, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, v2.protobuf() as Buffer, { ETag: etag });
        else sendRaw(res, 200, 'application/json', v2.jsonText(), { ETag: etag });
        return true;
      }
      if (parts[0] === 'v3') {
        const v3 = docs.v3();
        if (parts.length === 1) {
          sendRaw(res, 200, 'application/json', JSON.stringify(v3.discovery()));
          return true;
        }
        const path = parts.slice(1).join('/');
        const doc = v3.serialized(path);
        if (!doc) return false;
        const hash = url.searchParams.get('hash');
        if (hash && hash !== doc.hash) {
          // As upstream's handler3: a stale hash redirects to the current document.
          res.writeHead(301, { Location: `/openapi/v3/${path}?hash=${doc.hash}` }).end();
          return true;
        }
        if (req.headers['if-none-match'] === doc.etag) {
          res.writeHead(304, { ETag: doc.etag }).end();
          return true;
        }
        const headers: Record<string, string> = { ETag: doc.etag, Vary: 'Accept' };
        if (hash) {
          headers['Cache-Control'] = 'public, immutable';
          headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
        }
        sendRaw(res, 200, 'application/json', doc.body, headers);
        return true;
      }
      return false;
    },
  };
}
