// The built-in service load balancer: status.loadBalancer.ingress from the Ready nodes, the
// proxy answering on nodeAddress:port, other classes left alone, status cleared on type change.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { services } from '../../src/client/resources.js';
import { startServiceLB, startServiceProxy, type ServiceLB, type ServiceProxy } from '../../src/proxy/index.js';
import { eventually } from '../helpers/eventually.js';
import { closedPort, createAll, get, httpBackend, NODE, readyNode, serviceManifest, slicesFor, startCluster, type Backend, type Cluster } from './helpers.js';

describe('built-in service load balancer', () => {
  let cluster: Cluster;
  let lb: ServiceLB;
  let proxy: ServiceProxy;
  let backend: Backend;
  const svcApi = () => cluster.client.resource(services, 'default');
  const ingressOf = async (name: string) => (await svcApi().get(name)).status?.loadBalancer?.ingress;

  before(async () => {
    cluster = await startCluster();
    await readyNode(cluster.client, NODE, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }]);
    lb = startServiceLB(cluster.client, {});
    proxy = await startServiceProxy(cluster.client, { mode: 'userspace', nodeName: NODE, nodeAddresses: ['127.0.0.1'] });
    backend = await httpBackend('lb-backend');
  });

  after(async () => {
    await proxy.stop();
    await lb.stop();
    await backend.close();
    await cluster.stop();
  });

  it('sets the node address as ingress and answers there on the service port', async () => {
    // A free port on 127.0.0.1 for the LoadBalancer's service port.
    const port = await closedPort();
    await createAll(cluster.client, serviceManifest('shop', { type: 'LoadBalancer', ports: [{ name: 'http', port }] }), slicesFor('shop', [{ port: backend.port }]));
    const ingress = await eventually(() => ingressOf('shop'), 'the load balancer ingress');
    assert.deepEqual(ingress, [{ ip: '127.0.0.1', ipMode: 'VIP' }]);
    assert.equal(await eventually(() => get('127.0.0.1', port), 'the LoadBalancer port to answer'), 'lb-backend');
    // The allocated NodePort answers too.
    const svc = await svcApi().get('shop');
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    assert.equal(await eventually(() => get('127.0.0.1', nodePort), 'the NodePort to answer'), 'lb-backend');
  });

  it('clears the ingress and stops answering when the Service stops being a LoadBalancer', async () => {
    const port = await closedPort();
    await createAll(cluster.client, serviceManifest('demote', { type: 'LoadBalancer', ports: [{ name: 'http', port }] }), slicesFor('demote', [{ port: backend.port }]));
    await eventually(() => ingressOf('demote'), 'the load balancer ingress');
    await eventually(() => get('127.0.0.1', port), 'the LoadBalancer port to answer');

    const cur = await svcApi().get('demote');
    const next: Service = { ...cur, spec: { ...cur.spec, type: 'ClusterIP', ports: cur.spec!.ports!.map(({ nodePort: _n, ...p }) => p), externalTrafficPolicy: undefined, allocateLoadBalancerNodePorts: undefined } };
    await svcApi().update(next);
    await eventually(async () => !(await ingressOf('demote'))?.length, 'the ingress to be cleared');
    await eventually(() => new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    }), 'the LoadBalancer port to close');
  });

  it('leaves Services of another loadBalancerClass alone', async () => {
    const port = await closedPort();
    await createAll(cluster.client, serviceManifest('metal', { type: 'LoadBalancer', loadBalancerClass: 'example.com/metal', ports: [{ name: 'http', port }] }), slicesFor('metal', [{ port: backend.port }]));
    // Another Service created afterwards gets its status: by then the first has been looked at.
    const marker = await closedPort();
    await createAll(cluster.client, serviceManifest('marker', { type: 'LoadBalancer', ports: [{ name: 'http', port: marker }] }), []);
    await eventually(() => ingressOf('marker'), 'the marker Service ingress');
    await lb.waitForIdle();
    assert.equal((await ingressOf('metal'))?.length ?? 0, 0);
    // Nor does the proxy take its port on the node: that is the other load balancer's job.
    await proxy.waitForIdle();
    await assert.rejects(get('127.0.0.1', port, 500));
  });

  it('lists only nodes with a ready endpoint under externalTrafficPolicy Local', async () => {
    const port = await closedPort();
    await createAll(cluster.client, serviceManifest('elsewhere', {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', port }],
    }), slicesFor('elsewhere', [{ port: backend.port, nodeName: 'node-b' }]));
    const marker = await closedPort();
    await createAll(cluster.client, serviceManifest('marker2', { type: 'LoadBalancer', ports: [{ name: 'http', port: marker }] }), []);
    await eventually(() => ingressOf('marker2'), 'the marker Service ingress');
    await lb.waitForIdle();
    assert.equal((await ingressOf('elsewhere'))?.length ?? 0, 0);
  });
});
