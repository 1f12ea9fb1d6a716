// A client over HTTP outlives an API server restart, as an agent's kubelet must: the pooled
// connections and the open watch die with the old server, and requests and the informer's
// next list and watch go to the new one on the same port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { SharedIndexInformer } from '../../src/client/shared-informer.js';
import { listWatchFor } from '../../src/client/list-watch.js';
import { configMaps } from '../../src/client/resources.js';
import { MemoryStore } from '../../src/store/memory.js';
import { EventLog } from './helpers.js';

const admin = { authenticate: () => ({ name: 'test-admin', groups: ['system:masters', 'system:authenticated'] }) };

test('requests and an informer over HTTP carry on after the API server restarts on the same port', async (t) => {
  const store = new MemoryStore();
  let server = new ApiServer({ store, port: 0, authenticator: admin });
  await server.start();
  const port = Number(new URL(server.url).port);
  const transport = new HttpTransport({ server: server.url });
  t.after(async () => {
    transport.close();
    await server.stop();
    await store.close();
  });
  const cms = new ApiClient(transport).resource(configMaps, 'default');
  const informer = new SharedIndexInformer<ConfigMap>(listWatchFor(cms), { name: 'configmaps', backoff: { initialMs: 10, maxMs: 100 } });
  const log = new EventLog<ConfigMap>();
  informer.addEventHandler(log);
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);

  await cms.create({ metadata: { name: 'before' } });
  await log.waitFor((ev) => ev.some((e) => e.name === 'before'));

  await server.stop();
  // Server and client share this process's event loop: let it read the closed connections
  // once, as a client in another process would long before a restarted server is back.
  await new Promise((r) => setImmediate(r));
  server = new ApiServer({ store, port, authenticator: admin });
  await server.start();

  // The pool's connections to the old server are gone; this request needs a new one.
  await cms.create({ metadata: { name: 'after' }, data: { k: 'v' } });
  assert.deepEqual((await cms.get('after')).data, { k: 'v' });
  // The informer's watch ended with the old server; its next watch sees the new object.
  await log.waitFor((ev) => ev.some((e) => e.name === 'after' && e.type === 'add'));
  assert.deepEqual(informer.indexer.listKeys().sort(), ['default/after', 'default/before']);
});
