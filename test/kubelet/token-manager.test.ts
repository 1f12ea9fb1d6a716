// The kubelet's service-account token manager against a real API server: tokens bound to the
// pod through TokenRequest, cached, refreshed after 80% of their lifetime, and the cached one
// kept when a refresh fails while it is still valid.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { FakeClock } from '../../src/client/clock.js';
import { inProcessClient } from '../../src/client/connect.js';
import { ApiClient } from '../../src/client/api-client.js';
import { ServiceAccountTokenManager } from '../../src/kubelet/volumes/token-manager.js';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

describe('ServiceAccountTokenManager', () => {
  let api: TestServer;
  let client: ApiClient;
  let podUid: string;

  before(async () => {
    api = await startTestServer();
    client = inProcessClient((r) => api.server.handleLocal(r), { name: 'system:node:n1', groups: ['system:nodes'] });
    await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } });
    const pod = await api.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(pod.status, 201, pod.text);
    podUid = pod.json.metadata.uid;
  });
  after(() => api.stop());

  const spec = () => ({ namespace: 'default', serviceAccountName: 'app', expirationSeconds: 3600, pod: { name: 'web', uid: podUid } });

  it('requests a pod-bound token and serves it from cache until 80% of its lifetime', async () => {
    const clock = new FakeClock(Date.now());
    const tm = new ServiceAccountTokenManager(client, clock, undefined, () => 0);
    const first = await tm.getToken(spec());
    const claims = decodeJwt(first) as any;
    assert.equal(claims.sub, 'system:serviceaccount:default:app');
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'web', uid: podUid });
    assert.equal(await tm.getToken(spec()), first, 'cached');
    clock.step(0.79 * 3600_000);
    assert.equal(await tm.getToken(spec()), first, 'still fresh at 79%');
    clock.step(0.02 * 3600_000);
    const second = await tm.getToken(spec());
    assert.notEqual(second, first, 'refreshed past 80%');
  });

  it('keeps a still-valid cached token when the refresh fails, and fails once it has expired', async () => {
    const clock = new FakeClock(Date.now());
    let broken = false;
    const flaky = new ApiClient({
      request: (req) => (broken ? Promise.reject(new Error('connection refused')) : client.transport.request(req)),
      stream: (req) => client.transport.stream(req),
    });
    const tm = new ServiceAccountTokenManager(flaky, clock, undefined, () => 0);
    const token = await tm.getToken(spec());
    broken = true;
    clock.step(0.9 * 3600_000);
    assert.equal(await tm.getToken(spec()), token);
    clock.step(0.2 * 3600_000);
    await assert.rejects(tm.getToken(spec()), /connection refused/);
  });

  it('fails for a pod bound to another account, as the API refuses it', async () => {
    const tm = new ServiceAccountTokenManager(client);
    await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other' } });
    await assert.rejects(tm.getToken({ ...spec(), serviceAccountName: 'other' }), /different serviceaccount name/);
  });
});
