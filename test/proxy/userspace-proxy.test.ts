// The userspace proxy against a real API server: Services and EndpointSlices written
// directly, backends on 127.0.0.1, traffic through ClusterIPs in 127.43.0.0/16 and NodePorts
// on 127.0.0.1.
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointSlices, services } from '../../src/client/resources.js';
import { startServiceProxy, type ServiceProxy } from '../../src/proxy/index.js';
import { eventually } from '../helpers/eventually.js';
import {
  closedPort, createAll, get, httpBackend, NODE, serviceManifest, slicesFor, startCluster, tally, udpBackend, udpRequest,
  type Backend, type Cluster,
} from './helpers.js';

/** A free port in the NodePort range on 127.0.0.1 (other tests on this machine may hold some). */
async function freeNodePort(): Promise<number> {
  for (;;) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

function connectOutcome(host: string, port: number): Promise<'connected' | 'refused' | 'reset'> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      // The proxy accepts, then resets when no endpoint serves the connection.
      s.once('close', () => resolve('reset'));
      s.once('data', () => {});
      setTimeout(() => {
        s.destroy();
        resolve('connected');
      }, 300);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
  });
}

describe('userspace service proxy', () => {
  let cluster: Cluster;
  let proxy: ServiceProxy;
  const backends: Backend[] = [];
  const backend = async (name: string) => {
    const b = await httpBackend(name);
    backends.push(b);
    return b;
  };

  before(async () => {
    cluster = await startCluster();
    proxy = await startServiceProxy(cluster.client, { mode: 'userspace', nodeName: NODE, nodeAddresses: ['127.0.0.1'], bindRetryMs: 50 });
    await proxy.waitForIdle();
  });

  after(async () => {
    await proxy.stop();
    await Promise.all(backends.map((b) => b.close()));
    await cluster.stop();
  });

  it('spreads 300 requests to a ClusterIP over all three backends in turn', async () => {
    const bs = await Promise.all(['web-a', 'web-b', 'web-c'].map(backend));
    await createAll(cluster.client, serviceManifest('web', { clusterIP: '127.43.0.20', ports: [{ name: 'http', port: 8080, targetPort: 'http' }] }), slicesFor('web', bs.map((b) => ({ port: b.port }))));
    await eventually(() => get('127.43.0.20', 8080), 'the ClusterIP to answer');
    const counts = await tally(300, () => get('127.43.0.20', 8080));
    assert.deepEqual([...counts.keys()].sort(), ['web-a', 'web-b', 'web-c']);
    // Round robin: a connection each in turn (the eventually above may have taken one).
    for (const n of counts.values()) assert.ok(n >= 99 && n <= 101, `uneven spread ${JSON.stringify([...counts])}`);
  });

  it('keeps a client on one backend with sessionAffinity ClientIP', async () => {
    const bs = await Promise.all(['sticky-a', 'sticky-b', 'sticky-c'].map(backend));
    await createAll(cluster.client, serviceManifest('sticky', {
      clusterIP: '127.43.0.21',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ name: 'http', port: 8080 }],
    }), slicesFor('sticky', bs.map((b) => ({ port: b.port }))));
    await eventually(() => get('127.43.0.21', 8080), 'the ClusterIP to answer');
    const counts = await tally(60, () => get('127.43.0.21', 8080));
    assert.equal(counts.size, 1, JSON.stringify([...counts]));
  });

  it('stops sending to an endpoint once it is not ready, and falls back to serving terminating ones', async () => {
    const bs = await Promise.all(['flip-a', 'flip-b', 'flip-c'].map(backend));
    const slices = slicesFor('flip', bs.map((b) => ({ port: b.port })));
    await createAll(cluster.client, serviceManifest('flip', { clusterIP: '127.43.0.22', ports: [{ name: 'http', port: 8080 }] }), slices);
    await eventually(async () => (await tally(6, () => get('127.43.0.22', 8080))).size === 3, 'all three backends to serve');

    const sliceApi = cluster.client.resource(endpointSlices, 'default');
    const setConditions = async (i: number, conditions: { ready: boolean; serving: boolean; terminating: boolean }) => {
      const cur = await sliceApi.get(slices[i]!.metadata!.name!);
      const next: EndpointSlice = { ...cur, endpoints: cur.endpoints.map((e) => ({ ...e, conditions })) };
      await sliceApi.update(next);
    };
    await setConditions(0, { ready: false, serving: false, terminating: false });
    await eventually(async () => !(await tally(6, () => get('127.43.0.22', 8080))).has('flip-a'), 'flip-a to stop receiving traffic');
    const counts = await tally(30, () => get('127.43.0.22', 8080));
    assert.deepEqual([...counts.keys()].sort(), ['flip-b', 'flip-c']);

    // No ready endpoint left: a terminating one that still serves takes the traffic (upstream's fallback).
    await setConditions(1, { ready: false, serving: true, terminating: true });
    await setConditions(2, { ready: false, serving: false, terminating: true });
    await eventually(async () => {
      const c = await tally(6, () => get('127.43.0.22', 8080));
      return c.size === 1 && c.has('flip-b');
    }, 'only the serving terminating endpoint to answer');
  });

  it('tries the next endpoint when one refuses the connection', async () => {
    const good = await backend('retry-ok');
    const dead = await closedPort();
    await createAll(cluster.client, serviceManifest('retry', { clusterIP: '127.43.0.23', ports: [{ name: 'http', port: 8080 }] }), slicesFor('retry', [{ port: dead }, { port: good.port }]));
    await eventually(() => get('127.43.0.23', 8080), 'the ClusterIP to answer');
    const counts = await tally(20, () => get('127.43.0.23', 8080));
    assert.deepEqual([...counts], [['retry-ok', 20]]);
  });

  it('answers a NodePort on the node address', async () => {
    const b = await backend('np');
    const nodePort = await freeNodePort();
    await createAll(cluster.client, serviceManifest('np', { type: 'NodePort', clusterIP: '127.43.0.24', ports: [{ name: 'http', port: 8080, nodePort }] }), slicesFor('np', [{ port: b.port }]));
    assert.equal(await eventually(() => get('127.0.0.1', nodePort), 'the NodePort to answer'), 'np');
    assert.equal(await get('127.43.0.24', 8080), 'np');
  });

  it('serves externalTrafficPolicy Local NodePorts only from this node\'s endpoints', async () => {
    const here = await backend('local-here');
    const there = await backend('local-there');
    const nodePort = await freeNodePort();
    await createAll(cluster.client, serviceManifest('local', {
      type: 'NodePort',
      clusterIP: '127.43.0.26',
      externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', port: 8080, nodePort }],
    }), slicesFor('local', [{ port: here.port, nodeName: NODE }, { port: there.port, nodeName: 'node-b' }]));
    await eventually(() => get('127.0.0.1', nodePort), 'the NodePort to answer');
    assert.deepEqual([...(await tally(20, () => get('127.0.0.1', nodePort)))], [['local-here', 20]]);
    // The ClusterIP keeps the Cluster policy (internalTrafficPolicy defaults to Cluster).
    assert.equal((await tally(20, () => get('127.43.0.26', 8080))).size, 2);

    // With no endpoint on this node, the NodePort turns connections away rather than forward them.
    const remoteOnly = await freeNodePort();
    await createAll(cluster.client, serviceManifest('remote-only', {
      type: 'NodePort',
      clusterIP: '127.43.0.27',
      externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', port: 8080, nodePort: remoteOnly }],
    }), slicesFor('remote-only', [{ port: there.port, nodeName: 'node-b' }]));
    await eventually(() => get('127.43.0.27', 8080), 'the ClusterIP to answer');
    assert.equal(await connectOutcome('127.0.0.1', remoteOnly), 'reset');
  });

  it('serves internalTrafficPolicy Local ClusterIPs only from this node\'s endpoints', async () => {
    const here = await backend('itp-here');
    const there = await backend('itp-there');
    await createAll(cluster.client, serviceManifest('itp', {
      clusterIP: '127.43.0.28',
      internalTrafficPolicy: 'Local',
      ports: [{ name: 'http', port: 8080 }],
    }), slicesFor('itp', [{ port: here.port, nodeName: NODE }, { port: there.port, nodeName: 'node-b' }]));
    await eventually(() => get('127.43.0.28', 8080), 'the ClusterIP to answer');
    assert.deepEqual([...(await tally(20, () => get('127.43.0.28', 8080)))], [['itp-here', 20]]);
  });

  it('forwards UDP with one session per client', async () => {
    const us = await Promise.all(['udp-a', 'udp-b'].map(async (n) => {
      const b = await udpBackend(n);
      backends.push(b);
      return b;
    }));
    await createAll(cluster.client, serviceManifest('dns', { clusterIP: '127.43.0.25', ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }), slicesFor('dns', us.map((b) => ({ port: b.port })), { portName: 'dns', protocol: 'UDP' }));
    const first = await eventually(() => udpRequest('127.43.0.25', 5353, 'ping', 300), 'a UDP answer');
    assert.match(first, /^udp-(a|b):ping$/);
    // One client socket stays with its backend for the session…
    const sock = dgram.createSocket('udp4');
    try {
      const answers = new Set<string>();
      for (let i = 0; i < 5; i++) answers.add((await udpRequest('127.43.0.25', 5353, `q${i}`, 2000, sock)).split(':')[0]!);
      assert.equal(answers.size, 1);
    } finally {
      sock.close();
    }
    // …while new clients go round robin.
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add((await udpRequest('127.43.0.25', 5353, 'hi')).split(':')[0]!);
    assert.deepEqual([...names].sort(), ['udp-a', 'udp-b']);
  });

  it('closes a Service\'s listeners when it is deleted', async () => {
    const b = await backend('gone');
    const nodePort = await freeNodePort();
    await createAll(cluster.client, serviceManifest('gone', { type: 'NodePort', clusterIP: '127.43.0.29', ports: [{ name: 'http', port: 8080, nodePort }] }), slicesFor('gone', [{ port: b.port }]));
    await eventually(() => get('127.0.0.1', nodePort), 'the NodePort to answer');
    const before = proxy.stats().listeners;
    await cluster.client.resource(services, 'default').delete('gone');
    await eventually(async () => (await connectOutcome('127.43.0.29', 8080)) === 'refused', 'the ClusterIP listener to close');
    assert.equal(await connectOutcome('127.0.0.1', nodePort), 'refused');
    assert.equal(proxy.stats().listeners, before - 2);
  });

  it('survives an address already in use and takes it once freed', async () => {
    const b = await backend('busy');
    const squatter = net.createServer((s) => s.end('squatter'));
    await new Promise<void>((r) => squatter.listen(8080, '127.43.0.30', r));
    await createAll(cluster.client, serviceManifest('busy', { clusterIP: '127.43.0.30', ports: [{ name: 'http', port: 8080 }] }), slicesFor('busy', [{ port: b.port }]));
    await proxy.waitForIdle();
    await new Promise<void>((r) => squatter.close(() => r()));
    assert.equal(await eventually(() => get('127.43.0.30', 8080), 'the proxy to bind after the retry'), 'busy');
  });

  it('records programming latency', () => {
    const s = proxy.stats();
    assert.ok(s.programmingLatencyMs.length > 0);
    assert.ok(s.programmingLatencyMs.every((ms) => ms >= 0 && ms < 5000));
  });
});
