// DefaultIngressClass admission, as upstream: an Ingress created without a class gets the
// default IngressClass (the newest of several), and one naming a class keeps it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

describe('DefaultIngressClass admission', () => {
  let server: TestServer;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ingress = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, ...extra },
  });
  const ingressClass = (name: string, isDefault: boolean) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} },
    spec: { controller: `example.com/${name}` },
  });

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  it('leaves the class unset when no class is the default', async () => {
    await post('/apis/networking.k8s.io/v1/ingressclasses', ingressClass('plain', false));
    const created = await post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', ingress('none'));
    assert.equal(created.status, 201);
    assert.equal(created.body.spec.ingressClassName, undefined);
  });

  it('fills in the default class, and keeps a class that is named', async () => {
    await post('/apis/networking.k8s.io/v1/ingressclasses', ingressClass('first', true));
    const defaulted = await post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', ingress('a'));
    assert.equal(defaulted.body.spec.ingressClassName, 'first');
    const named = await post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', ingress('b', { ingressClassName: 'plain' }));
    assert.equal(named.body.spec.ingressClassName, 'plain');
    const legacy = await post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
      ...ingress('c'), metadata: { name: 'c', annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
    });
    assert.equal(legacy.body.spec.ingressClassName, undefined);
  });

  it('picks the newest of several defaults', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has whole seconds
    await post('/apis/networking.k8s.io/v1/ingressclasses', ingressClass('second', true));
    const defaulted = await post('/apis/networking.k8s.io/v1/namespaces/default/ingresses', ingress('d'));
    assert.equal(defaulted.body.spec.ingressClassName, 'second');
  });
});
