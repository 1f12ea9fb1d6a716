// The remote path: a TLS API server, the admin kubeconfig it writes, and the client built
// from that kubeconfig (client certificate + CA), including a watch over HTTPS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { ensurePki } from '../../src/apiserver/pki.js';
import { buildAdminKubeconfig } from '../../src/apiserver/kubeconfig.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { loadKubeconfigFile } from '../../src/client/kubeconfig.js';
import { isForbidden } from '../../src/client/errors.js';
import { configMaps } from '../../src/client/resources.js';

test('a client from the admin kubeconfig talks to a TLS server with its client certificate', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coxswain-client-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pki = await ensurePki(join(dir, 'tls'), { hosts: [] });
  const store = new MemoryStore();
  const server = new ApiServer({ store, port: 0, tls: { caPem: pki.caCertPem, certPem: pki.serverCertPem, keyPem: pki.serverKeyPem } });
  await server.start();
  t.after(async () => {
    await server.stop();
    await store.close();
  });
  const path = join(dir, 'kubeconfig.yaml');
  await writeFile(path, buildAdminKubeconfig({ server: server.url, caPem: pki.caCertPem, certPem: pki.adminCertPem, keyPem: pki.adminKeyPem }));

  const transport = new HttpTransport(loadKubeconfigFile(path));
  t.after(() => transport.close());
  const client = new ApiClient(transport);
  const cms = client.resource(configMaps, 'default');
  const start = await cms.list();
  const watch = await cms.watch({ resourceVersion: start.metadata.resourceVersion });
  await cms.create({ metadata: { name: 'over-tls' }, data: { a: 'b' } });
  for await (const ev of watch) {
    assert.equal(ev.type, 'ADDED');
    assert.equal((ev.object as { metadata: { name: string } }).metadata.name, 'over-tls');
    watch.cancel();
  }
  assert.equal((await cms.get('over-tls')).data?.a, 'b');

  // Without a client certificate the server does not know who we are.
  const anonymous = new HttpTransport({ server: server.url, caPem: pki.caCertPem });
  t.after(() => anonymous.close());
  const denied = await new ApiClient(anonymous).resource(configMaps, 'default').list().catch((e: unknown) => e);
  assert.ok(denied instanceof Error && (isForbidden(denied) || (denied as { code?: number }).code === 401), String(denied));
});
