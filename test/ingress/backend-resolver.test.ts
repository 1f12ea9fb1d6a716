import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Indexer, NAMESPACE_INDEX, namespaceIndexFunc } from '../../src/client/indexer.js';
import { Lister } from '../../src/client/lister.js';
import { BackendResolver, SLICES_BY_SERVICE_INDEX, slicesByService } from '../../src/ingress/backend-resolver.js';

function resolverWith(services: Service[], slices: EndpointSlice[]): BackendResolver {
  const svcIndexer = new Indexer<Service>();
  services.forEach((s) => svcIndexer.upsert(s));
  const sliceIndexer = new Indexer<EndpointSlice>({ [NAMESPACE_INDEX]: namespaceIndexFunc, [SLICES_BY_SERVICE_INDEX]: slicesByService });
  slices.forEach((s) => sliceIndexer.upsert(s));
  return new BackendResolver(new Lister(svcIndexer), sliceIndexer);
}

const service = (name: string, ports: ServicePort[], extra: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  metadata: { name, namespace: 'default' },
  spec: { ports, ...extra },
});

function slice(name: string, svc: string, ports: { name?: string; port: number }[], endpoints: [string, boolean | undefined][]): EndpointSlice {
  return {
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
  };
}

describe('BackendResolver', () => {
  const r = resolverWith(
    [
      service('web', [{ name: 'http', port: 80 }, { name: 'admin', port: 9000 }]),
      service('plain', [{ port: 8080 }]),
      service('ext', [{ port: 443 }], { type: 'ExternalName', externalName: 'example.org' }),
    ],
    [
      slice('web-1', 'web', [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }], [['127.0.0.2', true], ['127.0.0.3', false], ['127.0.0.4', undefined]]),
      // A second slice repeating an endpoint (as during a slice split) must not count it twice.
      slice('web-2', 'web', [{ name: 'http', port: 8080 }], [['127.0.0.2', true]]),
      slice('plain-1', 'plain', [{ name: '', port: 3000 }], [['127.0.0.5', true]]),
      slice('stranger', 'other', [{ name: 'http', port: 1 }], [['127.0.0.9', true]]),
    ],
  );

  it('maps a service port (by number or by name) to the slice ports under its name, ready endpoints only', () => {
    const byNumber = r.endpoints({ namespace: 'default', name: 'web', port: { number: 80 } });
    const byName = r.endpoints({ namespace: 'default', name: 'web', port: { name: 'http' } });
    const want = { ok: true, endpoints: [{ host: '127.0.0.2', port: 8080 }, { host: '127.0.0.4', port: 8080 }] };
    assert.deepEqual(byNumber, want);
    assert.deepEqual(byName, want);
    assert.deepEqual(r.endpoints({ namespace: 'default', name: 'web', port: { name: 'admin' } }), {
      ok: true, endpoints: [{ host: '127.0.0.2', port: 9090 }, { host: '127.0.0.4', port: 9090 }],
    });
  });

  it('matches an unnamed service port to the unnamed slice port', () => {
    assert.deepEqual(r.endpoints({ namespace: 'default', name: 'plain', port: { number: 8080 } }), { ok: true, endpoints: [{ host: '127.0.0.5', port: 3000 }] });
  });

  it('explains why there is nothing to send to', () => {
    const cases: [string, { number?: number; name?: string }, RegExp][] = [
      ['missing', { number: 80 }, /not found/],
      ['web', { number: 81 }, /has no port 81/],
      ['web', { name: 'nope' }, /has no port nope/],
    ];
    for (const [name, port, why] of cases) {
      const res = r.pick({ namespace: 'default', name, port });
      assert.equal(res.ok, false);
      assert.match((res as { reason: string }).reason, why);
    }
  });

  it('sends ExternalName services to their DNS name', () => {
    assert.deepEqual(r.pick({ namespace: 'default', name: 'ext', port: { number: 443 } }), { ok: true, endpoint: { host: 'example.org', port: 443 } });
  });

  it('takes endpoints in turn', () => {
    const ref = { namespace: 'default', name: 'web', port: { number: 80 } };
    const hosts = [0, 1, 2, 3].map(() => {
      const p = r.pick(ref);
      return p.ok ? p.endpoint.host : '';
    });
    assert.deepEqual(hosts, ['127.0.0.2', '127.0.0.4', '127.0.0.2', '127.0.0.4']);
  });
});
