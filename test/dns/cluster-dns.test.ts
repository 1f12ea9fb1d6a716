// The cluster DNS server end to end: a real API server, Services and EndpointSlices created
// through the API, and real UDP and TCP queries to 127.0.0.1. Names outside the cluster go
// to a fake upstream on 127.0.0.1; nothing leaves the machine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { endpointSlices, namespaces, services } from '../../src/client/resources.js';
import type { ClusterDNS } from '../../src/dns/index.js';
import { startClusterDNS } from '../../src/dns/index.js';
import { startTestServer } from '../helpers/api-server.js';
import type { TestServer } from '../helpers/api-server.js';
import { eventually } from '../helpers/eventually.js';
import type { FakeUpstream } from './dns-client.js';
import net from 'node:net';
import { decodeReply, encodeQuery, queryTcp, queryUdp, startFakeUpstream } from './dns-client.js';

const NS = 'dns-it';

function slice(svc: string, name: string, endpoints: { ip: string; ready: boolean; hostname?: string }[], ports: { name: string; port: number }[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
    ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP' })),
  };
}

describe('cluster DNS server', () => {
  let server: TestServer;
  let transport: HttpTransport;
  let client: ApiClient;
  let upstream: FakeUpstream;
  let dns: ClusterDNS;
  let port: number;

  before(async () => {
    server = await startTestServer();
    transport = new HttpTransport({ server: server.url });
    client = new ApiClient(transport);
    upstream = await startFakeUpstream({
      'example.com': [{ type: 'A', name: 'example.com', ttl: 60, data: '192.0.2.10' }],
      'big.example.com': Array.from({ length: 40 }, (_, i) => ({ type: 'A' as const, name: 'big.example.com', ttl: 60, data: `192.0.2.${i + 1}` })),
    });
    await client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const svcs = client.resource(services, NS);
    const svc = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec });
    await svcs.create(svc('web', { clusterIP: '10.43.7.20', clusterIPs: ['10.43.7.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    await svcs.create(svc('db', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
    await svcs.create(svc('ext', { type: 'ExternalName', externalName: 'example.com' }));
    const slices = client.resource(endpointSlices, NS);
    await slices.create(slice('web', 'web-1', [{ ip: '10.42.0.5', ready: true }], [{ name: 'http', port: 8080 }]));
    // A StatefulSet's pods: hostname web-N under the headless Service (spec.subdomain).
    await slices.create(slice('db', 'db-1', [
      { ip: '10.42.0.7', ready: true, hostname: 'db-0' },
      { ip: '10.42.0.8', ready: true, hostname: 'db-1' },
      { ip: '10.42.0.9', ready: false, hostname: 'db-2' },
    ], [{ name: 'pg', port: 5432 }]));
    dns = await startClusterDNS(client, {
      listen: [{ address: '127.0.0.1', port: 0 }],
      clusterDomain: 'cluster.local',
      upstreams: [`127.0.0.1:${upstream.port}`],
      upstreamTimeoutMs: 500,
    });
    port = dns.addresses[0]!.port;
  });

  after(async () => {
    await dns?.stop();
    await upstream?.stop();
    transport?.close();
    await server?.stop();
  });

  it('answers A for a Service FQDN over UDP and TCP', async () => {
    for (const ask of [queryUdp, queryTcp]) {
      const p = await ask(port, 'web.dns-it.svc.cluster.local', 'A');
      assert.equal(p.rcode, 'NOERROR');
      assert.deepEqual(p.answers.map((a) => a.data), ['10.43.7.20']);
    }
  });

  it('answers SRV for a named port', async () => {
    const p = await queryUdp(port, '_http._tcp.web.dns-it.svc.cluster.local', 'SRV');
    assert.deepEqual(p.answers.map((a) => a.data), [{ priority: 0, weight: 100, port: 80, target: 'web.dns-it.svc.cluster.local' }]);
    assert.deepEqual(p.additionals.map((a) => a.data), ['10.43.7.20']);
  });

  it('answers a headless Service with ready pod IPs only, and StatefulSet pods by name', async () => {
    const p = await queryUdp(port, 'db.dns-it.svc.cluster.local', 'A');
    assert.deepEqual(p.answers.map((a) => a.data).sort(), ['10.42.0.7', '10.42.0.8']);
    const pod = await queryUdp(port, 'db-1.db.dns-it.svc.cluster.local', 'A');
    assert.deepEqual(pod.answers.map((a) => a.data), ['10.42.0.8']);
  });

  it('answers PTR for a ClusterIP and a pod IP', async () => {
    assert.deepEqual((await queryUdp(port, '20.7.43.10.in-addr.arpa', 'PTR')).answers.map((a) => a.data), ['web.dns-it.svc.cluster.local']);
    assert.deepEqual((await queryUdp(port, '7.0.42.10.in-addr.arpa', 'PTR')).answers.map((a) => a.data), ['db-0.db.dns-it.svc.cluster.local']);
  });

  it('answers an ExternalName Service with a CNAME and the target resolved upstream', async () => {
    const p = await queryUdp(port, 'ext.dns-it.svc.cluster.local', 'A');
    assert.deepEqual(p.answers.map((a) => [a.type, a.name, a.data]), [
      ['CNAME', 'ext.dns-it.svc.cluster.local', 'example.com'],
      ['A', 'example.com', '192.0.2.10'],
    ]);
  });

  it('gives NXDOMAIN with the SOA for an unknown Service in the cluster domain', async () => {
    const p = await queryUdp(port, 'nope.dns-it.svc.cluster.local', 'A');
    assert.equal(p.rcode, 'NXDOMAIN');
    assert.equal(p.authorities[0]?.type, 'SOA');
    assert.equal(p.authorities[0]?.name, 'cluster.local');
  });

  it('follows Services created after start', async () => {
    await client.resource(services, NS).create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: NS }, spec: { clusterIP: '10.43.7.21', clusterIPs: ['10.43.7.21'], ports: [{ port: 81, protocol: 'TCP' }] } });
    const p = await eventually(async () => {
      const r = await queryUdp(port, 'late.dns-it.svc.cluster.local', 'A');
      return r.rcode === 'NOERROR' && r;
    }, 'the new Service in DNS');
    assert.deepEqual(p.answers.map((a) => a.data), ['10.43.7.21']);
  });

  it('forwards other names to the upstream', async () => {
    const p = await queryUdp(port, 'Example.COM', 'A');
    assert.equal(p.rcode, 'NOERROR');
    assert.equal(p.questions[0]?.name, 'Example.COM');
    assert.deepEqual(p.answers.map((a) => a.data), ['192.0.2.10']);
    assert.equal((await queryUdp(port, 'unknown.example.org', 'A')).rcode, 'NXDOMAIN');
  });

  it('retries a truncated upstream answer over TCP, and truncates it again for a small UDP client', async () => {
    upstream.seen.length = 0;
    const tcp = await queryTcp(port, 'big.example.com', 'A');
    assert.equal(tcp.answers.length, 40);
    assert.deepEqual(upstream.seen.map((s) => s.via), ['udp', 'tcp']);
    const udp = await queryUdp(port, 'big.example.com', 'A');
    assert.equal(udp.answers.length, 0);
    assert.ok(udp.flags & 0x0200, 'TC');
  });

  it('answers SERVFAIL when the upstream does not answer', async () => {
    const silent = await startFakeUpstream({}, { silent: true });
    const lonely = await startClusterDNS(client, { listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [`127.0.0.1:${silent.port}`], upstreamTimeoutMs: 200 });
    try {
      const p = await queryUdp(lonely.addresses[0]!.port, 'example.com', 'A');
      assert.equal(p.rcode, 'SERVFAIL');
      // Cluster names still answer.
      assert.deepEqual((await queryUdp(lonely.addresses[0]!.port, 'web.dns-it.svc.cluster.local', 'A')).answers.map((a) => a.data), ['10.43.7.20']);
    } finally {
      await lonely.stop();
      await silent.stop();
    }
  });

  it('answers several queries sent at once on one TCP connection', async () => {
    const frames = [encodeQuery('web.dns-it.svc.cluster.local', 'A', { id: 1 }), encodeQuery('db.dns-it.svc.cluster.local', 'A', { id: 2 })].map((q) => {
      const f = Buffer.alloc(2 + q.length);
      f.writeUInt16BE(q.length, 0);
      q.copy(f, 2);
      return f;
    });
    const replies = await new Promise<Buffer[]>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(Buffer.concat(frames)));
      let buf = Buffer.alloc(0);
      const out: Buffer[] = [];
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (out.length === 2) {
          socket.destroy();
          resolve(out);
        }
      });
      socket.on('error', reject);
    });
    const byId = new Map(replies.map((r) => [decodeReply(r).id, decodeReply(r)]));
    assert.deepEqual(byId.get(1)?.answers.map((a) => a.data), ['10.43.7.20']);
    assert.equal(byId.get(2)?.answers.length, 2);
  });
});
