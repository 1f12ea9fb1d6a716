// Serves the OpenAPI documents (GET /openapi/v2, /openapi/v3, /openapi/v3/<gv>) and gives
// the request pipeline a schema checker built from the same definitions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef } from '../api/kinds.js';
import { builtinDefinitions, openApiDocuments, OPENAPI_V2_PROTOBUF } from './openapi/index.js';
import { OpenApiSchemaChecker, type SchemaChecker } from './schema-check.js';
import { sendRaw } from './http.js';

export interface OpenApiRoutes {
  schemaChecker: SchemaChecker;
  /** Answers an /openapi/... request; false when the path is not an OpenAPI document. */
  serve(req: IncomingMessage, res: ServerResponse, parts: string[], url: URL): boolean;
}

export type { OpenApiRoutes as OpenApiDocuments };

export function loadOpenApi(kinds: KindDef[]): OpenApiRoutes {
  const docs = openApiDocuments(kinds);
  const schemaChecker = new OpenApiSchemaChecker(builtinDefinitions());
  return {
    schemaChecker,
    serve(req, res, parts) {
      const accept = req.headers.accept ?? '';
      if (parts[0] === 'v2' && parts.length === 1) {
        const v2 = docs.v2();
        const etag = v2.etag;
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ETag: etag }).end();
          return true;
        }
        if (accept.includes(OPENAPI_V2_PROTOBUF)) sendRaw(res, 200, OPENAPI_V2_PROTOBUF, Buffer.from(v2.protobuf()), { ETag: etag });
        else sendRaw(res, 200, 'application/json', v2.jsonText(), { ETag: etag });
        return true;
      }
      if (parts[0] === 'v3') {
        const v3 = docs.v3();
        if (parts.length === 1) {
          sendRaw(res, 200, 'application/json', JSON.stringify(v3.discovery()));
          return true;
        }
        const doc = v3.serialized(parts.slice(1).join('/'));
        if (!doc) return false;
        if (req.headers['if-none-match'] === doc.etag) {
          res.writeHead(304, { ETag: doc.etag }).end();
          return true;
        }
        // As upstream: a request naming the current hash may be cached for long.
        sendRaw(res, 200, 'application/json', doc.body, { ETag: doc.etag, 'Cache-Control': 'public, immutable' });
        return true;
      }
      return false;
    },
  };
}
