// The ServiceAccount admission plugin on a real API server: default account, refusal of a
// missing account, and the kube-api-access projected volume in upstream's shape.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { httpRequest } from '../helpers/api-server.js';

const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('ServiceAccount admission', () => {
  let server: ApiServer;
  let store: MemoryStore;
  const req = (method: string, path: string, body?: unknown) => httpRequest(server.url, method, path, body);
  const pod = (name: string, spec: object = {}, extra: object = {}) => req('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
  });

  before(async () => {
    store = new MemoryStore();
    server = new ApiServer({
      store, port: 0, serviceAccountAdmission: true,
      authenticator: { authenticate: () => ({ name: 'admin', groups: ['system:masters'] }) },
    });
    await server.start();
    for (const sa of [{ name: 'default' }, { name: 'quiet', automount: false }, { name: 'puller', pull: true }]) {
      const res = await req('POST', '/api/v1/namespaces/default/serviceaccounts', {
        apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name },
        ...(sa.automount === false ? { automountServiceAccountToken: false } : {}),
        ...(sa.pull ? { imagePullSecrets: [{ name: 'regcred' }] } : {}),
      });
      assert.equal(res.status, 201, res.text);
    }
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  it('runs the pod as `default` and mounts the kube-api-access volume in every container, as upstream', async () => {
    const res = await pod('plain', { initContainers: [{ name: 'init', image: 'busybox' }] });
    assert.equal(res.status, 201, res.text);
    const spec = res.json.spec;
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.volumes.length, 1);
    const vol = spec.volumes[0];
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: MOUNT }], c.name);
    }
  });

  it('leaves a container that mounts something at the token path alone', async () => {
    const res = await pod('own-mount', {
      volumes: [{ name: 'mine', emptyDir: {} }],
      containers: [
        { name: 'own', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: MOUNT }] },
        { name: 'other', image: 'busybox' },
      ],
    });
    assert.equal(res.status, 201, res.text);
    const [own, other] = res.json.spec.containers;
    assert.deepEqual(own.volumeMounts, [{ name: 'mine', mountPath: MOUNT }]);
    assert.match(other.volumeMounts[0].name, /^kube-api-access-/);
    assert.equal(res.json.spec.volumes.length, 2);
  });

  it('honours automountServiceAccountToken: false on the account, with the pod able to override it', async () => {
    const quiet = await pod('quiet', { serviceAccountName: 'quiet' });
    assert.equal(quiet.status, 201, quiet.text);
    assert.equal(quiet.json.spec.volumes, undefined);
    assert.equal(quiet.json.spec.containers[0].volumeMounts, undefined);
    const loud = await pod('loud', { serviceAccountName: 'quiet', automountServiceAccountToken: true });
    assert.equal(loud.json.spec.volumes.length, 1);
    const optOut = await pod('opt-out', { automountServiceAccountToken: false });
    assert.equal(optOut.json.spec.volumes, undefined);
  });

  it("copies the account's imagePullSecrets to a pod that names none", async () => {
    const res = await pod('pull', { serviceAccountName: 'puller' });
    assert.deepEqual(res.json.spec.imagePullSecrets, [{ name: 'regcred' }]);
  });

  it('refuses a pod whose service account does not exist, with the upstream message', async () => {
    const res = await pod('orphan', { serviceAccountName: 'ghost' });
    assert.equal(res.status, 403);
    assert.equal(res.json.reason, 'Forbidden');
    assert.equal(res.json.message, 'pods "orphan" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  it('gives mirror pods no account and refuses them service-account credentials', async () => {
    const mirror = { annotations: { 'kubernetes.io/config.mirror': 'abc' } };
    const ok = await pod('static-web', {}, mirror);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.spec.serviceAccountName, undefined);
    assert.equal(ok.json.spec.volumes, undefined);
    const named = await pod('static-named', { serviceAccountName: 'puller' }, mirror);
    assert.equal(named.status, 403);
    assert.equal(named.json.message, 'pods "static-named" is forbidden: a mirror pod may not reference service accounts');
    const secret = await pod('static-secret', { volumes: [{ name: 's', secret: { secretName: 'x' } }] }, mirror);
    assert.equal(secret.status, 403);
    assert.match(secret.json.message, /volume s has secret volume source, which is not allowed in mirror pods/);
  });
});
