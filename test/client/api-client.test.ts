import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { startTestServer } from '../helpers/api-server.js';
import type { TestServer } from '../helpers/api-server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { InProcessTransport } from '../../src/client/in-process-transport.js';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, errorFromResponse } from '../../src/client/errors.js';
import { AlreadyExistsError, ConflictError, InvalidError, NotFoundError } from '../../src/api/errors.js';
import { configMaps, deployments, namespaces, nodes, pods } from '../../src/client/resources.js';
import { parseKubeconfig } from '../../src/client/kubeconfig.js';

let server: TestServer;
let transport: HttpTransport;

before(async () => {
  server = await startTestServer();
  transport = new HttpTransport({ server: server.url });
});

after(async () => {
  transport.close();
  await server.stop();
});

const transports: [string, () => ApiClient][] = [
  ['http', () => new ApiClient(transport)],
  ['in-process', () => new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'test', groups: ['system:masters'] }))],
];

for (const [name, makeClient] of transports) {
  test(`${name}: create, get, update, patch and delete; errors map to the API error classes`, async () => {
    const client = makeClient();
    const ns = `crud-${name}`;
    await client.resource(namespaces).create({ metadata: { name: ns } });
    const cms = client.resource(configMaps, ns);
    const created = await cms.create({ metadata: { name: 'one', labels: { tier: 'a' } }, data: { k: '1' } });
    assert.equal(created.kind, 'ConfigMap');
    assert.ok(created.metadata?.uid);

    const dup = await cms.create({ metadata: { name: 'one' } }).catch((e: unknown) => e);
    assert.ok(dup instanceof AlreadyExistsError);
    assert.ok(isAlreadyExists(dup) && !isConflict(dup));
    assert.match((dup as Error).message, /configmaps "one" already exists/);

    const missing = await cms.get('nope').catch((e: unknown) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.ok(isNotFound(missing));
    assert.equal((missing as Error).message, 'configmaps "nope" not found');

    const updated = await cms.update({ ...created, data: { k: '2' } });
    assert.equal(updated.data?.k, '2');
    const stale = await cms.update({ ...created, data: { k: '3' } }).catch((e: unknown) => e);
    assert.ok(stale instanceof ConflictError, `got ${String(stale)}`);
    assert.ok(isConflict(stale));

    const merged = await cms.patch('one', 'merge', { data: { m: 'x' } });
    assert.deepEqual(merged.data, { k: '2', m: 'x' });
    const jsonPatched = await cms.patch('one', 'json', [{ op: 'remove', path: '/data/m' }]);
    assert.deepEqual(jsonPatched.data, { k: '2' });
    const strategic = await cms.patch('one', 'strategic', { metadata: { labels: { extra: 'y' } } });
    assert.deepEqual(strategic.metadata?.labels, { tier: 'a', extra: 'y' });
    const applied = await cms.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: ns }, data: { a: 'b' } }, { fieldManager: 'test' });
    assert.equal(applied.data?.a, 'b');
    assert.ok(applied.metadata?.managedFields?.some((f) => f.manager === 'test'));

    const list = await cms.list({ labelSelector: 'tier=a' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['one']);
    assert.ok(list.metadata.resourceVersion);

    await cms.delete('one');
    assert.ok(isNotFound(await cms.get('one').catch((e: unknown) => e)));
    const invalid = await cms.create({ metadata: { name: 'Not_Valid' } }).catch((e: unknown) => e);
    assert.ok(invalid instanceof InvalidError, `got ${String(invalid)}`);
    assert.ok(isInvalid(invalid));
    assert.ok((invalid as InvalidError).details?.causes?.length);
  });
}

test('listAll follows continue tokens and keeps the first page\'s resourceVersion', async () => {
  const client = new ApiClient(transport);
  await client.resource(namespaces).create({ metadata: { name: 'paging' } });
  const cms = client.resource(configMaps, 'paging');
  for (let i = 0; i < 7; i++) await cms.create({ metadata: { name: `cm-${i}` } });
  const page = await cms.list({ limit: 3 });
  assert.equal(page.items.length, 3);
  assert.ok(page.metadata.continue);
  const all = await cms.listAll({ pageSize: 3 });
  assert.deepEqual(all.items.map((i) => i.metadata?.name), ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
  assert.ok(all.metadata.resourceVersion);
  assert.equal(all.metadata.continue, undefined);
});

test('watch streams events from a resourceVersion; cancel ends it', async () => {
  const client = new ApiClient(transport);
  await client.resource(namespaces).create({ metadata: { name: 'watching' } });
  const cms = client.resource(configMaps, 'watching');
  const start = await cms.list();
  const w = await cms.watch({ resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: true });
  await cms.create({ metadata: { name: 'w1' } });
  await cms.patch('w1', 'merge', { data: { a: '1' } });
  await cms.delete('w1');
  const seen: string[] = [];
  for await (const ev of w) {
    if (ev.type === 'BOOKMARK') continue;
    seen.push(`${ev.type} ${(ev.object as ConfigMap).metadata?.name}`);
    if (seen.length === 3) w.cancel();
  }
  assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
});

test('subresources: status, scale and binding', async () => {
  const client = new ApiClient(transport);
  await client.resource(namespaces).create({ metadata: { name: 'subs' } });
  await client.resource(nodes).create({ metadata: { name: 'node-a' } });
  const podApi = client.resource(pods, 'subs');
  await podApi.create({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await podApi.bind('p', 'node-a');
  const bound = await podApi.get('p');
  assert.equal(bound.spec?.nodeName, 'node-a');
  const withStatus = await podApi.updateStatus({ ...bound, status: { phase: 'Running' } });
  assert.equal(withStatus.status?.phase, 'Running');

  const deps = client.resource(deployments, 'subs');
  await deps.create({
    metadata: { name: 'd' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const scale = await deps.getScale('d');
  assert.equal(scale.spec?.replicas, 1);
  await deps.updateScale('d', { ...scale, spec: { replicas: 4 } });
  assert.equal((await deps.get('d')).spec?.replicas, 4);
});

test('a non-Status error body still maps by HTTP code', () => {
  const e = errorFromResponse(404, Buffer.from('404 page not found'));
  assert.ok(isNotFound(e));
  assert.equal(e.message, '404 page not found');
  const conflict = errorFromResponse(409, '');
  assert.ok(isConflict(conflict));
});

test('a kubeconfig gives the server, CA, client certificate and key, or a token', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const text = `
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: ${b64('CA')} }
users:
- name: u
  user: { client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')} }
- name: t
  user: { token: abc }
contexts:
- name: dev
  context: { cluster: c, user: u }
- name: tok
  context: { cluster: c, user: t }
`;
  const dev = parseKubeconfig(text);
  assert.equal(dev.server, 'https://127.0.0.1:6443');
  assert.equal(dev.caPem?.toString(), 'CA');
  assert.equal(dev.certPem?.toString(), 'CERT');
  assert.equal(dev.keyPem?.toString(), 'KEY');
  assert.equal(parseKubeconfig(text, { context: 'tok' }).token, 'abc');
  assert.throws(() => parseKubeconfig(text, { context: 'missing' }), /context "missing" not found/);
});
