// Stories for the Endpoints and EndpointSlice controllers against a real API server: a
// service's pods become addresses once they have an IP, move between ready and not ready
// with their Ready condition, named ports resolve per pod, headless services get hostnames.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../../src/client/errors.js';
import { endpoints, endpointSlices, namespaces, nodes, pods, services } from '../../../src/client/resources.js';
import { endpointsControllers } from '../../../src/controllers/endpoints/index.js';
import { desiredSubsets } from '../../../src/controllers/endpoints/endpoints-controller.js';
import { reconcileSlices } from '../../../src/controllers/endpoints/endpointslice-reconciler.js';
import { repackSubsets } from '../../../src/controllers/endpoints/repack-subsets.js';
import { semanticEqual } from '../../../src/controllers/endpoints/semantic-equal.js';
import type { Cluster } from './helpers.js';
import { createNode, eventually, runPod, setPodStatus, startCluster } from './helpers.js';

const { endpoint, endpointslice } = endpointsControllers;

function allAddresses(ep: Endpoints): { ready: string[]; notReady: string[] } {
  const ready: string[] = [];
  const notReady: string[] = [];
  for (const s of ep.subsets ?? []) {
    for (const a of s.addresses ?? []) ready.push(a.ip);
    for (const a of s.notReadyAddresses ?? []) notReady.push(a.ip);
  }
  return { ready: ready.sort(), notReady: notReady.sort() };
}

describe('endpoints and endpointslice controllers', () => {
  let c: Cluster;
  let ns = 0;

  before(async () => {
    c = await startCluster({ endpoint: endpoint!, endpointslice: endpointslice! });
    await createNode(c.client, 'node-a', { 'topology.kubernetes.io/zone': 'zone-1' });
  });
  after(async () => {
    await c.stop();
  });

  async function namespace(): Promise<string> {
    const name = `ep-${++ns}`;
    await c.client.resource(namespaces).create({ metadata: { name } });
    return name;
  }

  async function slicesOf(n: string, svc: string): Promise<EndpointSlice[]> {
    const list = await c.client.resource(endpointSlices, n).list({ labelSelector: `kubernetes.io/service-name=${svc}` });
    return list.items;
  }

  it('lists three ready pods in Endpoints and in one EndpointSlice', async () => {
    const n = await namespace();
    const svc = await c.client.resource(services, n).create({
      metadata: { name: 'web', namespace: n, labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    for (let i = 1; i <= 3; i++) await runPod(c.client, n, `web-${i}`, { labels: { app: 'web' }, node: 'node-a', ip: `10.42.0.${i}` });
    // A pod that does not match, and a matching one without an IP yet, are left out.
    await runPod(c.client, n, 'other', { labels: { app: 'other' }, node: 'node-a', ip: '10.42.0.9' });
    await runPod(c.client, n, 'web-pending', { labels: { app: 'web' }, node: 'node-a' });

    const ep = await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('web');
      return allAddresses(e).ready.length === 3 ? e : undefined;
    }, 5000, 'three ready addresses');
    assert.deepEqual(allAddresses(ep), { ready: ['10.42.0.1', '10.42.0.2', '10.42.0.3'], notReady: [] });
    assert.equal(ep.subsets!.length, 1);
    assert.deepEqual(ep.subsets![0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const first = ep.subsets![0]!.addresses![0]!;
    assert.equal(first.nodeName, 'node-a');
    assert.equal(first.targetRef?.kind, 'Pod');
    assert.equal(first.targetRef?.name, 'web-1');
    assert.equal(ep.metadata?.labels?.tier, 'front', 'the service labels are copied');
    assert.ok(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], 'the trigger time is recorded');

    const slices = await eventually(async () => {
      const s = await slicesOf(n, 'web');
      return s.length === 1 && s[0]!.endpoints?.length === 3 ? s : undefined;
    }, 5000, 'one slice with three endpoints');
    const slice = slices[0]!;
    assert.equal(slice.addressType, 'IPv4');
    assert.ok(slice.metadata?.name?.startsWith('web-'));
    assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata?.labels?.tier, 'front');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const owner = slice.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'Service');
    assert.equal(owner?.uid, svc.metadata?.uid);
    assert.equal(owner?.controller, true);
    for (const e of slice.endpoints!) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.equal(e.nodeName, 'node-a');
      assert.equal(e.zone, 'zone-1');
      assert.equal(e.targetRef?.kind, 'Pod');
    }
    assert.deepEqual(slice.endpoints!.map((e) => e.addresses[0]).sort(), ['10.42.0.1', '10.42.0.2', '10.42.0.3']);

    // What the server stored (after its defaulting) reads as up to date: no endless rewrites.
    const podList = (await c.client.resource(pods, n).list()).items;
    const freshSvc = await c.client.resource(services, n).get('web');
    const freshNode = await c.client.resource(nodes).get('node-a');
    const changes = reconcileSlices({ service: freshSvc, pods: podList.filter((p) => p.metadata?.labels?.app === 'web'), existing: slices, nodeByName: () => freshNode });
    assert.deepEqual([changes.create.length, changes.update.length, changes.delete.length], [0, 0, 0]);
    const desired = repackSubsets(desiredSubsets(freshSvc, podList.filter((p) => p.metadata?.labels?.app === 'web')));
    assert.ok(semanticEqual(ep.subsets, desired));
  });

  it('moves a pod that turns not ready to notReadyAddresses and ready=false', async () => {
    const n = await namespace();
    await c.client.resource(services, n).create({
      metadata: { name: 'api', namespace: n },
      spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    for (let i = 1; i <= 2; i++) await runPod(c.client, n, `api-${i}`, { labels: { app: 'api' }, node: 'node-a', ip: `10.42.1.${i}` });
    await eventually(async () => allAddresses(await c.client.resource(endpoints, n).get('api')).ready.length === 2, 5000, 'two ready');

    await setPodStatus(c.client, n, 'api-2', { ip: '10.42.1.2', ready: false });
    const ep = await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('api');
      return allAddresses(e).notReady.length === 1 ? e : undefined;
    }, 5000, 'one not-ready address');
    assert.deepEqual(allAddresses(ep), { ready: ['10.42.1.1'], notReady: ['10.42.1.2'] });
    // Both share the port set, so they share one subset.
    assert.equal(ep.subsets!.length, 1);

    const endpointOf2 = await eventually(async () => {
      const s = await slicesOf(n, 'api');
      const e = s[0]?.endpoints?.find((x) => x.targetRef?.name === 'api-2');
      return e?.conditions?.ready === false ? e : undefined;
    }, 5000, 'api-2 not ready in its slice');
    assert.deepEqual(endpointOf2.conditions, { ready: false, serving: false, terminating: false });

    // Deleting the pod of a bound node leaves it terminating until its kubelet confirms: the
    // Endpoints drop it, the slice marks it terminating.
    await setPodStatus(c.client, n, 'api-2', { ip: '10.42.1.2', ready: true });
    await c.client.resource(pods, n).delete('api-2');
    await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('api');
      const a = allAddresses(e);
      return a.ready.length === 1 && a.notReady.length === 0;
    }, 5000, 'terminating pod gone from Endpoints');
    const terminating = await eventually(async () => {
      const s = await slicesOf(n, 'api');
      const e = s[0]?.endpoints?.find((x) => x.targetRef?.name === 'api-2');
      return e?.conditions?.terminating ? e : undefined;
    }, 5000, 'api-2 terminating in its slice');
    assert.deepEqual(terminating.conditions, { ready: false, serving: true, terminating: true });
  });

  it('resolves a named targetPort per pod', async () => {
    const n = await namespace();
    await c.client.resource(services, n).create({
      metadata: { name: 'named', namespace: n },
      spec: { selector: { app: 'named' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    });
    await runPod(c.client, n, 'named-a', { labels: { app: 'named' }, node: 'node-a', ip: '10.42.2.1', ports: [{ name: 'http', containerPort: 8080 }] });
    await runPod(c.client, n, 'named-b', { labels: { app: 'named' }, node: 'node-a', ip: '10.42.2.2', ports: [{ name: 'http', containerPort: 9090 }] });
    // No port of that name: not an endpoint of this port.
    await runPod(c.client, n, 'named-c', { labels: { app: 'named' }, node: 'node-a', ip: '10.42.2.3', ports: [{ name: 'metrics', containerPort: 9100 }] });

    const ep = await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('named');
      return e.subsets?.length === 2 ? e : undefined;
    }, 5000, 'two subsets');
    const byPort = new Map(ep.subsets!.map((s) => [s.ports![0]!.port, s.addresses!.map((a) => a.ip)]));
    assert.deepEqual(byPort.get(8080), ['10.42.2.1']);
    assert.deepEqual(byPort.get(9090), ['10.42.2.2']);
    assert.ok(ep.subsets!.every((s) => s.ports![0]!.name === 'web'));

    const slices = await eventually(async () => {
      const s = await slicesOf(n, 'named');
      return s.length === 3 ? s : undefined;
    }, 5000, 'a slice per port set');
    const ports = slices.map((s) => s.ports?.[0]?.port ?? null).sort();
    assert.deepEqual(ports, [8080, 9090, null], 'named-c offers no port: its slice has none');
  });

  it('gives a headless service hostnames and no ports', async () => {
    const n = await namespace();
    await c.client.resource(services, n).create({
      metadata: { name: 'db', namespace: n },
      spec: { clusterIP: 'None', selector: { app: 'db' } },
    });
    await runPod(c.client, n, 'db-0', { labels: { app: 'db' }, node: 'node-a', ip: '10.42.3.1', hostname: 'db-0', subdomain: 'db' });
    await runPod(c.client, n, 'db-1', { labels: { app: 'db' }, node: 'node-a', ip: '10.42.3.2', hostname: 'db-1', subdomain: 'elsewhere' });

    const ep = await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('db');
      return allAddresses(e).ready.length === 2 ? e : undefined;
    }, 5000, 'two addresses');
    assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
    assert.equal(ep.subsets!.length, 1);
    assert.equal(ep.subsets![0]!.ports, undefined);
    const byIP = new Map(ep.subsets![0]!.addresses!.map((a) => [a.ip, a.hostname]));
    assert.equal(byIP.get('10.42.3.1'), 'db-0', 'the subdomain names the service');
    assert.equal(byIP.get('10.42.3.2'), undefined, 'another subdomain: no hostname');

    const slice = await eventually(async () => {
      const s = await slicesOf(n, 'db');
      return s[0]?.endpoints?.length === 2 ? s[0] : undefined;
    }, 5000, 'headless slice');
    assert.equal(slice.metadata?.labels?.['service.kubernetes.io/headless'], '');
    assert.equal(slice.endpoints!.find((e) => e.targetRef?.name === 'db-0')?.hostname, 'db-0');
  });

  it('leaves services without a selector alone, and cleans up after deleted services', async () => {
    const n = await namespace();
    await c.client.resource(services, n).create({ metadata: { name: 'manual', namespace: n }, spec: { ports: [{ port: 80 }] } });
    await c.client.resource(endpoints, n).create({
      metadata: { name: 'manual', namespace: n },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }],
    });
    await c.client.resource(services, n).create({
      metadata: { name: 'gone', namespace: n },
      spec: { selector: { app: 'gone' }, ports: [{ port: 80 }] },
    });
    // A service without pods gets empty Endpoints and one placeholder slice.
    await eventually(async () => (await c.client.resource(endpoints, n).get('gone')).metadata?.name, 5000, 'endpoints of "gone"');
    const placeholder = await eventually(async () => (await slicesOf(n, 'gone'))[0], 5000, 'placeholder slice');
    assert.deepEqual(placeholder.endpoints ?? [], []);

    await c.client.resource(services, n).delete('gone');
    await eventually(async () => {
      try {
        await c.client.resource(endpoints, n).get('gone');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 5000, 'endpoints deleted with the service');
    await eventually(async () => (await slicesOf(n, 'gone')).length === 0, 5000, 'slices deleted with the service');

    const manual = await c.client.resource(endpoints, n).get('manual');
    assert.deepEqual(manual.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    assert.deepEqual(await slicesOf(n, 'manual'), []);
    // The API server's own service keeps the endpoints its bootstrap wrote.
    const kube = await c.client.resource(endpoints, 'default').get('kubernetes');
    assert.ok(kube.subsets?.[0]?.addresses?.length);
  });

  it('publishes not-ready addresses as ready when the service asks', async () => {
    const n = await namespace();
    await c.client.resource(services, n).create({
      metadata: { name: 'peers', namespace: n },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'peers' }, ports: [{ port: 7000 }] },
    });
    await runPod(c.client, n, 'peer-0', { labels: { app: 'peers' }, node: 'node-a', ip: '10.42.4.1', ready: false });
    const ep = await eventually(async () => {
      const e = await c.client.resource(endpoints, n).get('peers');
      return allAddresses(e).ready.length === 1 ? e : undefined;
    }, 5000, 'the unready peer published');
    assert.deepEqual(allAddresses(ep), { ready: ['10.42.4.1'], notReady: [] });
    const e = await eventually(async () => (await slicesOf(n, 'peers'))[0]?.endpoints?.[0], 5000, 'peer endpoint');
    assert.deepEqual(e.conditions, { ready: true, serving: false, terminating: false });
  });
});
