// The informer transform (client-go's SetTransform): listed and watched objects are trimmed
// before the cache and the handlers see them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { startTestServer, type TestServer } from '../helpers/api-server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { SharedIndexInformer } from '../../src/client/shared-informer.js';
import { listWatchFor } from '../../src/client/list-watch.js';
import { configMaps, namespaces } from '../../src/client/resources.js';
import { eventually } from '../helpers/eventually.js';

let server: TestServer;
let client: ApiClient;
let transport: HttpTransport;

before(async () => {
  server = await startTestServer();
  transport = new HttpTransport({ server: server.url });
  client = new ApiClient(transport);
  await client.resource(namespaces).create({ metadata: { name: 'inf-transform' } });
});

after(async () => {
  transport.close();
  await server.stop();
});

const dropAnnotations = (o: ConfigMap): ConfigMap => ({ ...o, metadata: { ...o.metadata, annotations: undefined, managedFields: undefined } });

test('listed and watched objects reach the cache and every handler transformed', async (t) => {
  const cms = client.resource(configMaps, 'inf-transform');
  await cms.create({ metadata: { name: 'listed', annotations: { big: 'x' } }, data: { a: '1' } });
  const informer = new SharedIndexInformer<ConfigMap>(listWatchFor(cms), { name: 'configmaps', transform: dropAnnotations });
  const seen: { type: string; obj: ConfigMap }[] = [];
  informer.addEventHandler({
    onAdd: (obj) => seen.push({ type: 'add', obj }),
    onUpdate: (_old, obj) => seen.push({ type: 'update', obj }),
    onDelete: (obj) => seen.push({ type: 'delete', obj: obj as ConfigMap }),
  });
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);
  assert.equal(informer.lister.get('inf-transform/listed')?.metadata?.annotations, undefined);
  assert.deepEqual(informer.lister.get('inf-transform/listed')?.data, { a: '1' });

  await cms.create({ metadata: { name: 'watched', annotations: { big: 'y' } } });
  await cms.patch('watched', 'merge', { data: { b: '2' } });
  await cms.delete('watched');
  await eventually(() => seen.length >= 4, 'the watched add, update and delete');
  assert.deepEqual(seen.map((e) => e.type), ['add', 'add', 'update', 'delete']);
  for (const e of seen) assert.equal(e.obj.metadata?.annotations, undefined, `${e.type} of ${e.obj.metadata?.name}`);
  assert.deepEqual(seen[2]!.obj.data, { b: '2' });
});

test('setTransform works before start and is refused after', async (t) => {
  const cms = client.resource(configMaps, 'inf-transform');
  const informer = new SharedIndexInformer<ConfigMap>(listWatchFor(cms), { name: 'configmaps' });
  informer.setTransform(dropAnnotations);
  informer.start();
  t.after(() => informer.stop());
  assert.equal(await informer.waitForSync(), true);
  assert.equal(informer.lister.get('inf-transform/listed')?.metadata?.annotations, undefined);
  assert.throws(() => informer.setTransform((o) => o), /already started/);
});
