// The node IPAM controller over a real API server: each Node gets its own /24 of the cluster
// CIDR, subnets survive a controller restart, a deleted Node frees its subnet, and running out
// is reported with a CIDRNotAvailable event.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import { events, nodes } from '../../../src/client/resources.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import type { ControllerContext } from '../../../src/controllers/controller.js';
import { CidrSet, NodeIpamController, newNodeIpamControllers, type NodeIpamOptions } from '../../../src/controllers/nodeipam/index.js';
import { allControllers } from '../../../src/controllers/registry.js';
import { startTestServer, type TestServer } from '../../helpers/api-server.js';
import { eventually } from '../../helpers/eventually.js';

function clientFor(server: TestServer): ApiClient {
  return new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
}

async function startManager(client: ApiClient, opts: NodeIpamOptions): Promise<ControllerManager> {
  const manager = new ControllerManager({ client, factories: newNodeIpamControllers(opts) });
  await manager.start();
  return manager;
}

const node = (name: string, spec: Node['spec'] = {}): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec });

async function podCIDR(client: ApiClient, name: string): Promise<string> {
  return eventually(async () => {
    const n = await client.resource(nodes).get(name);
    if (n.spec?.podCIDR) assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR]);
    return n.spec?.podCIDR;
  }, `podCIDR of ${name}`);
}

describe('CidrSet', () => {
  it('cuts the cluster CIDR into node subnets and finds the next free one', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.count, 256);
    assert.equal(set.cidrAt(0), '10.42.0.0/24');
    assert.equal(set.cidrAt(255), '10.42.255.0/24');
    assert.equal(set.indexOf('10.42.7.0/24'), 7);
    assert.equal(set.indexOf('10.43.7.0/24'), undefined);
    assert.equal(set.indexOf('10.42.7.128/25'), undefined);
    assert.equal(set.allocateNext((i) => i < 3), '10.42.3.0/24');
    assert.equal(new CidrSet('10.42.0.0/30', 31).allocateNext(() => true), undefined);
    assert.throws(() => new CidrSet('10.42.0.0/16', 8), /does not fit/);
  });
});

describe('node IPAM controller', () => {
  it('is registered, and without a cluster CIDR watches nothing and runs no worker', async () => {
    assert.ok('nodeipam' in allControllers);
    const ctx = {
      informers: { informerFor: () => assert.fail('a disabled controller asked for an informer') },
      recorder: () => assert.fail('a disabled controller asked for a recorder'),
      client: {}, clock: undefined, logger: undefined,
    } as unknown as ControllerContext;
    const c = new NodeIpamController(ctx, {});
    c.start();
    c.enqueue('n');
    await c.stop();
  });

  it('gives every node its own subnet, keeps them across a restart and reuses a deleted node\'s', async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    try {
      await client.resource(nodes).create(node('preset', { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] }));
      let manager = await startManager(client, { clusterCIDR: '10.42.0.0/16' });
      for (const n of ['a', 'b', 'c']) await client.resource(nodes).create(node(n));
      const first = await Promise.all(['a', 'b', 'c'].map((n) => podCIDR(client, n)));
      assert.equal(new Set([...first, '10.42.0.0/24']).size, 4, `distinct: ${first}`);
      for (const c of first) assert.match(c, /^10\.42\.\d+\.0\/24$/);
      await manager.stop();

      // A new controller learns the subnets in use from the Nodes.
      await client.resource(nodes).delete('b');
      manager = await startManager(client, { clusterCIDR: '10.42.0.0/16' });
      await client.resource(nodes).create(node('d'));
      const d = await podCIDR(client, 'd');
      assert.ok(![first[0], first[2], '10.42.0.0/24'].includes(d), `d got a used subnet ${d}`);
      await manager.stop();
    } finally {
      await server.stop();
    }
  });

  it('reports CIDRNotAvailable when the cluster CIDR is used up', async () => {
    const server = await startTestServer();
    const client = clientFor(server);
    // A /23 holds two /24s.
    const manager = await startManager(client, { clusterCIDR: '10.42.0.0/23' });
    try {
      for (const n of ['n1', 'n2', 'n3']) await client.resource(nodes).create(node(n));
      const got = await Promise.all(['n1', 'n2'].map((n) => podCIDR(client, n)));
      assert.deepEqual([...got].sort(), ['10.42.0.0/24', '10.42.1.0/24']);
      const ev = await eventually(async () => (await client.resource(events, 'default').list()).items.find((e) => e.involvedObject?.name === 'n3' && e.reason === 'CIDRNotAvailable'), 'CIDRNotAvailable event');
      assert.equal(ev.message, 'Node n3 status is now: CIDRNotAvailable');
      assert.equal((await client.resource(nodes).get('n3')).spec?.podCIDR, undefined);
      // Freed by a deletion, the subnet goes to the waiting node.
      await client.resource(nodes).delete('n1');
      assert.equal(await podCIDR(client, 'n3'), got[0]);
    } finally {
      await manager.stop();
      await server.stop();
    }
  });
});
