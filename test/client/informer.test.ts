import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { startTestServer } from '../helpers/api-server.js';
import type { TestServer } from '../helpers/api-server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { InProcessTransport } from '../../src/client/in-process-transport.js';
import { SharedIndexInformer } from '../../src/client/shared-informer.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { listWatchFor } from '../../src/client/list-watch.js';
import { NAMESPACE_INDEX } from '../../src/client/indexer.js';
import { configMaps, namespaces } from '../../src/client/resources.js';
import { parseLabelSelector } from '../../src/api/labels.js';
import { CuttableListerWatcher, EventLog } from './helpers.js';

let server: TestServer;
let client: ApiClient;
let transport: HttpTransport;

before(async () => {
  server = await startTestServer();
  transport = new HttpTransport({ server: server.url });
  client = new ApiClient(transport);
});

after(async () => {
  transport.close();
  await server.stop();
});

const cm = (namespace: string, name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap =>
  ({ metadata: { name, namespace, labels }, data });

async function ensureNamespace(name: string): Promise<void> {
  await client.resource(namespaces).create({ metadata: { name } }).catch(() => undefined);
}

function informerOver(c: ApiClient, ns: string, opts: { backoffMs?: number } = {}) {
  const lw = new CuttableListerWatcher(listWatchFor(c.resource(configMaps, ns)));
  const informer = new SharedIndexInformer<ConfigMap>(lw, {
    name: 'configmaps',
    backoff: { initialMs: opts.backoffMs ?? 10, maxMs: 100 },
    indexers: { byApp: (o) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []) },
  });
  return { informer, lw };
}

test('lists, then tells handlers of adds, updates and deletes seen on the watch', async (t) => {
  await ensureNamespace('inf-basic');
  const cms = client.resource(configMaps, 'inf-basic');
  await cms.create(cm('inf-basic', 'a'));
  await cms.create(cm('inf-basic', 'b'));
  const { informer } = informerOver(client, 'inf-basic');
  const log = new EventLog<ConfigMap>();
  const reg = informer.addEventHandler(log);
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);
  assert.ok(reg.hasSynced());
  assert.deepEqual(log.events.map((e) => [e.type, e.name, e.initial]).sort(), [['add', 'a', true], ['add', 'b', true]]);

  await cms.create(cm('inf-basic', 'c'));
  const a = await cms.get('a');
  await cms.update({ ...a, data: { k: 'v' } });
  await cms.delete('b');
  await log.waitFor((ev) => ev.some((e) => e.type === 'delete' && e.name === 'b'));
  assert.deepEqual(log.of('c'), [{ type: 'add', name: 'c', initial: false, rv: log.of('c')[0]!.rv }]);
  const upd = log.of('a').find((e) => e.type === 'update')!;
  assert.notEqual(upd.oldRv, upd.rv);
  assert.deepEqual(log.of('b').at(-1), { type: 'delete', name: 'b', tombstone: false });
  assert.deepEqual(informer.indexer.listKeys().sort(), ['inf-basic/a', 'inf-basic/c']);
  assert.deepEqual(informer.lister.get('inf-basic', 'a')?.data, { k: 'v' });
  await informer.stop();
});

test('relists after the watch expires (410): missed deletes arrive as tombstones', async (t) => {
  await ensureNamespace('inf-expire');
  const cms = client.resource(configMaps, 'inf-expire');
  await cms.create(cm('inf-expire', 'keep'));
  await cms.create(cm('inf-expire', 'gone'));
  await cms.create(cm('inf-expire', 'churn'));
  const { informer, lw } = informerOver(client, 'inf-expire');
  const log = new EventLog<ConfigMap>();
  informer.addEventHandler(log);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  // An event proves the watch is open, so cutting it is a real disconnect.
  await cms.create(cm('inf-expire', 'warmup'));
  await log.waitFor((ev) => ev.some((e) => e.name === 'warmup'));
  const rvBefore = informer.lastSyncResourceVersion;

  // Cut the informer off, then push its resourceVersion out of the server's 4096-event window.
  lw.disconnect();
  await cms.delete('gone');
  let churn = await cms.get('churn');
  for (let i = 0; i < 4200; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => cms.patch('churn', 'merge', { data: { i: String(i + j) } })));
  }
  churn = await cms.get('churn');
  lw.reconnect();

  await log.waitFor((ev) => ev.some((e) => e.name === 'gone' && e.type === 'delete'));
  assert.deepEqual(log.of('gone').at(-1), { type: 'delete', name: 'gone', tombstone: true });
  assert.equal(lw.lists, 2, 'listed again after the expired watch');
  assert.equal(lw.watches.some((w) => w.resourceVersion === rvBefore), true);
  await log.waitFor(() => informer.lister.get('inf-expire', 'churn')?.metadata?.resourceVersion === churn.metadata?.resourceVersion);
  assert.deepEqual(informer.indexer.listKeys().sort(), ['inf-expire/churn', 'inf-expire/keep', 'inf-expire/warmup']);
  await informer.stop();
});

test('indexes by namespace and by custom index functions; the lister filters by label', async (t) => {
  await ensureNamespace('inf-idx-1');
  await ensureNamespace('inf-idx-2');
  await client.resource(configMaps, 'inf-idx-1').create(cm('inf-idx-1', 'web', {}, { app: 'web' }));
  await client.resource(configMaps, 'inf-idx-1').create(cm('inf-idx-1', 'db', {}, { app: 'db' }));
  await client.resource(configMaps, 'inf-idx-2').create(cm('inf-idx-2', 'web', {}, { app: 'web' }));
  const factory = new InformerFactory(client, { backoff: { initialMs: 10 } });
  const byApp = (o: ConfigMap) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []);
  const informer = factory.informerFor(configMaps, { indexers: { byApp } });
  assert.equal(factory.informerFor(configMaps, { indexers: { byApp } }), informer, 'one shared informer per resource');
  factory.start();
  t.after(() => factory.stop());
  assert.equal(await factory.waitForSync(), true);
  const names = (objs: ConfigMap[]) => objs.map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`).sort();
  assert.deepEqual(names(informer.indexer.byIndex(NAMESPACE_INDEX, 'inf-idx-1')), ['inf-idx-1/db', 'inf-idx-1/web']);
  assert.deepEqual(names(informer.indexer.byIndex('byApp', 'web')), ['inf-idx-1/web', 'inf-idx-2/web']);
  assert.deepEqual(names(informer.lister.listInNamespace('inf-idx-1', parseLabelSelector('app=db'))), ['inf-idx-1/db']);
  assert.deepEqual(names(informer.lister.list(parseLabelSelector('app=web'))), ['inf-idx-1/web', 'inf-idx-2/web']);

  // Changing a label moves the object between index values.
  const db = await client.resource(configMaps, 'inf-idx-1').get('db');
  await client.resource(configMaps, 'inf-idx-1').update({ ...db, metadata: { ...db.metadata, labels: { app: 'web' } } });
  const log = new EventLog<ConfigMap>();
  informer.addEventHandler(log);
  await log.waitFor((ev) => ev.some((e) => e.type === 'update' && e.name === 'db'));
  assert.deepEqual(names(informer.indexer.byIndex('byApp', 'web')), ['inf-idx-1/db', 'inf-idx-1/web', 'inf-idx-2/web']);
  assert.deepEqual(informer.indexer.byIndex('byApp', 'db'), []);
  await factory.stop();
});

test('a handler added after sync is told of every cached object; resync re-sends them as updates', async (t) => {
  await ensureNamespace('inf-late');
  await client.resource(configMaps, 'inf-late').create(cm('inf-late', 'x'));
  const lw = listWatchFor(client.resource(configMaps, 'inf-late'));
  const informer = new SharedIndexInformer<ConfigMap>(lw, { name: 'configmaps', resyncPeriodMs: 1000 });
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  const log = new EventLog<ConfigMap>();
  informer.addEventHandler(log);
  assert.deepEqual(log.events.map((e) => [e.type, e.name, e.initial]), [['add', 'x', true]]);
  await log.waitFor((ev) => ev.some((e) => e.type === 'update' && e.name === 'x'), 5000);
  const resync = log.of('x').find((e) => e.type === 'update')!;
  assert.equal(resync.oldRv, resync.rv, 'a resync update carries the same object');
  await informer.stop();
});

test('the same informer works over the in-process transport', async (t) => {
  const local = new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
  await ensureNamespace('inf-local');
  const cms = local.resource(configMaps, 'inf-local');
  await cms.create(cm('inf-local', 'one'));
  const { informer, lw } = informerOver(local, 'inf-local');
  const log = new EventLog<ConfigMap>();
  informer.addEventHandler(log);
  informer.start();
  t.after(() => informer.stop());
  await informer.waitForSync();
  await cms.create(cm('inf-local', 'two'));
  await cms.delete('one');
  await log.waitFor((ev) => ev.some((e) => e.type === 'delete' && e.name === 'one'));
  assert.deepEqual(log.events.map((e) => [e.type, e.name]), [['add', 'one'], ['add', 'two'], ['delete', 'one']]);

  // A cut watch resumes from the last resourceVersion without a relist.
  lw.disconnect();
  await cms.create(cm('inf-local', 'three'));
  lw.reconnect();
  await log.waitFor((ev) => ev.some((e) => e.name === 'three'));
  assert.equal(lw.lists, 1);
  await informer.stop();
});
