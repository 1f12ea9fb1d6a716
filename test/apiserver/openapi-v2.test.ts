import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV2, wantsOpenApiV2Protobuf } from '../../src/apiserver/openapi/v2.js';
import { COMPARED, kinds, shape, upstreamV2 } from './openapi-fixtures.js';

const v2 = buildOpenApiV2(kinds);
const doc: any = v2.json();

// ---- a test-side protobuf reader, written from the wire format and gnostic's OpenAPIv2.proto ----

interface Field { no: number; wire: number; varint?: number; bytes?: Uint8Array }

function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ no, wire, bytes: buf.subarray(at, at + len) });
      at += len;
    } else throw new Error(`unexpected wire type ${wire} for field ${no}`);
  }
  assert.equal(at, buf.length, 'message ends exactly at the buffer end');
  return out;
}

const text = new TextDecoder();
const all = (buf: Uint8Array, no: number) => readFields(buf).filter((f) => f.no === no);
const one = (buf: Uint8Array, no: number): Uint8Array | undefined => {
  const fields = all(buf, no);
  assert.ok(fields.length <= 1, `field ${no} appears once`);
  return fields[0]?.bytes;
};
const str = (buf: Uint8Array, no: number) => {
  const b = one(buf, no);
  return b && text.decode(b);
};
const strs = (buf: Uint8Array, no: number) => all(buf, no).map((f) => text.decode(f.bytes!));
const bool = (buf: Uint8Array, no: number) => all(buf, no)[0]?.varint === 1 || undefined;

/** NamedX messages (name = 1, value = 2) as entries. */
function named(buf: Uint8Array, no: number): [string, Uint8Array][] {
  return all(buf, no).map((f) => [str(f.bytes!, 1)!, one(f.bytes!, 2) ?? new Uint8Array()]);
}

function extensions(buf: Uint8Array, no: number): Record<string, unknown> {
  // Any { yaml = 2 }; our YAML is JSON text.
  return Object.fromEntries(named(buf, no).map(([k, any]) => [k, JSON.parse(str(any, 2)!)]));
}

/** Rebuilds the JSON form of an openapi.v2.Schema message. */
function schemaFrom(buf: Uint8Array): any {
  const s: any = {};
  const set = (k: string, v: unknown) => { if (v !== undefined && !(Array.isArray(v) && v.length === 0)) s[k] = v; };
  set('$ref', str(buf, 1));
  set('format', str(buf, 2));
  set('description', str(buf, 4));
  set('required', strs(buf, 19));
  const ap = one(buf, 21);
  if (ap) set('additionalProperties', schemaFrom(one(ap, 1)!));
  const type = one(buf, 22);
  if (type) set('type', strs(type, 1)[0]);
  const items = one(buf, 23);
  if (items) set('items', schemaFrom(one(items, 1)!));
  const props = one(buf, 25);
  if (props) set('properties', Object.fromEntries(named(props, 1).map(([k, v]) => [k, schemaFrom(v)])));
  Object.assign(s, extensions(buf, 31));
  return s;
}

/** Sorts object keys so documents compare regardless of key order. */
function canonical(v: any): any {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

const proto = v2.protobuf();
const root = proto;

// ---- the tests ----

test('the swagger document describes every served path and the definitions they need', () => {
  assert.equal(doc.swagger, '2.0');
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
  assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
  assert.ok(doc.paths['/api/v1/namespaces/{name}/status']);
  for (const r of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
    assert.ok(doc.definitions[r.slice('"$ref":"#/definitions/'.length, -1)], r);
  }
  assert.match(v2.etag, /^"[0-9A-F]{128}"$/);
  assert.deepEqual(JSON.parse(v2.jsonText().toString()), doc);
});

test('definitions match the upstream swagger, with Quantity as a string and IntOrString as int-or-string', () => {
  const up = upstreamV2().definitions;
  assert.equal(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  assert.deepEqual(shape(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']), { type: 'string', format: 'int-or-string' });
  for (const name of COMPARED) {
    if (name.includes('.meta.v1.')) continue; // ObjectMeta lost clusterName after 1.20; covered by the definitions test
    for (const [prop, upProp] of Object.entries<any>(up[name].properties ?? {})) {
      if (`${name}.${prop}` === 'io.k8s.api.core.v1.ServiceSpec.topologyKeys') continue; // removed in 1.22
      assert.deepEqual(shape(doc.definitions[name].properties[prop]), shape(upProp), `${name}.${prop}`);
    }
  }
});

test('create, replace and patch operations take fieldValidation, dryRun and fieldManager', () => {
  const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
  for (const op of [collection.post, item.put, item.patch]) {
    const names = op.parameters.map((p: any) => p.name);
    for (const n of ['fieldValidation', 'dryRun', 'fieldManager']) assert.ok(names.includes(n), `${op.operationId} ${n}`);
    assert.deepEqual(op['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  }
  assert.deepEqual(item.patch.consumes, ['application/json-patch+json', 'application/merge-patch+json',
    'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
  assert.equal(item.patch.parameters[0].in, 'body');
});

test('the protobuf form is an openapi.v2.Document with the same info, paths and security', () => {
  assert.equal(str(root, 1), '2.0'); // swagger
  const info = one(root, 2)!;
  assert.equal(str(info, 1), 'Kubernetes');
  const paths = named(one(root, 8)!, 2);
  assert.deepEqual(paths.map(([name]) => name), Object.keys(doc.paths));
  const secDefs = named(one(root, 13)!, 1);
  assert.equal(secDefs[0]![0], 'BearerToken');
  const apiKey = one(secDefs[0]![1], 2)!; // SecurityDefinitionsItem.api_key_security
  assert.deepEqual([str(apiKey, 1), str(apiKey, 2), str(apiKey, 3)], ['apiKey', 'authorization', 'header']);
  const requirement = named(one(root, 12)!, 1);
  assert.equal(requirement[0]![0], 'BearerToken');
});

test('the protobuf PATCH operation carries kubectl’s fieldValidation lookup data', () => {
  const paths = new Map(named(one(root, 8)!, 2));
  const item = paths.get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
  const patch = one(item, 8)!; // PathItem.patch
  assert.equal(str(patch, 5), 'patchAppsV1NamespacedDeployment'); // operation_id
  assert.deepEqual(extensions(patch, 13)['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  const params = all(patch, 8).map((f) => one(f.bytes!, 1)!); // ParametersItem.parameter
  const body = one(params[0]!, 1)!; // Parameter.body_parameter
  assert.equal(str(body, 2), 'body');
  assert.equal(bool(body, 4), true);
  assert.equal(str(one(body, 5)!, 1), '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const queryNames = params.slice(1).map((p) => str(one(one(p, 2)!, 3)!, 4)); // non_body → query → name
  assert.deepEqual(queryNames, ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  const responses = named(one(patch, 9)!, 1).map(([code]) => code);
  assert.deepEqual(responses, ['200', '201', '401']);
  const pathParams = all(item, 9).map((f) => one(one(f.bytes!, 1)!, 2)!);
  const nameParam = one(pathParams[0]!, 4)!; // NonBodyParameter.path_parameter_sub_schema
  assert.deepEqual([str(nameParam, 4), str(nameParam, 2), bool(nameParam, 1), str(nameParam, 5)], ['name', 'path', true, 'string']);
});

test('every protobuf definition decodes to its JSON definition', () => {
  const defs = named(one(root, 9)!, 1);
  assert.deepEqual(defs.map(([name]) => name), Object.keys(doc.definitions));
  for (const [name, schema] of defs) {
    assert.deepEqual(canonical(schemaFrom(schema)), canonical(doc.definitions[name]), name);
  }
});

test('the protobuf form is built once', () => {
  assert.equal(v2.protobuf(), proto);
});

test('content negotiation picks protobuf only when the client prefers it', () => {
  const cases: [string | undefined, boolean][] = [
    ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', true], // kubectl / client-go
    ['application/com.github.proto-openapi.spec.v2.v1.0+protobuf', true],
    ['application/json', false],
    ['application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf', false],
    ['application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf', true],
    ['*/*', false],
    [undefined, false],
  ];
  for (const [accept, proto] of cases) assert.equal(wantsOpenApiV2Protobuf(accept), proto, String(accept));
});
