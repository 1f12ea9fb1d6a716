// The REST verbs end to end over HTTP against an in-memory store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectWatch, startTestServer, type TestServer } from '../helpers/api-server.js';

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data,
});

describe('REST verbs', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
  });

  it('starts with the system namespaces and the kubernetes service', async () => {
    const r = await t.request('GET', '/api/v1/namespaces');
    assert.equal(r.status, 200);
    assert.equal(r.json.kind, 'NamespaceList');
    assert.deepEqual(r.json.items.map((n: any) => n.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.ok(r.json.items.every((n: any) => n.status.phase === 'Active'));
    const svc = await t.request('GET', '/api/v1/namespaces/default/services/kubernetes');
    assert.equal(svc.status, 200);
    assert.equal(svc.json.spec.clusterIP, '10.43.0.1');
  });

  it('creates with system metadata and gets it back', async () => {
    const r = await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
    assert.equal(r.status, 201);
    assert.match(r.json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(r.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(r.json.metadata.resourceVersion, /^\d+$/);
    assert.equal(r.json.metadata.namespace, 'default');
    const g = await t.request('GET', '/api/v1/namespaces/default/configmaps/one');
    assert.deepEqual(g.json, r.json);
  });

  it('refuses a duplicate with 409 AlreadyExists', async () => {
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
    const r = await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('dup'));
    assert.equal(r.status, 409);
    assert.equal(r.json.reason, 'AlreadyExists');
    assert.equal(r.json.message, 'configmaps "dup" already exists');
  });

  it('answers a missing object with 404 NotFound naming it', async () => {
    const r = await t.request('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.message, 'deployments.apps "nope" not found');
  });

  it('generates names from generateName', async () => {
    const r = await t.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.equal(r.status, 201);
    assert.match(r.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  });

  it('refuses a stale update with 409 Conflict and accepts a fresh one', async () => {
    const created = (await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('cas'))).json;
    const first = await t.request('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...created, data: { a: '2' } });
    assert.equal(first.status, 200);
    assert.notEqual(first.json.metadata.resourceVersion, created.metadata.resourceVersion);
    const stale = await t.request('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...created, data: { a: '3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.match(stale.json.message, /the object has been modified/);
  });

  it('bumps generation only on spec changes', async () => {
    const dep = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' },
      spec: { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const c = await t.request('POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    assert.equal(c.status, 201, c.text);
    assert.equal(c.json.metadata.generation, 1);
    assert.equal(c.json.spec.replicas, 1);
    assert.equal(c.json.spec.strategy.type, 'RollingUpdate');
    const labelled = await t.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(labelled.json.metadata.generation, 1);
    const scaled = await t.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(scaled.json.metadata.generation, 2);
    const status = await t.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/status', { status: { replicas: 3 }, spec: { replicas: 9 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(status.status, 200);
    assert.equal(status.json.status.replicas, 3);
    assert.equal(status.json.spec.replicas, 3, 'a status write does not change spec');
  });

  it('serves the scale subresource', async () => {
    const s = await t.request('GET', '/apis/apps/v1/namespaces/default/deployments/gen/scale');
    assert.equal(s.status, 200);
    assert.equal(s.json.kind, 'Scale');
    assert.equal(s.json.spec.replicas, 3);
    assert.equal(s.json.status.selector, 'app=g');
    const p = await t.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen/scale', { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(p.status, 200);
    assert.equal(p.json.spec.replicas, 5);
    const d = await t.request('GET', '/apis/apps/v1/namespaces/default/deployments/gen');
    assert.equal(d.json.spec.replicas, 5);
  });

  it('applies JSON patches and merge patches', async () => {
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('patchme', { a: '1', b: '2' }));
    const jp = await t.request('PATCH', '/api/v1/namespaces/default/configmaps/patchme', [{ op: 'replace', path: '/data/a', value: 'x' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(jp.status, 200);
    assert.deepEqual(jp.json.data, { a: 'x', b: '2' });
    const mp = await t.request('PATCH', '/api/v1/namespaces/default/configmaps/patchme', { data: { b: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.deepEqual(mp.json.data, { a: 'x' });
    const bad = await t.request('PATCH', '/api/v1/namespaces/default/configmaps/patchme', [{ op: 'test', path: '/data/a', value: 'nope' }], { 'Content-Type': 'application/json-patch+json' });
    assert.equal(bad.status, 422);
  });

  it('filters lists by label and field selectors', async () => {
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('sel-a', {}, { tier: 'web' }));
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('sel-b', {}, { tier: 'db' }));
    const web = await t.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dweb');
    assert.deepEqual(web.json.items.map((i: any) => i.metadata.name), ['sel-a']);
    const set = await t.request('GET', '/api/v1/configmaps?labelSelector=tier%20in%20(web,db)');
    assert.deepEqual(set.json.items.map((i: any) => i.metadata.name), ['sel-a', 'sel-b']);
    const byName = await t.request('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dsel-b');
    assert.deepEqual(byName.json.items.map((i: any) => i.metadata.name), ['sel-b']);
    const bad = await t.request('GET', '/api/v1/configmaps?fieldSelector=spec.nope%3D1');
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /field label not supported: spec.nope/);
  });

  it('pages lists with limit and continue', async () => {
    for (let i = 0; i < 5; i++) await t.request('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `page-${i}` } });
    const first = await t.request('GET', '/api/v1/namespaces/default/secrets?limit=2');
    assert.equal(first.json.items.length, 2);
    assert.equal(first.json.metadata.remainingItemCount, 3);
    const names = first.json.items.map((i: any) => i.metadata.name);
    let cont = first.json.metadata.continue;
    while (cont) {
      const next = await t.request('GET', `/api/v1/namespaces/default/secrets?limit=2&continue=${encodeURIComponent(cont)}`);
      names.push(...next.json.items.map((i: any) => i.metadata.name));
      cont = next.json.metadata.continue;
    }
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    const bad = await t.request('GET', '/api/v1/namespaces/default/secrets?limit=2&continue=garbage');
    assert.equal(bad.status, 400);
  });

  it('streams watch events from a resourceVersion', async () => {
    const list = await t.request('GET', '/api/v1/namespaces/default/configmaps');
    const rv = list.json.metadata.resourceVersion;
    const watching = collectWatch(t.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (evs) => evs.length >= 3);
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('w1'));
    await t.request('PATCH', '/api/v1/namespaces/default/configmaps/w1', { data: { a: '9' } }, { 'Content-Type': 'application/merge-patch+json' });
    await t.request('DELETE', '/api/v1/namespaces/default/configmaps/w1');
    const events = await watching;
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(events[1].object.data.a, '9');
    assert.ok(Number(events[2].object.metadata.resourceVersion) > Number(events[1].object.metadata.resourceVersion));
  });

  it('tells each watcher of one change what it is to them: MODIFIED to one, ADDED to one whose selector it now enters', async () => {
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('sel'));
    const rv = (await t.request('GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
    const all = collectWatch(t.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, (evs) => evs.length >= 2);
    const labelled = collectWatch(t.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&labelSelector=tier%3Dweb`, (evs) => evs.length >= 2);
    const plain = collectWatch(t.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, (evs) => evs.length >= 2);
    await t.request('PATCH', '/api/v1/namespaces/default/configmaps/sel', { metadata: { labels: { tier: 'web' } } }, { 'Content-Type': 'application/merge-patch+json' });
    await t.request('PATCH', '/api/v1/namespaces/default/configmaps/sel', { data: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
    const [a, l, p] = await Promise.all([all, labelled, plain]);
    assert.deepEqual(a.map((e) => e.type), ['MODIFIED', 'MODIFIED']);
    assert.deepEqual(l.map((e) => e.type), ['ADDED', 'MODIFIED']);
    assert.deepEqual(p, a);
    assert.deepEqual(l.map((e) => e.object), a.map((e) => e.object));
    assert.equal(a[1].object.data.a, '2');
  });

  it('starts a watch without resourceVersion with the current objects', async () => {
    const events = await collectWatch(t.url, '/api/v1/namespaces?watch=1', (evs) => evs.length >= 4);
    assert.ok(events.length >= 4);
    assert.ok(events.every((e) => e.type === 'ADDED'));
  });

  it('answers a watch from a too old resourceVersion with one ERROR event carrying 410 Expired', async () => {
    const small = await startTestServer();
    try {
      // The cache keeps a bounded window of events: push more through than it holds.
      const rv = (await small.request('GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
      await small.request('POST', '/api/v1/namespaces/default/configmaps', cm('old'));
      for (let i = 0; i < 4200; i++) {
        await small.request('PUT', '/api/v1/namespaces/default/configmaps/old', cm('old', { a: String(i) }));
      }
      // As upstream's cacher: a 200 stream with a single ERROR event, then the end of the stream.
      const events = await collectWatch(small.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, () => false);
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'ERROR');
      assert.equal(events[0].object.kind, 'Status');
      assert.equal(events[0].object.code, 410);
      assert.equal(events[0].object.reason, 'Expired');
      assert.match(events[0].object.message, new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
    } finally {
      await small.stop();
    }
  });

  it('keeps objects with finalizers until the finalizer is removed', async () => {
    const c = await t.request('POST', '/api/v1/namespaces/default/configmaps', { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    assert.equal(c.status, 201);
    const d = await t.request('DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(d.status, 200);
    const held = await t.request('GET', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(held.status, 200);
    assert.ok(held.json.metadata.deletionTimestamp);
    const released = await t.request('PATCH', '/api/v1/namespaces/default/configmaps/fin', { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(released.status, 200);
    const gone = await t.request('GET', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(gone.status, 404);
  });

  it('records the propagation policy as a finalizer', async () => {
    await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('orphan-me'));
    const d = await t.request('DELETE', '/api/v1/namespaces/default/configmaps/orphan-me', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    assert.equal(d.status, 200);
    const held = await t.request('GET', '/api/v1/namespaces/default/configmaps/orphan-me');
    assert.deepEqual(held.json.metadata.finalizers, ['orphan']);
  });

  it('deletes pods on a node gracefully and unscheduled pods at once', async () => {
    const pod = (name: string, nodeName?: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal((await t.request('POST', '/api/v1/namespaces/default/pods', pod('loose'))).status, 201);
    await t.request('DELETE', '/api/v1/namespaces/default/pods/loose');
    assert.equal((await t.request('GET', '/api/v1/namespaces/default/pods/loose')).status, 404);
    await t.request('POST', '/api/v1/namespaces/default/pods', pod('bound', 'node-1'));
    const d = await t.request('DELETE', '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=20');
    assert.equal(d.status, 200);
    assert.equal(d.json.metadata.deletionGracePeriodSeconds, 20);
    const forced = await t.request('DELETE', '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0');
    assert.equal(forced.status, 200);
    assert.equal((await t.request('GET', '/api/v1/namespaces/default/pods/bound')).status, 404);
  });

  it('refuses writes into a missing namespace and a terminating one', async () => {
    const missing = await t.request('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'namespaces "nowhere" not found');
    await t.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const del = await t.request('DELETE', '/api/v1/namespaces/doomed');
    assert.equal(del.status, 200);
    assert.equal(del.json.status.phase, 'Terminating');
    const refused = await t.request('POST', '/api/v1/namespaces/doomed/configmaps', cm('x'));
    assert.equal(refused.status, 403);
    assert.match(refused.json.message, /because it is being terminated/);
    const keep = await t.request('DELETE', '/api/v1/namespaces/default');
    assert.equal(keep.status, 403);
  });

  it('stores nothing on dry-run', async () => {
    const r = await t.request('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    assert.equal(r.status, 201);
    assert.equal(r.json.metadata.name, 'dry');
    assert.equal((await t.request('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
  });

  it('rejects unknown fields under fieldValidation=Strict and warns by default', async () => {
    const body = { ...cm('strict'), bogus: 1 };
    const strict = await t.request('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
    assert.equal(strict.status, 400);
    assert.match(strict.json.message, /strict decoding error: unknown field "bogus"/);
    const warn = await t.request('POST', '/api/v1/namespaces/default/configmaps', body);
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"bogus\\""');
  });

  it('rejects wrong field types, invalid names and missing kinds with 4xx and writes nothing', async () => {
    const wrongType = await t.request('POST', '/api/v1/namespaces/default/configmaps', { ...cm('typed'), data: 'not-a-map' });
    assert.equal(wrongType.status, 400);
    const badName = await t.request('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'));
    assert.equal(badName.status, 422);
    assert.equal(badName.json.reason, 'Invalid');
    assert.equal(badName.json.details.causes[0].field, 'metadata.name');
    const noKind = await t.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'nokind' } });
    assert.equal(noKind.status, 400);
    const garbage = await t.request('POST', '/api/v1/namespaces/default/configmaps', '{not json');
    assert.equal(garbage.status, 400);
    const list = await t.request('GET', '/api/v1/namespaces/default/configmaps');
    assert.ok(!list.json.items.some((i: any) => ['typed', 'Bad_Name', 'nokind'].includes(i.metadata.name)));
  });

  it('answers unknown resources with 404 and oversized bodies with 413', async () => {
    const unknown = await t.request('GET', '/apis/example.com/v1/widgets');
    assert.equal(unknown.status, 404);
    const big = await t.request('POST', '/api/v1/namespaces/default/configmaps', { ...cm('big'), data: { x: 'a'.repeat(3 * 1024 * 1024 + 10) } });
    assert.equal(big.status, 413);
  });

  it('serves tables for kubectl get', async () => {
    const r = await t.request('GET', '/api/v1/namespaces', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(r.json.kind, 'Table');
    assert.deepEqual(r.json.columnDefinitions.map((c: any) => c.name), ['Name', 'Status', 'Age']);
    assert.ok(r.json.rows.some((row: any) => row.cells[0] === 'default' && row.cells[1] === 'Active'));
  });
});
