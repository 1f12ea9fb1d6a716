import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiV3 } from '../../src/apiserver/openapi/v3.js';
import { openApiDocuments } from '../../src/apiserver/openapi/index.js';
import { COMPARED, kinds, PATCH_AND_LIST_EXTENSIONS, shape, upstreamV3 } from './openapi-fixtures.js';

const v3 = buildOpenApiV3(kinds);
const docOf = (path: string): any => v3.document(path);

function gvkEqual(a: any, b: any): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind;
}

/** Where each compared definition lives upstream. */
function upstreamSchema(name: string): any {
  return upstreamV3('api/v1').components.schemas[name] ?? upstreamV3('apis/apps/v1').components.schemas[name];
}

/** kubectl's check (QueryParamVerifierV3): the PATCH operation tagged with the kind's GVK lists the query parameter. */
function supportsQueryParam(doc: any, gvk: { group: string; version: string; kind: string }, param: string, method = 'patch'): boolean {
  for (const item of Object.values<any>(doc.paths)) {
    const op = item[method];
    const ext = op?.['x-kubernetes-group-version-kind'];
    if (!ext || ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
    return op.parameters.some((p: any) => p.name === param && p.in === 'query');
  }
  return false;
}

test('discovery lists one document per served group/version, with a content hash', () => {
  const paths = v3.discovery().paths;
  assert.deepEqual(Object.keys(paths).sort(), ['api/v1', 'apis/apps/v1']);
  assert.match(paths['apis/apps/v1']!.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  const served = v3.serialized('apis/apps/v1')!;
  assert.equal(paths['apis/apps/v1']!.serverRelativeURL.split('hash=')[1], served.hash);
  assert.equal(served.etag, `"${served.hash}"`);
  assert.deepEqual(JSON.parse(served.body.toString()), docOf('apis/apps/v1'));
});

test('documents are looked up by their discovery path; unknown paths give undefined', () => {
  assert.equal(docOf('api/v1').openapi, '3.0.0');
  assert.equal(docOf('/apis/apps/v1/'), docOf('apis/apps/v1'));
  assert.equal(docOf('apis/batch/v1'), undefined);
});

test('kubectl finds fieldValidation on the PATCH and POST operations of every served kind', () => {
  for (const k of kinds) {
    const doc = docOf(k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`);
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    assert.ok(supportsQueryParam(doc, gvk, 'fieldValidation'), `${k.kind} PATCH`);
    assert.ok(supportsQueryParam(doc, gvk, 'fieldValidation', 'post'), `${k.kind} POST`);
    assert.ok(supportsQueryParam(doc, gvk, 'fieldValidation', 'put'), `${k.kind} PUT`);
    assert.ok(supportsQueryParam(doc, gvk, 'dryRun'), `${k.kind} dryRun`);
    assert.ok(supportsQueryParam(doc, gvk, 'fieldManager', 'post'), `${k.kind} fieldManager`);
  }
});

test('the paths of a namespaced kind with status and scale match upstream', () => {
  const ours = Object.keys(docOf('apis/apps/v1').paths).sort();
  const upstream = Object.keys(upstreamV3('apis/apps/v1').paths).filter((p) => p === '/apis/apps/v1/' || p.includes('deployments')).sort();
  assert.deepEqual(ours, upstream);
});

test('operations carry upstream ids, actions and kinds', () => {
  const ours = docOf('apis/apps/v1').paths;
  const upstream = upstreamV3('apis/apps/v1').paths;
  for (const [path, item] of Object.entries<any>(ours)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
      const op = item[method];
      const up = upstream[path][method];
      assert.equal(Boolean(op), Boolean(up), `${method} ${path}`);
      if (!op) continue;
      assert.equal(op.operationId, up.operationId, `${method} ${path}`);
      assert.equal(op['x-kubernetes-action'], up['x-kubernetes-action'], `${method} ${path}`);
      assert.deepEqual(op['x-kubernetes-group-version-kind'], up['x-kubernetes-group-version-kind'], `${method} ${path}`);
      assert.deepEqual(Object.keys(op.responses).sort(), Object.keys(up.responses).sort(), `${method} ${path}`);
      const names = (params: any[] | undefined) => (params ?? []).map((p) => p.name).sort();
      // Upstream 1.27 did not yet have every list option we describe; ours is a superset.
      for (const name of names(up.parameters)) assert.ok(names(op.parameters).includes(name), `${method} ${path} ${name}`);
      if (op.requestBody) {
        assert.deepEqual(Object.keys(op.requestBody.content).sort(), Object.keys(up.requestBody.content).sort(), `${method} ${path}`);
        const schemaOf = (body: any) => Object.values<any>(body.content)[0].schema.$ref;
        assert.equal(schemaOf(op.requestBody), schemaOf(up.requestBody), `${method} ${path}`);
      }
    }
    assert.deepEqual((item.parameters ?? []).map((p: any) => p.name).sort(),
      (upstream[path].parameters ?? []).map((p: any) => p.name).sort(), `parameters of ${path}`);
  }
});

test('component schemas match upstream: property shapes, required fields, patch and list extensions', () => {
  const schemas = { ...docOf('api/v1').components.schemas, ...docOf('apis/apps/v1').components.schemas };
  for (const name of COMPARED) {
    const up = upstreamSchema(name);
    const ours = schemas[name];
    assert.ok(up, `oracle has ${name}`);
    assert.ok(ours, `we have ${name}`);
    assert.equal(ours.type, up.type, `${name} type`);
    assert.deepEqual([...(ours.required ?? [])].sort(), [...(up.required ?? [])].sort(), `${name} required`);
    if (name.includes('.meta.v1.')) {
      // Upstream tags DeleteOptions, Status and WatchEvent with every group/version of its cluster.
      for (const gvk of ours['x-kubernetes-group-version-kind'] ?? []) {
        assert.ok(up['x-kubernetes-group-version-kind'].some((u: any) => gvkEqual(u, gvk)), `${name} GVK ${JSON.stringify(gvk)}`);
      }
    } else {
      assert.deepEqual(ours['x-kubernetes-group-version-kind'], up['x-kubernetes-group-version-kind'], `${name} GVK`);
    }
    for (const [prop, upProp] of Object.entries<any>(up.properties ?? {})) {
      const ourProp = ours.properties?.[prop];
      assert.ok(ourProp, `${name}.${prop} exists`);
      assert.deepEqual(shape(ourProp), shape(upProp), `${name}.${prop} shape`);
      for (const ext of PATCH_AND_LIST_EXTENSIONS) assert.deepEqual(ourProp[ext], upProp[ext], `${name}.${prop} ${ext}`);
      assert.equal(typeof ourProp.description, 'string', `${name}.${prop} description`);
    }
  }
});

test('every $ref resolves inside its document', () => {
  for (const path of Object.keys(v3.discovery().paths)) {
    const doc = docOf(path);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) {
      const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
      assert.ok(doc.components.schemas[name], `${path}: ${r}`);
    }
  }
});

test('Quantity and IntOrString take the OpenAPI v3 forms upstream publishes', () => {
  const schemas = docOf('api/v1').components.schemas;
  const upstream = upstreamV3('api/v1').components.schemas;
  for (const name of ['io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time']) {
    const { description: _ours, ...ours } = schemas[name];
    const { description: _up, ...up } = upstream[name];
    assert.deepEqual(ours, up, name);
  }
});

test('a kind without a built-in schema gets a free-form schema with its GVK', () => {
  const custom = buildOpenApiV3([...kinds, {
    group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', singular: 'widget', namespaced: true,
  }]);
  const doc: any = custom.document('apis/example.com/v1');
  const widget = doc.components.schemas['com.example.v1.Widget'];
  assert.equal(widget['x-kubernetes-preserve-unknown-fields'], true);
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
  assert.ok(supportsQueryParam(doc, { group: 'example.com', version: 'v1', kind: 'Widget' }, 'fieldValidation'));
});

test('verbs a kind does not serve have no operations', () => {
  const readOnly = buildOpenApiV3([{ ...kinds[0]!, verbs: ['get', 'list'] }]);
  const paths: any = (readOnly.document('api/v1') as any).paths;
  assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/pods/{name}']).filter((k) => k !== 'parameters'), ['get']);
  assert.equal(paths['/api/v1/watch/pods'], undefined);
});

test('documents are built once per set of kinds', () => {
  const a = openApiDocuments(kinds);
  assert.equal(openApiDocuments([...kinds]).v3(), a.v3());
  assert.notEqual(openApiDocuments(kinds.slice(1)).v3(), a.v3());
});
