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
});
