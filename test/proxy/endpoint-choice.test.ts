// The pure parts of the proxy: which ports a Service has, which endpoints serve them, and
// how a backend is picked (round robin, ClientIP affinity with its timeout).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { FakeClock } from '../../src/client/clock.js';
import { categorizeEndpoints } from '../../src/proxy/userspace/endpoint-categories.js';
import { RoundRobinBalancer } from '../../src/proxy/userspace/round-robin.js';
import { endpointsForPort, servicePortsOf, type EndpointInfo } from '../../src/proxy/userspace/service-ports.js';

const ep = (ip: string, over: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 80, nodeName: 'here', ready: true, serving: true, terminating: false, ...over });
const ips = (eps: EndpointInfo[]) => eps.map((e) => e.ip);

describe('servicePortsOf', () => {
  it('names ports by service, port name and protocol and applies the Service\'s policies', () => {
    const [tcp, udp] = servicePortsOf({
      metadata: { name: 'dns', namespace: 'kube-system' },
      spec: {
        type: 'LoadBalancer',
        clusterIP: '127.43.0.10',
        sessionAffinity: 'ClientIP',
        externalTrafficPolicy: 'Local',
        ports: [{ name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30053 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30054 }],
      },
    });
    assert.equal(tcp!.id, 'kube-system/dns:dns-tcp/TCP');
    assert.equal(udp!.id, 'kube-system/dns:dns/UDP');
    assert.equal(tcp!.affinityTimeoutMs, 10_800_000, 'upstream default timeout');
    assert.equal(tcp!.externalLocal, true);
    assert.equal(tcp!.internalLocal, false);
    assert.equal(tcp!.loadBalancerOnNodes, true);
    assert.equal(udp!.nodePort, 30054);
  });

  const cases: [string, Parameters<typeof servicePortsOf>[0]][] = [
    ['headless', { metadata: { name: 'h' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } }],
    ['ExternalName', { metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] } }],
    ['SCTP', { metadata: { name: 's' }, spec: { clusterIP: '127.43.0.9', ports: [{ port: 80, protocol: 'SCTP' }] } }],
  ];
  for (const [name, svc] of cases) it(`does not proxy ${name} Services`, () => assert.deepEqual(servicePortsOf(svc), []));

  it('leaves LoadBalancers of another class to their controller', () => {
    const [p] = servicePortsOf({ metadata: { name: 'l' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'other', clusterIP: '127.43.0.8', ports: [{ port: 80, nodePort: 30080 }] } });
    assert.equal(p!.loadBalancerOnNodes, false);
    assert.equal(p!.nodePort, 30080, 'its NodePort is still served');
  });
});

describe('endpointsForPort', () => {
  it('matches ports by name and protocol and merges duplicates across slices', () => {
    const slice = (name: string, ip: string, ready: boolean | undefined, port: number): EndpointSlice => ({
      metadata: { name },
      addressType: 'IPv4',
      ports: [{ name: 'http', port, protocol: 'TCP' }, { name: 'metrics', port: 9000, protocol: 'TCP' }],
      endpoints: [{ addresses: [ip], conditions: ready === undefined ? {} : { ready } }],
    });
    const got = endpointsForPort([slice('a', '10.0.0.1', false, 8080), slice('b', '10.0.0.1', true, 8080), slice('c', '10.0.0.2', undefined, 8080)], 'http', 'TCP');
    assert.deepEqual(got.map((e) => [e.ip, e.port, e.ready]), [['10.0.0.1', 8080, true], ['10.0.0.2', 8080, true]]);
    assert.deepEqual(endpointsForPort([slice('a', '10.0.0.1', true, 8080)], 'http', 'UDP'), []);
  });
});

describe('categorizeEndpoints', () => {
  const table: [string, EndpointInfo[], string[], string[]][] = [
    ['ready endpoints only', [ep('a'), ep('b', { ready: false, serving: false })], ['a'], ['a']],
    ['serving terminating endpoints when none is ready', [ep('a', { ready: false, serving: true, terminating: true }), ep('b', { ready: false, serving: false, terminating: true })], ['a'], ['a']],
    ['no terminating fallback while one is ready', [ep('a'), ep('b', { ready: false, serving: true, terminating: true })], ['a'], ['a']],
    ['local: only this node', [ep('a', { nodeName: 'there' }), ep('b')], ['a', 'b'], ['b']],
    ['local fallback is per node', [ep('a', { nodeName: 'there' }), ep('b', { ready: false, serving: true, terminating: true })], ['a'], ['b']],
    ['nothing local', [ep('a', { nodeName: 'there' })], ['a'], []],
  ];
  for (const [name, eps, cluster, local] of table) {
    it(name, () => {
      const got = categorizeEndpoints(eps, 'here');
      assert.deepEqual(ips(got.cluster), cluster);
      assert.deepEqual(ips(got.local), local);
    });
  }
});

describe('RoundRobinBalancer', () => {
  it('goes round the endpoints', () => {
    const b = new RoundRobinBalancer(new FakeClock());
    b.update([ep('a'), ep('b'), ep('c')], [], 0);
    assert.deepEqual([1, 2, 3, 4].map(() => b.next('1.1.1.1', false)!.ip), ['a', 'b', 'c', 'a']);
    assert.equal(b.next('1.1.1.1', true), undefined, 'no local endpoint');
  });

  it('keeps a client IP on its endpoint until it has been idle for the timeout', () => {
    const clock = new FakeClock();
    const b = new RoundRobinBalancer(clock);
    b.update([ep('a'), ep('b')], [], 10_000);
    assert.equal(b.next('1.1.1.1', false)!.ip, 'a');
    clock.step(9_000);
    assert.equal(b.next('1.1.1.1', false)!.ip, 'a');
    assert.equal(b.next('2.2.2.2', false)!.ip, 'b');
    clock.step(9_000);
    assert.equal(b.next('1.1.1.1', false)!.ip, 'a', 'each use renews the affinity');
    clock.step(10_001);
    assert.equal(b.next('3.3.3.3', false)!.ip, 'a');
    // Expired: the client takes the next endpoint in turn.
    assert.equal(b.next('1.1.1.1', false)!.ip, 'b');
  });

  it('moves an affine client when its endpoint goes away or a dial fails', () => {
    const b = new RoundRobinBalancer(new FakeClock());
    b.update([ep('a'), ep('b')], [], 60_000);
    const first = b.next('1.1.1.1', false)!.ip;
    const other = first === 'a' ? 'b' : 'a';
    assert.equal(b.next('1.1.1.1', false, true)!.ip, other, 'reset after a failed dial');
    assert.equal(b.next('1.1.1.1', false)!.ip, other, 'and it sticks there');
    b.update([ep(first)], [], 60_000);
    assert.equal(b.next('1.1.1.1', false)!.ip, first);
  });
});
