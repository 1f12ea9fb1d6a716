// The answers of the cluster zone, checked on the wire (decoded with dns-packet) without
// sockets: the index is fed Services and EndpointSlices directly, as informers would.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ClusterDnsIndex } from '../../src/dns/cluster-index.js';
import { Responder } from '../../src/dns/responder.js';
import type { PodMode } from '../../src/dns/responder.js';
import { decodeReply, encodeQuery } from './dns-client.js';
import type { DecodedReply } from './dns-client.js';

function service(ns: string, name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec };
}

interface Ep {
  ip: string;
  ready?: boolean;
  hostname?: string;
}

function slice(ns: string, svc: string, name: string, endpoints: Ep[], ports: { name?: string; port: number; protocol?: string }[] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: endpoints[0]?.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: (p.protocol ?? 'TCP') as 'TCP' })),
  };
}

function fixture(opts: { podMode?: PodMode; synced?: () => boolean } = {}) {
  const index = new ClusterDnsIndex({ zone: 'cluster.local' });
  for (const ns of ['default', 'kube-system']) index.setNamespace({ metadata: { name: ns } });
  index.setService(service('default', 'web', { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  index.setEndpointSlice(slice('default', 'web', 'web-abc', [{ ip: '10.42.0.5' }, { ip: '10.42.0.6', ready: false }], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }]));
  index.setService(service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  index.setEndpointSlice(slice('default', 'db', 'db-xyz', [
    { ip: '10.42.0.7', hostname: 'db-0' },
    { ip: '10.42.0.8', hostname: 'db-1' },
    { ip: '10.42.0.9', hostname: 'db-2', ready: false },
  ], [{ name: 'pg', port: 5432 }]));
  index.setService(service('default', 'empty', { clusterIP: 'None' }));
  index.setService(service('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }));
  index.setService(service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local.' }));
  const responder = new Responder({ index, podMode: opts.podMode ?? 'insecure', isSynced: opts.synced, nameserverIPs: ['10.43.0.10'] });
  const ask = (name: string, type: dnsPacket.RecordType, o: { udp?: boolean; edns?: number } = {}) => {
    const reply = responder.answer(encodeQuery(name, type, { edns: o.edns }), o.udp ?? false);
    assert.ok(Buffer.isBuffer(reply), `a synchronous reply for ${name} ${type}`);
    return decodeReply(reply);
  };
  return { index, responder, ask };
}

const data = (p: DecodedReply) => p.answers.map((a) => a.data);
const authoritative = (p: DecodedReply) => ((p.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0;

function assertSoa(p: DecodedReply): void {
  assert.equal(p.authorities?.length, 1);
  const soa = p.authorities![0]!;
  assert.equal(soa.type, 'SOA');
  assert.equal(soa.name.toLowerCase(), 'cluster.local');
  assert.equal(soa.ttl, 5);
  const d = soa.data;
  assert.equal(d.mname, 'ns.dns.cluster.local');
  assert.equal(d.rname, 'hostmaster.cluster.local');
  assert.equal(d.refresh, 7200);
  assert.equal(d.retry, 1800);
  assert.equal(d.expire, 86400);
  assert.equal(d.minimum, 5);
}

describe('cluster DNS answers', () => {
  it('answers a ClusterIP Service with its ClusterIP, authoritatively, TTL 5, echoing the question', () => {
    const { ask } = fixture();
    const p = ask('Web.Default.SVC.Cluster.Local', 'A');
    assert.equal(p.rcode, 'NOERROR');
    assert.ok(authoritative(p));
    assert.equal(p.id, 4242);
    assert.equal(p.questions?.[0]?.name, 'Web.Default.SVC.Cluster.Local');
    assert.deepEqual(data(p), ['10.43.0.20']);
    assert.equal(p.answers?.[0]?.name, 'Web.Default.SVC.Cluster.Local');
    assert.equal(p.answers?.[0]?.ttl, 5);
  });

  it('gives NODATA with the SOA for a type the name has no records of', () => {
    const { ask } = fixture();
    const p = ask('web.default.svc.cluster.local', 'AAAA');
    assert.equal(p.rcode, 'NOERROR');
    assert.equal(p.answers?.length, 0);
    assertSoa(p);
    const txt = ask('web.default.svc.cluster.local', 'TXT');
    assert.equal(txt.rcode, 'NOERROR');
    assertSoa(txt);
  });

  it('gives NXDOMAIN with the SOA for an unknown Service and an unknown namespace', () => {
    const { ask } = fixture();
    for (const name of ['nope.default.svc.cluster.local', 'web.nosuchns.svc.cluster.local', 'nosuchns.svc.cluster.local', 'a.b.c.d.web.default.svc.cluster.local']) {
      const p = ask(name, 'A');
      assert.equal(p.rcode, 'NXDOMAIN', name);
      assert.ok(authoritative(p));
      assertSoa(p);
    }
  });

  it('gives NODATA for the zone apex, svc, pod and an existing namespace', () => {
    const { ask } = fixture();
    for (const name of ['cluster.local', 'svc.cluster.local', 'pod.cluster.local', 'default.svc.cluster.local', 'kube-system.pod.cluster.local']) {
      const p = ask(name, 'A');
      assert.equal(p.rcode, 'NOERROR', name);
      assert.equal(p.answers?.length, 0, name);
      assertSoa(p);
    }
  });

  it('answers SRV for a named port with the Service port, weight 100 and the address as additional', () => {
    const { ask } = fixture();
    const p = ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.equal(p.rcode, 'NOERROR');
    assert.deepEqual(p.answers?.map((a) => a.data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(p.additionals?.map((a) => [a.type, a.name, a.data]), [['A', 'web.default.svc.cluster.local', '10.43.0.20']]);
    const udp = ask('_dns._udp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(udp.answers?.map((a) => a.data.port), [53]);
    assert.equal(ask('_dns._tcp.web.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN');
    // The port name also answers A, as CoreDNS does.
    assert.deepEqual(data(ask('_http._tcp.web.default.svc.cluster.local', 'A')), ['10.43.0.20']);
  });

  it('answers SRV for the Service name with every port, sharing the weight', () => {
    const { ask } = fixture();
    const p = ask('web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(p.answers?.map((a) => a.data), [
      { priority: 0, weight: 50, port: 80, target: 'web.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 53, target: 'web.default.svc.cluster.local' },
    ]);
    assert.equal(p.additionals?.length, 1);
  });

  it('answers a headless Service with its ready endpoint IPs only, rotating them', () => {
    const { ask } = fixture();
    const first = ask('db.default.svc.cluster.local', 'A');
    assert.deepEqual(new Set(data(first)), new Set(['10.42.0.7', '10.42.0.8']));
    const second = ask('db.default.svc.cluster.local', 'A');
    assert.deepEqual(new Set(data(second)), new Set(['10.42.0.7', '10.42.0.8']));
    assert.notDeepEqual(data(first), data(second), 'round robin (CoreDNS loadbalance)');
  });

  it('names StatefulSet pods by hostname under the headless Service, and SRV points at them', () => {
    const { ask } = fixture();
    assert.deepEqual(data(ask('db-0.db.default.svc.cluster.local', 'A')), ['10.42.0.7']);
    assert.deepEqual(data(ask('DB-1.db.default.svc.cluster.local', 'A')), ['10.42.0.8']);
    assert.equal(ask('db-2.db.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN', 'not ready');
    const srv = ask('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    assert.deepEqual(srv.answers?.map((a) => a.data), [
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: 'db-1.db.default.svc.cluster.local' },
    ]);
    assert.deepEqual(srv.additionals?.map((a) => [a.name, a.data]), [['db-0.db.default.svc.cluster.local', '10.42.0.7'], ['db-1.db.default.svc.cluster.local', '10.42.0.8']]);
  });

  it('names endpoints without a hostname by their dashed IP', () => {
    const { ask } = fixture();
    assert.deepEqual(data(ask('10-42-0-5.web.default.svc.cluster.local', 'A')), ['10.42.0.5']);
    assert.equal(ask('10-42-0-6.web.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  });

  it('gives NXDOMAIN for a headless Service without ready endpoints', () => {
    const { ask } = fixture();
    const p = ask('empty.default.svc.cluster.local', 'A');
    assert.equal(p.rcode, 'NXDOMAIN');
    assertSoa(p);
  });

  it('answers PTR for ClusterIPs and endpoint IPs', () => {
    const { ask } = fixture();
    assert.deepEqual(data(ask('20.0.43.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
    assert.deepEqual(data(ask('7.0.42.10.in-addr.arpa', 'PTR')), ['db-0.db.default.svc.cluster.local']);
    assert.deepEqual(data(ask('5.0.42.10.in-addr.arpa', 'PTR')), ['10-42-0-5.web.default.svc.cluster.local']);
  });

  it('answers PTR under ip6.arpa for IPv6 endpoints', () => {
    const { index, ask } = fixture();
    index.setService(service('default', 'v6', { clusterIP: 'None' }));
    index.setEndpointSlice(slice('default', 'v6', 'v6-a', [{ ip: 'fd00::5' }], [{ name: 'http', port: 80 }]));
    assert.deepEqual(data(ask('fd00--5.v6.default.svc.cluster.local', 'AAAA')), ['fd00::5']);
    const rev = `5.0.0.0.${'0.0.0.0.'.repeat(6)}0.0.d.f.ip6.arpa`;
    assert.deepEqual(data(ask(rev, 'PTR')), ['fd00--5.v6.default.svc.cluster.local']);
  });

  it('answers an ExternalName Service with a CNAME, resolving in-cluster targets', () => {
    const { ask } = fixture();
    const cname = ask('ext.default.svc.cluster.local', 'CNAME');
    assert.deepEqual(cname.answers?.map((a) => [a.type, a.data]), [['CNAME', 'example.com']]);
    const alias = ask('alias.default.svc.cluster.local', 'A');
    assert.deepEqual(alias.answers?.map((a) => [a.type, a.name, a.data]), [
      ['CNAME', 'alias.default.svc.cluster.local', 'web.default.svc.cluster.local'],
      ['A', 'web.default.svc.cluster.local', '10.43.0.20'],
    ]);
    assert.equal(ask('ext.default.svc.cluster.local', 'SRV').rcode, 'NOERROR');
  });

  it('leaves the CNAME out when the external target cannot be resolved, and gives an IP externalName no record', async () => {
    const { index, responder, ask } = fixture();
    const pending = responder.answer(encodeQuery('ext.default.svc.cluster.local', 'A'), false);
    assert.ok(pending instanceof Promise, 'an external target is looked up upstream');
    const p = decodeReply((await pending)!);
    assert.equal(p.rcode, 'NOERROR');
    assert.equal(p.answers.length, 0, 'as CoreDNS: no upstream answer, no CNAME');
    index.setService(service('default', 'byip', { type: 'ExternalName', externalName: '192.0.2.1' }));
    assert.equal(ask('byip.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  });

  it('answers pod names in insecure mode when the namespace exists', () => {
    const { ask } = fixture();
    assert.deepEqual(data(ask('10-42-1-9.default.pod.cluster.local', 'A')), ['10.42.1.9']);
    assert.equal(ask('10-42-1-9.default.pod.cluster.local', 'AAAA').rcode, 'NOERROR');
    assert.equal(ask('10-42-1-9.nosuch.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
    assert.equal(ask('not-an-ip.default.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
    const { ask: disabled } = fixture({ podMode: 'disabled' });
    assert.equal(disabled('10-42-1-9.default.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
  });

  it('answers dns-version, the apex SOA and NS', () => {
    const { ask } = fixture();
    const txt = ask('dns-version.cluster.local', 'TXT');
    assert.deepEqual(txt.answers?.map((a) => (a.data as Buffer[]).map(String)), [['1.1.0']]);
    const soa = ask('cluster.local', 'SOA');
    assert.equal(soa.answers?.[0]?.type, 'SOA');
    const ns = ask('cluster.local', 'NS');
    assert.deepEqual(data(ns), ['ns.dns.cluster.local']);
    assert.deepEqual(ns.additionals?.map((a) => a.data), ['10.43.0.10']);
  });

  it('refuses zone transfers', () => {
    const { ask } = fixture();
    assert.equal(ask('cluster.local', 'AXFR').rcode, 'REFUSED');
  });

  it('answers SERVFAIL instead of NXDOMAIN until the informers have synced', () => {
    let synced = false;
    const { ask } = fixture({ synced: () => synced });
    assert.equal(ask('nope.default.svc.cluster.local', 'A').rcode, 'SERVFAIL');
    assert.deepEqual(data(ask('web.default.svc.cluster.local', 'A')), ['10.43.0.20']);
    synced = true;
    assert.equal(ask('nope.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  });

  it('follows Service and EndpointSlice changes', () => {
    const { index, ask } = fixture();
    index.setEndpointSlice(slice('default', 'db', 'db-xyz', [{ ip: '10.42.0.9', hostname: 'db-2' }], [{ name: 'pg', port: 5432 }]));
    assert.deepEqual(data(ask('db.default.svc.cluster.local', 'A')), ['10.42.0.9']);
    assert.equal(ask('db-0.db.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
    assert.equal(ask('7.0.42.10.in-addr.arpa', 'PTR').rcode, 'SERVFAIL', 'unknown reverse names go upstream (none here)');
    index.deleteService(service('default', 'web', {}));
    assert.equal(ask('web.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
    index.deleteEndpointSlice(slice('default', 'db', 'db-xyz', []));
    assert.equal(ask('db.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  });

  it('truncates UDP replies over 512 bytes without EDNS, and not over TCP or with a big EDNS size', () => {
    const { index, ask } = fixture();
    index.setService(service('default', 'big', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }));
    const eps = Array.from({ length: 60 }, (_, i) => ({ ip: `10.42.1.${i + 1}` }));
    index.setEndpointSlice(slice('default', 'big', 'big-1', eps, [{ name: 'http', port: 80 }]));
    const udp = ask('big.default.svc.cluster.local', 'A', { udp: true });
    assert.ok(((udp.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0);
    assert.equal(udp.answers?.length, 0);
    assert.equal(ask('big.default.svc.cluster.local', 'A', { udp: true, edns: 4096 }).answers?.length, 60);
    const tcp = ask('big.default.svc.cluster.local', 'SRV');
    assert.equal(tcp.answers?.length, 60);
    assert.equal(tcp.additionals?.length, 60);
  });

  it('echoes EDNS with an OPT record and answers malformed queries with FORMERR', () => {
    const { responder, ask } = fixture();
    const p = ask('web.default.svc.cluster.local', 'A', { edns: 1232 });
    assert.deepEqual(data(p), ['10.43.0.20']);
    assert.equal(p.additionals?.[0]?.type, 'OPT');
    const noQuestion = dnsPacket.encode({ type: 'query', id: 7, questions: [] });
    const reply = responder.answer(noQuestion, true);
    assert.ok(Buffer.isBuffer(reply));
    assert.equal(decodeReply(reply).rcode, 'FORMERR');
    assert.equal(responder.answer(Buffer.from([1, 2, 3]), true), null);
  });
});
