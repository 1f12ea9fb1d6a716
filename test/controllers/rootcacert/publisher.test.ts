// The root CA publisher over a real API server: every namespace, existing and new, gets
// kube-root-ca.crt with the CA, and edits or deletions of it are put back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../../src/client/api-client.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import { configMaps, namespaces } from '../../../src/client/resources.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { ROOT_CA_CONFIG_MAP, rootCaCertControllers } from '../../../src/controllers/rootcacert/index.js';
import { startTestServer, type TestServer } from '../../helpers/api-server.js';
import { eventually } from '../../helpers/eventually.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('root-ca-cert-publisher', () => {
  let server: TestServer;
  let client: ApiClient;
  let manager: ControllerManager;

  const caIn = (ns: string) =>
    eventually(async () => (await client.resource(configMaps, ns).get(ROOT_CA_CONFIG_MAP).catch(() => undefined))?.data?.['ca.crt'], `${ROOT_CA_CONFIG_MAP} in ${ns}`);

  before(async () => {
    server = await startTestServer();
    client = new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
    manager = new ControllerManager({ client, factories: rootCaCertControllers(CA) });
    await manager.start();
  });

  after(async () => {
    await manager.stop();
    await server.stop();
  });

  it('publishes the CA in existing and new namespaces, with the upstream description', async () => {
    assert.equal(await caIn('default'), CA);
    assert.equal(await caIn('kube-system'), CA);
    await client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    assert.equal(await caIn('team-a'), CA);
    const cm = await client.resource(configMaps, 'team-a').get(ROOT_CA_CONFIG_MAP);
    assert.match(cm.metadata?.annotations?.['kubernetes.io/description'] ?? '', /verify the kube-apiserver/);
    assert.deepEqual(Object.keys(cm.data ?? {}), ['ca.crt']);
  });

  it('puts back an edited or deleted copy', async () => {
    await caIn('default');
    const cm = await client.resource(configMaps, 'default').get(ROOT_CA_CONFIG_MAP);
    await client.resource(configMaps, 'default').update({ ...cm, data: { 'ca.crt': 'tampered', extra: 'x' } });
    await eventually(async () => {
      const now = await client.resource(configMaps, 'default').get(ROOT_CA_CONFIG_MAP);
      return now.data?.['ca.crt'] === CA && now.data?.['extra'] === undefined;
    }, 'the edit reverted');
    await client.resource(configMaps, 'default').delete(ROOT_CA_CONFIG_MAP);
    assert.equal(await caIn('default'), CA);
  });
});
