// The ingress controller end to end on loopback: a real API server, backends on 127.0.0.1
// described by Services and EndpointSlices, and the controller's HTTP and HTTPS listeners.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import type { ApiClient } from '../../src/client/api-client.js';
import { endpointSlices, events, ingresses, secrets } from '../../src/client/resources.js';
import type { IngressController } from '../../src/ingress/index.js';
import { INGRESS_CONTROLLER_NAME, startIngressController } from '../../src/ingress/index.js';
import { DEFAULT_CLASS_ANNOTATION, ensureIngressClass, ingressClasses } from '../../src/ingress/ingress-class.js';
import { DEFAULT_CERTIFICATE_COMMON_NAME } from '../../src/ingress/default-certificate.js';
import type { TestServer } from '../helpers/api-server.js';
import { eventually } from '../helpers/eventually.js';
import type { Backend } from './helpers.js';
import { createService, createSlice, proxyRequest, startApi, startBackend, tlsSecretData } from './helpers.js';

const backendRef = (name: string, port: number | string) => ({
  service: { name, port: typeof port === 'number' ? { number: port } : { name: port } },
});

function ingress(name: string, spec: Ingress['spec']): Ingress {
  return { metadata: { name, namespace: 'default' }, spec: { ingressClassName: 'coxswain', ...spec } };
}

describe('ingress controller', () => {
  let api: TestServer;
  let client: ApiClient;
  let controller: IngressController;
  let alpha: Backend;
  let beta: Backend;
  let httpPort: number;
  let httpsPort: number;
  let closedPort: number;

  before(async () => {
    ({ server: api, client } = await startApi());
    [alpha, beta] = await Promise.all([startBackend('alpha'), startBackend('beta')]);
    // A port nothing listens on: bind, note, close.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));

    await createService(client, { name: 'alpha', port: 80, portName: 'http', endpoints: [{ port: alpha.port }] });
    await createService(client, { name: 'beta', port: 8080, endpoints: [{ port: beta.port }] });
    await createService(client, { name: 'pair', port: 80, endpoints: [{ port: alpha.port }, { port: beta.port }] });
    await createService(client, { name: 'empty', port: 80, endpoints: [] });
    await createService(client, { name: 'unready', port: 80, endpoints: [{ port: alpha.port, ready: false }] });
    await createService(client, { name: 'half', port: 80, endpoints: [{ port: closedPort }, { port: alpha.port }] });
    await createService(client, { name: 'refused', port: 80, endpoints: [{ port: closedPort }] });

    const [tlsA, tlsWild] = await Promise.all([tlsSecretData(['a.example.com']), tlsSecretData(['*.wild.example.com'])]);
    const secretOf = (name: string, data: Record<string, string>): Secret => ({ metadata: { name, namespace: 'default' }, type: 'kubernetes.io/tls', data });
    await client.resource(secrets, 'default').create(secretOf('tls-a', tlsA));
    await client.resource(secrets, 'default').create(secretOf('tls-wild', tlsWild));

    const ing = client.resource(ingresses, 'default');
    await ing.create(ingress('site', {
      tls: [{ hosts: ['a.example.com'], secretName: 'tls-a' }, { hosts: ['*.wild.example.com'], secretName: 'tls-wild' }],
      rules: [
        { host: 'a.example.com', http: { paths: [
          { path: '/api', pathType: 'Prefix', backend: backendRef('beta', 8080) },
          { path: '/', pathType: 'Prefix', backend: backendRef('alpha', 'http') },
        ] } },
        { host: 'b.example.com', http: { paths: [
          { path: '/api', pathType: 'Prefix', backend: backendRef('alpha', 80) },
          { path: '/', pathType: 'Prefix', backend: backendRef('beta', 8080) },
        ] } },
      ],
    }));
    await ing.create(ingress('precedence', {
      rules: [{ host: 'p.example.com', http: { paths: [
        { path: '/foo', pathType: 'Prefix', backend: backendRef('beta', 8080) },
        { path: '/foo', pathType: 'Exact', backend: backendRef('alpha', 80) },
      ] } }],
    }));
    await ing.create(ingress('wild', { rules: [{ host: '*.wild.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('beta', 8080) }] } }] }));
    await ing.create(ingress('fallback', { defaultBackend: backendRef('alpha', 80) }));
    await ing.create(ingress('broken', {
      rules: [
        { host: 'empty.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('empty', 80) }] } },
        { host: 'unready.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('unready', 80) }] } },
        { host: 'refused.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('refused', 80) }] } },
        { host: 'noport.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('alpha', 81) }] } },
        { host: 'bucket.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'b' } } }] } },
      ],
    }));
    await ing.create(ingress('round-robin', {
      rules: [
        { host: 'rr.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('pair', 80) }] } },
        { host: 'half.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('half', 80) }] } },
      ],
    }));
    // Another controller's Ingress: same-looking rule, but it must stay unserved.
    await client.resource(ingressClasses).create({ metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } });
    await ing.create({
      metadata: { name: 'other', namespace: 'default' },
      spec: { ingressClassName: 'nginx', rules: [{ host: 'other.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('beta', 8080) }] } }] },
    });

    controller = await startIngressController(client, {
      http: { address: '127.0.0.1', port: 0 },
      https: { address: '127.0.0.1', port: 0 },
      className: 'coxswain',
      nodeAddresses: ['127.0.0.1'],
      connectTimeoutMs: 2_000,
    });
    httpPort = controller.http!.port;
    httpsPort = controller.https!.port;
  });

  after(async () => {
    await controller?.stop();
    await Promise.all([alpha?.stop(), beta?.stop()]);
    await api?.stop();
  });

  /** Polls until a request answers, since routes follow the caches a moment after a write. */
  const answer = (host: string, path: string, ok: (a: Awaited<ReturnType<typeof proxyRequest>>) => boolean, scheme: 'http' | 'https' = 'http') =>
    eventually(async () => {
      const a = await proxyRequest(scheme, scheme === 'http' ? httpPort : httpsPort, host, path);
      return ok(a) ? a : undefined;
    }, `${scheme}://${host}${path}`);

  it('routes two hosts × two paths to two Services as soon as it has started', async () => {
    const cases: [string, string, string][] = [
      ['a.example.com', '/api/items', 'beta'],
      ['a.example.com', '/index.html', 'alpha'],
      ['b.example.com', '/api', 'alpha'],
      ['b.example.com:8443', '/apiary', 'beta'],
    ];
    for (const [host, path, backend] of cases) {
      const a = await proxyRequest('http', httpPort, host, path);
      assert.equal(a.status, 200, `${host}${path}`);
      assert.equal(a.seen?.backend, backend, `${host}${path}`);
      assert.equal(a.seen?.url, path, 'the backend gets the original URI');
    }
  });

  it('creates the coxswain IngressClass, ours and marked default', async () => {
    const cls = await eventually(() => client.resource(ingressClasses).get('coxswain'), 'IngressClass coxswain');
    assert.equal(cls.spec?.controller, INGRESS_CONTROLLER_NAME);
    assert.equal(cls.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION], 'true');
  });

  it('leaves an existing IngressClass of that name as the user made it', async () => {
    const mine: IngressClass = { metadata: { name: 'users-class' }, spec: { controller: 'example.com/theirs' } };
    const created = await client.resource(ingressClasses).create(mine);
    assert.equal(await ensureIngressClass(client, 'users-class'), 'exists');
    const after = await client.resource(ingressClasses).get('users-class');
    assert.equal(after.spec?.controller, 'example.com/theirs');
    assert.equal(after.metadata?.resourceVersion, created.metadata?.resourceVersion);
  });

  it('prefers Exact over Prefix for the same path', async () => {
    assert.equal((await proxyRequest('http', httpPort, 'p.example.com', '/foo')).seen?.backend, 'alpha');
    assert.equal((await proxyRequest('http', httpPort, 'p.example.com', '/foo/bar')).seen?.backend, 'beta');
  });

  it('matches a wildcard host on exactly one label', async () => {
    assert.equal((await proxyRequest('http', httpPort, 'x.wild.example.com', '/')).seen?.backend, 'beta');
    // Two labels deep is not covered: it falls to the catch-all default backend (alpha).
    assert.equal((await proxyRequest('http', httpPort, 'y.x.wild.example.com', '/')).seen?.backend, 'alpha');
  });

  it('sends unknown hosts to the default backend', async () => {
    const a = await proxyRequest('http', httpPort, 'unknown.example.org', '/anything');
    assert.equal(a.status, 200);
    assert.equal(a.seen?.backend, 'alpha');
  });

  it('answers 404 when a host has no matching path and no default backend', async () => {
    const a = await proxyRequest('http', httpPort, 'p.example.com', '/bar');
    assert.equal(a.status, 404);
    assert.match(a.text, /404 Not Found/);
  });

  it('answers 503 without a ready endpoint or a usable backend, 502 when the endpoint refuses', async () => {
    for (const host of ['empty.example.com', 'unready.example.com', 'noport.example.com', 'bucket.example.com']) {
      assert.equal((await proxyRequest('http', httpPort, host, '/')).status, 503, host);
    }
    assert.equal((await proxyRequest('http', httpPort, 'refused.example.com', '/')).status, 502);
  });

  it('follows EndpointSlice changes: a new ready endpoint is used', async () => {
    await createSlice(client, 'empty-late', 'empty', undefined, beta.port, true);
    const a = await answer('empty.example.com', '/', (x) => x.status === 200);
    assert.equal(a.seen?.backend, 'beta');
    await client.resource(endpointSlices, 'default').delete('empty-late');
    await answer('empty.example.com', '/', (x) => x.status === 503);
  });

  it('balances round robin over the ready endpoints', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await proxyRequest('http', httpPort, 'rr.example.com', '/')).seen?.backend ?? '');
    assert.deepEqual([...seen].sort(), ['alpha', 'beta']);
  });

  it('tries the next endpoint when one refuses a request that can be resent', async () => {
    for (let i = 0; i < 4; i++) {
      const a = await proxyRequest('http', httpPort, 'half.example.com', '/');
      assert.equal(a.status, 200);
      assert.equal(a.seen?.backend, 'alpha');
    }
  });

  it('tells the backend about the client with X-Forwarded-* headers', async () => {
    const a = await proxyRequest('http', httpPort, 'a.example.com', '/', { method: 'GET' });
    const h = a.seen!.headers;
    assert.equal(h.host, 'a.example.com');
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-real-ip'], '127.0.0.1');
    assert.equal(h['x-forwarded-host'], 'a.example.com');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-port'], String(httpPort));
    assert.match(String(h['x-request-id']), /^[0-9a-f]{32}$/);
  });

  it('streams request and response bodies', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const a = await proxyRequest('http', httpPort, 'a.example.com', '/upload', { method: 'POST', body });
    assert.equal(a.status, 200);
    assert.equal(a.seen?.method, 'POST');
    assert.equal(a.seen?.bodyBytes, body.length);
  });

  it('passes WebSocket upgrades through', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/chat`, { headers: { host: 'a.example.com' } });
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('ping');
    await eventually(() => messages.length >= 2, 'two WebSocket messages');
    assert.deepEqual(messages, ['alpha:hello 127.0.0.1', 'alpha:ping']);
    const closed = new Promise((r) => ws.once('close', r));
    ws.close();
    await closed;
  });

  it('refuses an upgrade with 404 when no rule matches', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/`, { headers: { host: 'p.example.com' } });
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the upgrade should have been refused')));
      ws.once('error', reject);
    });
    assert.equal(status, 404);
  });

  it('chooses the certificate by SNI from the Ingress TLS Secrets', async () => {
    const a = await answer('a.example.com', '/api/x', (x) => x.certificateCN === 'a.example.com', 'https');
    assert.equal(a.seen?.backend, 'beta');
    assert.equal(a.seen?.headers['x-forwarded-proto'], 'https');
    assert.equal(a.seen?.headers['x-forwarded-port'], String(httpsPort));
    const w = await answer('shop.wild.example.com', '/', (x) => x.certificateCN === '*.wild.example.com', 'https');
    assert.equal(w.seen?.backend, 'beta');
    // A name no TLS entry covers gets the default certificate, and is still routed.
    const b = await proxyRequest('https', httpsPort, 'b.example.com', '/');
    assert.equal(b.certificateCN, DEFAULT_CERTIFICATE_COMMON_NAME);
    assert.equal(b.seen?.backend, 'beta');
  });

  it('serves a renewed certificate once its Secret changes', async () => {
    const renewed = await tlsSecretData(['a.example.com']);
    const fingerprint = new X509Certificate(Buffer.from(renewed['tls.crt'], 'base64')).fingerprint256;
    const s = await client.resource(secrets, 'default').get('tls-a');
    await client.resource(secrets, 'default').update({ ...s, data: renewed });
    await answer('a.example.com', '/', (x) => x.certificateFingerprint === fingerprint, 'https');
  });

  it('sets status.loadBalancer of served Ingresses to the node addresses, and leaves others alone', async () => {
    const ing = client.resource(ingresses, 'default');
    for (const name of ['site', 'precedence', 'wild', 'fallback', 'broken', 'round-robin']) {
      const got = await eventually(async () => {
        const i = await ing.get(name);
        return i.status?.loadBalancer?.ingress?.length ? i : undefined;
      }, `status of ${name}`);
      assert.deepEqual(got.status?.loadBalancer?.ingress, [{ ip: '127.0.0.1' }]);
    }
    assert.deepEqual((await ing.get('other')).status?.loadBalancer?.ingress ?? [], []);
  });

  it('ignores an Ingress of another class', async () => {
    // other.example.com is only in the nginx-class Ingress (→ beta); we send it to the default backend.
    const a = await proxyRequest('http', httpPort, 'other.example.com', '/');
    assert.equal(a.seen?.backend, 'alpha');
  });

  it('serves an Ingress without a class, since our class is the default', async () => {
    await client.resource(ingresses, 'default').create({
      metadata: { name: 'classless', namespace: 'default' },
      spec: { rules: [{ host: 'classless.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backendRef('beta', 8080) }] } }] },
    });
    const a = await answer('classless.example.com', '/', (x) => x.seen?.backend === 'beta');
    assert.equal(a.status, 200);
    // As ingress-nginx, a served Ingress that appears gets a Normal Sync event.
    const ev = await eventually(async () => {
      const list = await client.resource(events, 'default').list({ fieldSelector: 'involvedObject.name=classless' });
      return list.items.find((e) => e.reason === 'Sync');
    }, 'a Sync event');
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.involvedObject.kind, 'Ingress');
  });

  it('stops: the listeners and open WebSocket tunnels close', async () => {
    const second = await startIngressController(client, { http: { address: '127.0.0.1', port: 0 }, nodeAddresses: [] });
    const port = second.http!.port;
    assert.equal((await proxyRequest('http', port, 'a.example.com', '/')).seen?.backend, 'alpha');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { host: 'a.example.com' } });
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise((r) => ws.once('close', r));
    await second.stop();
    await closed;
    await second.stop();
    await assert.rejects(proxyRequest('http', port, 'a.example.com', '/'), /ECONNREFUSED/);
  });
});
