// The `default/kubernetes` Service, Endpoints and EndpointSlice the API server keeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { httpRequest } from '../helpers/api-server.js';
import { eventually } from '../helpers/eventually.js';

async function start(opts: { serviceClusterIPRange?: string; intervalMs?: number } = {}) {
  const store = new MemoryStore();
  const server = new ApiServer({
    store,
    port: 0,
    serviceClusterIPRange: opts.serviceClusterIPRange,
    kubernetesServiceIntervalMs: opts.intervalMs,
    authenticator: { authenticate: () => ({ name: 'test-admin', groups: ['system:masters'] }) },
  });
  await server.start();
  const request = (method: string, path: string, body?: unknown) => httpRequest(server.url, method, path, body);
  return { server, request, stop: async () => { await server.stop(); await store.close(); } };
}

describe('kubernetes service', () => {
  it('exists at start with the first address of the range and the server as endpoint', async () => {
    const t = await start();
    try {
      const port = t.server.address.port;
      const svc = (await t.request('GET', '/api/v1/namespaces/default/services/kubernetes')).json;
      assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
      assert.equal(svc.spec.type, 'ClusterIP');
      assert.equal(svc.spec.clusterIP, '10.43.0.1');
      assert.deepEqual(svc.spec.clusterIPs, ['10.43.0.1']);
      assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }]);
      assert.equal(svc.spec.selector, undefined);
      const ep = (await t.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
      assert.deepEqual(ep.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
      assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
      const slice = (await t.request('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json;
      assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
      assert.equal(slice.addressType, 'IPv4');
      assert.deepEqual(slice.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
      assert.deepEqual(slice.ports, [{ name: 'https', port, protocol: 'TCP' }]);
    } finally {
      await t.stop();
    }
  });

  it('takes its address from the configured range (the loopback range in process mode)', async () => {
    const t = await start({ serviceClusterIPRange: '127.43.0.0/16' });
    try {
      const svc = (await t.request('GET', '/api/v1/namespaces/default/services/kubernetes')).json;
      assert.equal(svc.spec.clusterIP, '127.43.0.1');
      const other = await t.request('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
      assert.equal(other.status, 201, other.text);
      assert.match(other.json.spec.clusterIP, /^127\.43\./);
    } finally {
      await t.stop();
    }
  });

  it('comes back when deleted or changed', async () => {
    const t = await start({ intervalMs: 50 });
    try {
      const port = t.server.address.port;
      assert.equal((await t.request('DELETE', '/api/v1/namespaces/default/services/kubernetes')).status, 200);
      assert.equal((await t.request('DELETE', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).status, 200);
      const ep = (await t.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
      ep.subsets = [{ addresses: [{ ip: '127.0.0.9' }], ports: [{ name: 'https', port: 1, protocol: 'TCP' }] }];
      assert.equal((await t.request('PUT', '/api/v1/namespaces/default/endpoints/kubernetes', ep)).status, 200);
      await eventually(async () => {
        const svc = await t.request('GET', '/api/v1/namespaces/default/services/kubernetes');
        assert.equal(svc.status, 200);
        assert.equal(svc.json.spec.clusterIP, '10.43.0.1');
        const slice = await t.request('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
        assert.equal(slice.status, 200);
        const back = (await t.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
        assert.deepEqual(back.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
        return true;
      }, 'the kubernetes service, endpoints and slice restored');
    } finally {
      await t.stop();
    }
  });
});
