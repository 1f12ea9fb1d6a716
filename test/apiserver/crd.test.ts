// CustomResourceDefinitions: creating one serves its resources with schema validation,
// defaults, pruning, status and scale subresources and printer columns; deleting it removes
// its objects and stops serving them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wg'], categories: ['all'] },
    versions: [
      {
        name: 'v1', served: true, storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 10 },
                  color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
                  replicas: { type: 'integer' },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' }, replicas: { type: 'integer' } } },
            },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Color', type: 'string', jsonPath: '.spec.color' },
        ],
      },
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
    ],
  },
};

const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec });

describe('CustomResourceDefinitions', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const r = await t.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(r.status, 201, r.text);
    await t.server.crdsIdle();
  });
  after(async () => {
    await t.stop();
  });

  it('marks the CRD Established with accepted names and stored versions', async () => {
    const r = await t.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    const established = r.json.status.conditions.find((c: any) => c.type === 'Established');
    assert.equal(established.status, 'True');
    assert.equal(r.json.status.acceptedNames.kind, 'Widget');
    assert.deepEqual(r.json.status.storedVersions, ['v1']);
  });

  it('appears in discovery with short names and categories', async () => {
    const r = await t.request('GET', '/apis/example.com/v1');
    assert.equal(r.status, 200);
    const res = r.json.resources.find((x: any) => x.name === 'widgets');
    assert.deepEqual(res.shortNames, ['wg']);
    assert.deepEqual(res.categories, ['all']);
    assert.ok(r.json.resources.some((x: any) => x.name === 'widgets/status'));
    const groups = await t.request('GET', '/apis');
    assert.ok(groups.json.groups.some((g: any) => g.name === 'example.com' && g.preferredVersion.version === 'v1'));
  });

  it('defaults, prunes and stores a valid custom resource', async () => {
    const r = await t.request('POST', '/apis/example.com/v1/namespaces/default/widgets', { ...widget('w1', { size: 3, extra: 'x' }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.spec.color, 'red');
    assert.equal(r.json.spec.extra, undefined);
    assert.match(String(r.headers.warning), /unknown field/);
  });

  it('rejects an invalid custom resource with 422 and field causes', async () => {
    const r = await t.request('POST', '/apis/example.com/v1/namespaces/default/widgets', widget('bad', { size: 20, color: 'green' }));
    assert.equal(r.status, 422);
    assert.equal(r.json.reason, 'Invalid');
    const fields = r.json.details.causes.map((c: any) => c.field).sort();
    assert.deepEqual(fields, ['spec.color', 'spec.size']);
    assert.match(r.json.message, /spec.size in body should be less than or equal to 10/);
    const missing = await t.request('POST', '/apis/example.com/v1/namespaces/default/widgets', widget('bad2', {}));
    assert.equal(missing.status, 422);
    assert.match(missing.json.message, /spec.size: Required value/);
  });

  it('serves the same objects at every served version', async () => {
    const r = await t.request('GET', '/apis/example.com/v1beta1/namespaces/default/widgets/w1');
    assert.equal(r.status, 200);
    assert.equal(r.json.apiVersion, 'example.com/v1beta1');
    assert.equal(r.json.spec.size, 3);
  });

  it('updates status only through the status subresource, and scales', async () => {
    const s = await t.request('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w1/status', { status: { phase: 'Ready', replicas: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.status.phase, 'Ready');
    const main = await t.request('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w1', { status: { phase: 'Ignored' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(main.json.status.phase, 'Ready');
    const scale = await t.request('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w1/scale', { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(scale.status, 200, scale.text);
    assert.equal(scale.json.status.replicas, 2);
    const got = await t.request('GET', '/apis/example.com/v1/namespaces/default/widgets/w1');
    assert.equal(got.json.spec.replicas, 4);
  });

  it('prints the additional printer columns in tables', async () => {
    const r = await t.request('GET', '/apis/example.com/v1/namespaces/default/widgets', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.deepEqual(r.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Size', 'Color']);
    assert.deepEqual(r.json.rows[0].cells, ['w1', 3, 'red']);
  });

  it('publishes the schema in OpenAPI v3', async () => {
    const disc = await t.request('GET', '/openapi/v3');
    assert.ok(disc.json.paths['apis/example.com/v1']);
    const doc = await t.request('GET', '/openapi/v3/apis/example.com/v1');
    const schema = Object.entries(doc.json.components.schemas).find(([, s]: any) => s['x-kubernetes-group-version-kind']?.[0]?.kind === 'Widget')?.[1] as any;
    assert.ok(schema, 'Widget schema published');
    assert.equal(schema.properties.spec.properties.size.type, 'integer');
  });

  it('rejects an invalid CRD with 422', async () => {
    const bad = structuredClone(crd);
    bad.metadata.name = 'wrong.example.com';
    const r = await t.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad);
    assert.equal(r.status, 422);
    assert.match(r.json.message, /must be spec.names.plural\+"."\+spec.group/);
  });

  it('deletes its custom resources when the CRD is deleted, then stops serving them', async () => {
    const d = await t.request('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    assert.equal(d.status, 200);
    await t.server.crdsIdle();
    const gone = await t.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    assert.equal(gone.status, 404);
    const list = await t.request('GET', '/apis/example.com/v1/namespaces/default/widgets');
    assert.equal(list.status, 404);
    const keys = await t.store.list('/registry/example.com/widgets/');
    assert.equal(keys.kvs.length, 0);
  });
});
