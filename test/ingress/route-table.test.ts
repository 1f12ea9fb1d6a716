import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressBackend, IngressRule } from 'kubernetes-types/networking/v1.js';
import { RouteTable } from '../../src/ingress/route-table.js';
import { hostMatches, normalizeHost, wildcardFor } from '../../src/ingress/host-match.js';
import { normalizeRulePath, pathMatches } from '../../src/ingress/path-match.js';

const svc = (name: string, port: number | string = 80): IngressBackend => ({
  service: { name, port: typeof port === 'number' ? { number: port } : { name: port } },
});

function ingress(name: string, spec: Ingress['spec'], created = '2024-01-01T00:00:00Z'): Ingress {
  return { metadata: { name, namespace: 'default', creationTimestamp: created }, spec };
}

function rule(host: string | undefined, paths: [string, 'Exact' | 'Prefix' | 'ImplementationSpecific', string][]): IngressRule {
  return { ...(host ? { host } : {}), http: { paths: paths.map(([path, pathType, to]) => ({ path, pathType, backend: svc(to) })) } };
}

/** The service a request reaches, or undefined for 404. */
function routeOf(table: RouteTable, host: string, path: string): string | undefined {
  const m = table.match(normalizeHost(host), path);
  if (!m) return undefined;
  return m.backend.kind === 'service' ? m.backend.name : m.backend.kind;
}

describe('path matching (Ingress spec examples)', () => {
  const cases: [string, string, 'Exact' | 'Prefix', string, boolean][] = [
    ['Prefix / matches everything', '/', 'Prefix', '/anything/here', true],
    ['Exact /foo matches /foo', '/foo', 'Exact', '/foo', true],
    ['Exact /foo does not match /bar', '/foo', 'Exact', '/bar', false],
    ['Exact /foo does not match /foo/', '/foo', 'Exact', '/foo/', false],
    ['Exact /foo/ does not match /foo', '/foo/', 'Exact', '/foo', false],
    ['Prefix /foo matches /foo/', '/foo', 'Prefix', '/foo/', true],
    ['Prefix /foo/ matches /foo', '/foo/', 'Prefix', '/foo', true],
    ['Prefix /aaa/bb does not match /aaa/bbb', '/aaa/bb', 'Prefix', '/aaa/bbb', false],
    ['Prefix /aaa/bbb matches /aaa/bbb/ccc', '/aaa/bbb', 'Prefix', '/aaa/bbb/ccc', true],
    ['Prefix /foo does not match /foobar', '/foo', 'Prefix', '/foobar', false],
    ['Prefix is case-sensitive', '/foo', 'Prefix', '/FOO', false],
  ];
  for (const [name, rulePath, type, request, want] of cases) {
    it(name, () => assert.equal(pathMatches(normalizeRulePath(rulePath, type), type, request), want));
  }
});

describe('host matching', () => {
  it('a wildcard covers exactly one label', () => {
    assert.equal(hostMatches('*.foo.com', 'bar.foo.com'), true);
    assert.equal(hostMatches('*.foo.com', 'baz.bar.foo.com'), false);
    assert.equal(hostMatches('*.foo.com', 'foo.com'), false);
    assert.equal(wildcardFor('com'), undefined);
  });
  it('the Host header loses its port and case', () => {
    assert.equal(normalizeHost('Foo.Example.com:8080'), 'foo.example.com');
    assert.equal(normalizeHost('[::1]:80'), '[::1]');
    assert.equal(normalizeHost('example.com.'), 'example.com');
    assert.equal(normalizeHost(undefined), '');
  });
});

describe('RouteTable', () => {
  it('routes two hosts × two paths to their services', () => {
    const t = RouteTable.build([
      ingress('a', {
        rules: [
          rule('a.example.com', [['/api', 'Prefix', 'a-api'], ['/', 'Prefix', 'a-web']]),
          rule('b.example.com', [['/api', 'Prefix', 'b-api'], ['/', 'Prefix', 'b-web']]),
        ],
      }),
    ]);
    assert.equal(routeOf(t, 'a.example.com', '/api/v1'), 'a-api');
    assert.equal(routeOf(t, 'A.example.com:80', '/index.html'), 'a-web');
    assert.equal(routeOf(t, 'b.example.com', '/api'), 'b-api');
    assert.equal(routeOf(t, 'b.example.com', '/apix'), 'b-web');
    assert.equal(routeOf(t, 'c.example.com', '/'), undefined);
  });

  it('prefers the longest path, then Exact over Prefix at equal length', () => {
    const t = RouteTable.build([
      ingress('a', { rules: [rule(undefined, [['/foo', 'Prefix', 'prefix'], ['/foo', 'Exact', 'exact'], ['/foo/bar', 'Prefix', 'longer'], ['/', 'Prefix', 'root']])] }),
    ]);
    assert.equal(routeOf(t, 'x', '/foo'), 'exact');
    assert.equal(routeOf(t, 'x', '/foo/'), 'prefix');
    assert.equal(routeOf(t, 'x', '/foo/bar/baz'), 'longer');
    assert.equal(routeOf(t, 'x', '/other'), 'root');
  });

  it('treats ImplementationSpecific as Prefix', () => {
    const t = RouteTable.build([ingress('a', { rules: [rule(undefined, [['/docs', 'ImplementationSpecific', 'docs']])] })]);
    assert.equal(routeOf(t, 'x', '/docs/intro'), 'docs');
    assert.equal(routeOf(t, 'x', '/docsx'), undefined);
  });

  it('gives an exact host precedence over a wildcard, and a wildcard over host-less rules', () => {
    const t = RouteTable.build([
      ingress('a', {
        rules: [
          rule('*.example.com', [['/', 'Prefix', 'wild']]),
          rule('www.example.com', [['/', 'Prefix', 'www']]),
          rule(undefined, [['/', 'Prefix', 'any']]),
        ],
      }),
    ]);
    assert.equal(routeOf(t, 'www.example.com', '/'), 'www');
    assert.equal(routeOf(t, 'shop.example.com', '/'), 'wild');
    assert.equal(routeOf(t, 'a.shop.example.com', '/'), 'any');
    assert.equal(routeOf(t, 'example.com', '/'), 'any');
    assert.equal(routeOf(t, '', '/'), 'any');
  });

  it('merges Ingresses by host; on an identical path the oldest Ingress wins', () => {
    const t = RouteTable.build([
      ingress('newer', { rules: [rule('h', [['/x', 'Prefix', 'newer-x'], ['/y', 'Prefix', 'newer-y']])] }, '2024-02-01T00:00:00Z'),
      ingress('older', { rules: [rule('h', [['/x', 'Prefix', 'older-x']])] }, '2024-01-01T00:00:00Z'),
    ]);
    assert.equal(routeOf(t, 'h', '/x'), 'older-x');
    assert.equal(routeOf(t, 'h', '/y'), 'newer-y');
  });

  it('uses defaultBackend: an Ingress with only a default backend catches everything else', () => {
    const t = RouteTable.build([
      ingress('fallback', { defaultBackend: svc('fallback') }),
      ingress('site', { rules: [rule('site.example.com', [['/app', 'Prefix', 'app']])] }),
    ]);
    assert.equal(routeOf(t, 'site.example.com', '/app'), 'app');
    assert.equal(routeOf(t, 'unknown.example.com', '/'), 'fallback');
    // As ingress-nginx: a host's unmatched paths go to that host's own default backend, or 404.
    assert.equal(routeOf(t, 'site.example.com', '/other'), undefined);
  });

  it('sends a host\'s unmatched paths to the defaultBackend of the Ingress defining the host', () => {
    const t = RouteTable.build([ingress('site', { defaultBackend: svc('site-default'), rules: [rule('site.example.com', [['/app', 'Exact', 'app']])] })]);
    assert.equal(routeOf(t, 'site.example.com', '/app/x'), 'site-default');
    assert.equal(routeOf(t, 'other.example.com', '/'), undefined);
  });

  it('keeps resource backends as such (the proxy answers 503)', () => {
    const t = RouteTable.build([
      ingress('r', { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'icons' } } }] } }] }),
    ]);
    assert.equal(routeOf(t, 'x', '/'), 'resource');
  });
});
