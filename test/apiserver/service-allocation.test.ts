// ClusterIP and NodePort allocation through the real HTTP API, as upstream's service storage.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory.js';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

const SVC = '/api/v1/namespaces/default/services';

function service(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

function inRange(ip: string): boolean {
  return /^10\.43\.\d+\.\d+$/.test(ip);
}

describe('service allocation', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  it('gives a new Service a ClusterIP from the range, with single-stack IPv4 families', async () => {
    const r = await t.request('POST', SVC, service('auto'));
    assert.equal(r.status, 201, r.text);
    const spec = r.json.spec;
    assert.ok(inRange(spec.clusterIP), spec.clusterIP);
    assert.notEqual(spec.clusterIP, '10.43.0.1');
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(spec.ports[0].nodePort, undefined);
    const got = await t.request('GET', `${SVC}/auto`);
    assert.equal(got.json.spec.clusterIP, spec.clusterIP);
  });

  it('honours a requested ClusterIP and refuses it to a second Service', async () => {
    const a = await t.request('POST', SVC, service('fixed-a', { clusterIP: '10.43.0.5' }));
    assert.equal(a.status, 201, a.text);
    assert.deepEqual(a.json.spec.clusterIPs, ['10.43.0.5']);
    const b = await t.request('POST', SVC, service('fixed-b', { clusterIP: '10.43.0.5' }));
    assert.equal(b.status, 422);
    assert.equal(b.json.reason, 'Invalid');
    assert.equal(b.json.message, 'Service "fixed-b" is invalid: spec.clusterIPs: Invalid value: []string{"10.43.0.5"}: failed to allocate IP 10.43.0.5: provided IP is already allocated');
    assert.equal(b.json.details.causes[0].field, 'spec.clusterIPs');
  });

  it('refuses a ClusterIP outside the range, and the network address', async () => {
    const r = await t.request('POST', SVC, service('outside', { clusterIP: '10.44.0.5' }));
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"10.44.0.5"}: failed to allocate IP 10.44.0.5: the provided IP (10.44.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16');
    const net = await t.request('POST', SVC, service('network', { clusterIP: '10.43.0.0' }));
    assert.equal(net.status, 422);
    assert.match(net.json.message, /not in the valid range/);
  });

  it('refuses the kubernetes Service address', async () => {
    const r = await t.request('POST', SVC, service('steal', { clusterIP: '10.43.0.1' }));
    assert.equal(r.status, 422);
    assert.match(r.json.message, /provided IP is already allocated/);
  });

  it('gives headless and ExternalName Services no address', async () => {
    const h = await t.request('POST', SVC, service('headless', { clusterIP: 'None' }));
    assert.equal(h.status, 201, h.text);
    assert.equal(h.json.spec.clusterIP, 'None');
    assert.deepEqual(h.json.spec.clusterIPs, ['None']);
    const e = await t.request('POST', SVC, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.equal(e.status, 201, e.text);
    assert.equal(e.json.spec.clusterIP, undefined);
    assert.equal(e.json.spec.clusterIPs, undefined);
    assert.equal(e.json.spec.ipFamilies, undefined);
  });

  it('refuses dual-stack requests on this single-stack cluster', async () => {
    const r = await t.request('POST', SVC, service('dual', { ipFamilyPolicy: 'RequireDualStack' }));
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'Service "dual" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services');
  });

  it('allocates NodePorts, honours requested ones and refuses duplicates and values out of range', async () => {
    const a = await t.request('POST', SVC, service('np-a', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'metrics', port: 9090 }] }));
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.spec.ports[0].nodePort, 30080);
    const auto = a.json.spec.ports[1].nodePort;
    assert.ok(auto >= 30000 && auto <= 32767 && auto !== 30080, String(auto));
    const dup = await t.request('POST', SVC, service('np-b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(dup.status, 422);
    assert.equal(dup.json.message, 'Service "np-b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const out = await t.request('POST', SVC, service('np-c', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }));
    assert.equal(out.status, 422);
    assert.equal(out.json.message, 'Service "np-c" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });

  it('releases NodePorts and the ClusterIP on delete', async () => {
    const a = await t.request('POST', SVC, service('rel-a', { type: 'NodePort', clusterIP: '10.43.0.7', ports: [{ port: 80, nodePort: 30081 }] }));
    assert.equal(a.status, 201, a.text);
    assert.equal((await t.request('DELETE', `${SVC}/rel-a`)).status, 200);
    const b = await t.request('POST', SVC, service('rel-b', { type: 'NodePort', clusterIP: '10.43.0.7', ports: [{ port: 80, nodePort: 30081 }] }));
    assert.equal(b.status, 201, b.text);
  });

  it('allocates on a change to NodePort and releases on a change back to ClusterIP', async () => {
    const c = await t.request('POST', SVC, service('retype'));
    assert.equal(c.status, 201, c.text);
    const ip = c.json.spec.clusterIP;
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const np = await t.request('PATCH', `${SVC}/retype`, { spec: { type: 'NodePort' } }, merge);
    assert.equal(np.status, 200, np.text);
    const port = np.json.spec.ports[0].nodePort;
    assert.ok(port >= 30000 && port <= 32767, String(port));
    assert.equal(np.json.spec.clusterIP, ip);
    // A PUT that omits the allocated port keeps it (as kubectl apply does).
    const put = structuredClone(np.json);
    delete put.spec.ports[0].nodePort;
    delete put.spec.clusterIP;
    delete put.spec.clusterIPs;
    const kept = await t.request('PUT', `${SVC}/retype`, put);
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.json.spec.ports[0].nodePort, port);
    assert.equal(kept.json.spec.clusterIP, ip);
    // Taken while held.
    const clash = await t.request('POST', SVC, service('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    assert.equal(clash.status, 422);
    const back = await t.request('PATCH', `${SVC}/retype`, { spec: { type: 'ClusterIP' } }, merge);
    assert.equal(back.status, 200, back.text);
    assert.equal(back.json.spec.ports[0].nodePort, undefined);
    assert.equal(back.json.spec.externalTrafficPolicy, undefined);
    assert.equal(back.json.spec.clusterIP, ip);
    const reuse = await t.request('POST', SVC, service('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }));
    assert.equal(reuse.status, 201, reuse.text);
  });

  it('releases the ClusterIP on a change to ExternalName and allocates one on the way back', async () => {
    const c = await t.request('POST', SVC, service('toext', { clusterIP: '10.43.0.9' }));
    assert.equal(c.status, 201, c.text);
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const ext = await t.request('PATCH', `${SVC}/toext`, { spec: { type: 'ExternalName', externalName: 'example.com' } }, merge);
    assert.equal(ext.status, 200, ext.text);
    assert.equal(ext.json.spec.clusterIP, undefined);
    const other = await t.request('POST', SVC, service('takes9', { clusterIP: '10.43.0.9' }));
    assert.equal(other.status, 201, other.text);
    const back = await t.request('PATCH', `${SVC}/toext`, { spec: { type: 'ClusterIP', externalName: null } }, merge);
    assert.equal(back.status, 200, back.text);
    assert.ok(inRange(back.json.spec.clusterIP) && back.json.spec.clusterIP !== '10.43.0.9', back.json.spec.clusterIP);
  });

  it('gives a LoadBalancer with externalTrafficPolicy Local a healthCheckNodePort', async () => {
    const r = await t.request('POST', SVC, service('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.equal(r.status, 201, r.text);
    const { healthCheckNodePort, ports } = r.json.spec;
    assert.ok(healthCheckNodePort >= 30000 && healthCheckNodePort <= 32767, String(healthCheckNodePort));
    assert.ok(ports[0].nodePort >= 30000 && ports[0].nodePort !== healthCheckNodePort);
    const noPorts = await t.request('POST', SVC, service('lb-noports', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false }));
    assert.equal(noPorts.status, 201, noPorts.text);
    assert.equal(noPorts.json.spec.ports[0].nodePort, undefined);
  });

  it('consumes nothing on dry-run', async () => {
    const dry = await t.request('POST', `${SVC}?dryRun=All`, service('dry', { type: 'NodePort', clusterIP: '10.43.0.11', ports: [{ port: 80, nodePort: 30090 }] }));
    assert.equal(dry.status, 201, dry.text);
    assert.equal(dry.json.spec.clusterIP, '10.43.0.11');
    const dryAuto = await t.request('POST', `${SVC}?dryRun=All`, service('dry-auto', { type: 'NodePort' }));
    assert.equal(dryAuto.status, 201, dryAuto.text);
    assert.ok(inRange(dryAuto.json.spec.clusterIP));
    assert.ok(dryAuto.json.spec.ports[0].nodePort >= 30000);
    assert.equal((await t.request('GET', `${SVC}/dry`)).status, 404);
    const real = await t.request('POST', SVC, service('wet', { type: 'NodePort', clusterIP: '10.43.0.11', ports: [{ port: 80, nodePort: 30090 }] }));
    assert.equal(real.status, 201, real.text);
  });

  it('never gives concurrent creates the same values', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.request('POST', SVC, service(`burst-${i}`, { type: 'NodePort' }))));
    for (const r of results) assert.equal(r.status, 201, r.text);
    const ips = new Set(results.map((r) => r.json.spec.clusterIP));
    const ports = new Set(results.map((r) => r.json.spec.ports[0].nodePort));
    assert.equal(ips.size, 30);
    assert.equal(ports.size, 30);
  });
});

describe('service allocation across a restart', () => {
  it('keeps what stored Services hold and refuses it to new ones', async () => {
    const store = new MemoryStore();
    const first = await startTestServer(store);
    const a = await first.request('POST', SVC, service('persist', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }));
    assert.equal(a.status, 201, a.text);
    const ip = a.json.spec.clusterIP;
    await first.server.stop();
    const second = await startTestServer(store);
    try {
      const got = await second.request('GET', `${SVC}/persist`);
      assert.equal(got.json.spec.clusterIP, ip);
      const dupIp = await second.request('POST', SVC, service('dup-ip', { clusterIP: ip }));
      assert.equal(dupIp.status, 422);
      assert.match(dupIp.json.message, /provided IP is already allocated/);
      const dupPort = await second.request('POST', SVC, service('dup-port', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }));
      assert.equal(dupPort.status, 422);
      assert.match(dupPort.json.message, /provided port is already allocated/);
    } finally {
      await second.stop();
    }
  });
});
