// Encodes a Swagger 2.0 document as the protobuf message `openapi.v2.Document` of
// github.com/google/gnostic-models (openapiv2/OpenAPIv2.proto), which kubectl asks
// /openapi/v2 for (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf).
// Only the parts of the schema this server emits are covered. Field numbers are those of
// the .proto file; vendor extensions are NamedAny values holding their YAML text (JSON is
// valid YAML, and kube-openapi reads them back with a YAML decoder).
import { ProtoWriter } from './protobuf-writer.js';

type Json = Record<string, any>;

/** Field numbers of the gnostic OpenAPI v2 messages we write. */
export const F = {
  Document: { swagger: 1, info: 2, schemes: 5, consumes: 6, produces: 7, paths: 8, definitions: 9, security: 12, securityDefinitions: 13 },
  Info: { title: 1, version: 2, description: 3 },
  Paths: { path: 2 },
  NamedX: { name: 1, value: 2 },
  PathItem: { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8, parameters: 9, vendorExtension: 10 },
  Operation: { tags: 1, summary: 2, description: 3, operationId: 5, produces: 6, consumes: 7, parameters: 8, responses: 9, schemes: 10, deprecated: 11, vendorExtension: 13 },
  ParametersItem: { parameter: 1 },
  Parameter: { bodyParameter: 1, nonBodyParameter: 2 },
  BodyParameter: { description: 1, name: 2, in: 3, required: 4, schema: 5 },
  NonBodyParameter: { query: 3, path: 4 },
  // QueryParameterSubSchema and PathParameterSubSchema differ from `type` on (allowEmptyValue).
  QueryParameter: { required: 1, in: 2, description: 3, name: 4, type: 6, format: 7, uniqueItems: 20 },
  PathParameter: { required: 1, in: 2, description: 3, name: 4, type: 5, format: 6, uniqueItems: 19 },
  Responses: { responseCode: 1 },
  ResponseValue: { response: 1 },
  Response: { description: 1, schema: 2 },
  SchemaItem: { schema: 1 },
  Schema: {
    ref: 1, format: 2, title: 3, description: 4, default: 5, required: 19, enum: 20,
    additionalProperties: 21, type: 22, items: 23, allOf: 24, properties: 25, readOnly: 27, vendorExtension: 31,
  },
  AdditionalPropertiesItem: { schema: 1, boolean: 2 },
  TypeItem: { value: 1 },
  ItemsItem: { schema: 1 },
  Properties: { additionalProperties: 1 },
  Definitions: { additionalProperties: 1 },
  Any: { yaml: 2 },
  SecurityDefinitions: { additionalProperties: 1 },
  SecurityDefinitionsItem: { apiKeySecurity: 2 },
  ApiKeySecurity: { type: 1, name: 2, in: 3, description: 4 },
  SecurityRequirement: { additionalProperties: 1 },
  StringArray: { value: 1 },
} as const;

export function encodeOpenApiV2Document(doc: Json): Uint8Array {
  const D = F.Document;
  const w = new ProtoWriter()
    .string(D.swagger, doc.swagger)
    .message(D.info, (i) => i.string(F.Info.title, doc.info?.title).string(F.Info.version, doc.info?.version).string(F.Info.description, doc.info?.description))
    .strings(D.schemes, doc.schemes)
    .strings(D.consumes, doc.consumes)
    .strings(D.produces, doc.produces);
  w.message(D.paths, (paths) => {
    // `paths` may be an iterable of [path, item] entries, so a caller can build each path
    // item as it is encoded instead of holding the whole tree.
    const entries: Iterable<[string, Json]> = doc.paths?.[Symbol.iterator] ? doc.paths : Object.entries<Json>(doc.paths ?? {});
    for (const [name, item] of entries) {
      paths.message(F.Paths.path, (n) => n.string(F.NamedX.name, name).message(F.NamedX.value, (p) => pathItem(p, item)));
    }
  });
  w.message(D.definitions, (defs) => {
    for (const [name, schema] of Object.entries<Json>(doc.definitions ?? {})) {
      defs.message(F.Definitions.additionalProperties, (n) => namedSchema(n, name, schema));
    }
  });
  for (const requirement of doc.security ?? []) {
    w.message(D.security, (r) => {
      for (const [name, scopes] of Object.entries<string[]>(requirement)) {
        r.message(F.SecurityRequirement.additionalProperties, (n) =>
          n.string(F.NamedX.name, name).message(F.NamedX.value, (a) => a.strings(F.StringArray.value, scopes)));
      }
    });
  }
  if (doc.securityDefinitions) {
    w.message(D.securityDefinitions, (s) => {
      for (const [name, def] of Object.entries<Json>(doc.securityDefinitions)) {
        if (def.type !== 'apiKey') throw new Error(`OpenAPI v2 protobuf: unsupported security definition type ${def.type}`);
        s.message(F.SecurityDefinitions.additionalProperties, (n) => n.string(F.NamedX.name, name).message(F.NamedX.value, (item) =>
          item.message(F.SecurityDefinitionsItem.apiKeySecurity, (k) => k
            .string(F.ApiKeySecurity.type, def.type).string(F.ApiKeySecurity.name, def.name)
            .string(F.ApiKeySecurity.in, def.in).string(F.ApiKeySecurity.description, def.description))));
      }
    });
  }
  return w.finish();
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(w: ProtoWriter, item: Json): void {
  for (const method of METHODS) {
    if (item[method]) w.message(F.PathItem[method], (o) => operation(o, item[method]));
  }
  for (const p of item.parameters ?? []) w.message(F.PathItem.parameters, (pi) => parameter(pi, p));
  vendorExtensions(w, F.PathItem.vendorExtension, item);
}

function operation(w: ProtoWriter, op: Json): void {
  const O = F.Operation;
  w.strings(O.tags, op.tags).string(O.summary, op.summary).string(O.description, op.description)
    .string(O.operationId, op.operationId).strings(O.produces, op.produces).strings(O.consumes, op.consumes);
  for (const p of op.parameters ?? []) w.message(O.parameters, (pi) => parameter(pi, p));
  w.message(O.responses, (rs) => {
    for (const [code, r] of Object.entries<Json>(op.responses ?? {})) {
      rs.message(F.Responses.responseCode, (n) => n.string(F.NamedX.name, code).message(F.NamedX.value, (rv) =>
        rv.message(F.ResponseValue.response, (resp) => {
          resp.string(F.Response.description, r.description);
          if (r.schema) resp.message(F.Response.schema, (si) => si.message(F.SchemaItem.schema, (s) => schema(s, r.schema)));
        })));
    }
  });
  w.strings(O.schemes, op.schemes).bool(O.deprecated, op.deprecated);
  vendorExtensions(w, O.vendorExtension, op);
}

function parameter(w: ProtoWriter, p: Json): void {
  w.message(F.ParametersItem.parameter, (param) => {
    if (p.in === 'body') {
      const B = F.BodyParameter;
      param.message(F.Parameter.bodyParameter, (b) => b
        .string(B.description, p.description).string(B.name, p.name).string(B.in, p.in).bool(B.required, p.required)
        .message(B.schema, (s) => schema(s, p.schema)));
      return;
    }
    const [field, P] = p.in === 'query'
      ? [F.NonBodyParameter.query, F.QueryParameter]
      : p.in === 'path'
        ? [F.NonBodyParameter.path, F.PathParameter]
        : unsupported(`parameter location ${p.in}`);
    param.message(F.Parameter.nonBodyParameter, (nb) => nb.message(field, (q) => q
      .bool(P.required, p.required).string(P.in, p.in).string(P.description, p.description).string(P.name, p.name)
      .string(P.type, p.type).string(P.format, p.format).bool(P.uniqueItems, p.uniqueItems)));
  });
}

function unsupported(what: string): never {
  throw new Error(`OpenAPI v2 protobuf: unsupported ${what}`);
}

function namedSchema(w: ProtoWriter, name: string, s: Json): void {
  w.string(F.NamedX.name, name).message(F.NamedX.value, (v) => schema(v, s));
}

function schema(w: ProtoWriter, s: Json): void {
  const S = F.Schema;
  w.string(S.ref, s.$ref).string(S.format, s.format).string(S.title, s.title).string(S.description, s.description);
  if (s.default !== undefined) w.message(S.default, (a) => a.string(F.Any.yaml, yamlOf(s.default)));
  w.strings(S.required, s.required);
  for (const e of s.enum ?? []) w.message(S.enum, (a) => a.string(F.Any.yaml, yamlOf(e)));
  if (s.additionalProperties !== undefined) {
    w.message(S.additionalProperties, (ap) => {
      if (typeof s.additionalProperties === 'boolean') {
        // A oneof member is written even when false: its presence is the information.
        ap.boolPresent(F.AdditionalPropertiesItem.boolean, s.additionalProperties);
      } else {
        ap.message(F.AdditionalPropertiesItem.schema, (inner) => schema(inner, s.additionalProperties));
      }
    });
  }
  if (s.type) w.message(S.type, (t) => t.strings(F.TypeItem.value, Array.isArray(s.type) ? s.type : [s.type]));
  if (s.items) w.message(S.items, (it) => it.message(F.ItemsItem.schema, (inner) => schema(inner, s.items)));
  for (const a of s.allOf ?? []) w.message(S.allOf, (inner) => schema(inner, a));
  if (s.properties) {
    w.message(S.properties, (ps) => {
      for (const [name, p] of Object.entries<Json>(s.properties)) {
        ps.message(F.Properties.additionalProperties, (n) => namedSchema(n, name, p));
      }
    });
  }
  w.bool(S.readOnly, s.readOnly);
  vendorExtensions(w, S.vendorExtension, s);
}

function vendorExtensions(w: ProtoWriter, field: number, node: Json): void {
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('x-')) continue;
    w.message(field, (n) => n.string(F.NamedX.name, key).message(F.NamedX.value, (a) => a.string(F.Any.yaml, yamlOf(value))));
  }
}

/** YAML text of a value: JSON is a subset of YAML, so the JSON text serves. */
function yamlOf(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
