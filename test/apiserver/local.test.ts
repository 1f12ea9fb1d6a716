// In-process requests go through the same pipeline as HTTP ones, including watches.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

const user = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };

async function readAll(body: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of body) text += chunk;
  return text;
}

describe('in-process requests', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
  });

  it('creates and gets objects', async () => {
    const body = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'local' }, data: { a: '1' } }));
    const created = await t.server.handleLocal({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'application/json' }, body, user });
    assert.equal(created.status, 201);
    assert.equal(JSON.parse(await readAll(created.body)).metadata.name, 'local');
    const got = await t.server.handleLocal({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/local', user });
    assert.equal(got.status, 200);
    assert.equal(JSON.parse(await readAll(got.body)).data.a, '1');
  });

  it('answers errors with a Status', async () => {
    const r = await t.server.handleLocal({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/none', user });
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(await readAll(r.body)).reason, 'NotFound');
  });

  it('streams a watch until cancelled', async () => {
    const list = await t.server.handleLocal({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', user });
    const rv = JSON.parse(await readAll(list.body)).metadata.resourceVersion;
    const w = await t.server.handleLocal({ method: 'GET', path: `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`, user });
    assert.equal(w.status, 200);
    const got = new Promise<any>((resolve) => {
      let buf = '';
      w.body.on('data', (c) => {
        buf += c;
        const i = buf.indexOf('\n');
        if (i >= 0) resolve(JSON.parse(buf.slice(0, i)));
      });
    });
    await t.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen' } });
    const ev = await got;
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.metadata.name, 'seen');
    const ended = new Promise<void>((resolve) => w.body.on('end', () => resolve()));
    w.cancel();
    await ended;
  });

  it('delivers watch events as objects in object mode: the same events as the JSON lines, each watcher its own copy', async () => {
    const list = await t.server.handleLocal({ method: 'GET', path: '/api/v1/namespaces/default/configmaps', user });
    const rv = JSON.parse(await readAll(list.body)).metadata.resourceVersion;
    const path = `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`;
    const text = await t.server.handleLocal({ method: 'GET', path, user });
    const a = await t.server.handleLocal({ method: 'GET', path, user, objectMode: true });
    const b = await t.server.handleLocal({ method: 'GET', path, user, objectMode: true });
    assert.equal(text.events, undefined);
    assert.ok(a.events && b.events);
    await t.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'objects', labels: { x: '1' } }, data: { k: 'v' } });
    await t.request('DELETE', '/api/v1/namespaces/default/configmaps/objects');
    const take = async (events: AsyncIterable<any>, n: number) => {
      const out: any[] = [];
      for await (const ev of events) if (out.push(ev) === n) break;
      return out;
    };
    const lines = new Promise<any[]>((resolve) => {
      let buf = '';
      text.body.on('data', (c) => {
        buf += c;
        const got = buf.split('\n').filter(Boolean);
        if (got.length >= 2) resolve(got.slice(0, 2).map((l) => JSON.parse(l)));
      });
    });
    const [fromA, fromB, fromText] = await Promise.all([take(a.events, 2), take(b.events, 2), lines]);
    assert.deepEqual(fromA.map((e) => e.type), ['ADDED', 'DELETED']);
    assert.deepEqual(fromA, fromText);
    // Key order as in the JSON text, resourceVersion first in metadata.
    assert.equal(JSON.stringify(fromA[0]), JSON.stringify(fromText[0]));
    fromA[0].object.metadata.labels.x = 'changed';
    assert.equal(fromB[0].object.metadata.labels.x, '1');
    for (const w of [text, a, b]) w.cancel();
  });

  it('ends the events of an object-mode watch when it is cancelled', async () => {
    const w = await t.server.handleLocal({ method: 'GET', path: '/api/v1/namespaces/default/configmaps?watch=1', user, objectMode: true });
    const done = (async () => {
      let n = 0;
      for await (const _ of w.events!) n++;
      return n;
    })();
    w.cancel();
    assert.equal(typeof (await done), 'number');
  });

  it('keeps a table watch in JSON lines even in object mode', async () => {
    const w = await t.server.handleLocal({
      method: 'GET', path: '/api/v1/namespaces/default/configmaps?watch=1', user, objectMode: true,
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    assert.equal(w.status, 200);
    assert.equal(w.events, undefined);
    w.cancel();
  });
});
