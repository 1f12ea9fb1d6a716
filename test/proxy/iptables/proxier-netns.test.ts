// iptables mode end to end, inside network namespaces this test creates: a client in A
// reaches an HTTP server in B (10.42.0.5 and 10.42.0.6, port 8080) through ClusterIPs whose
// rules the proxier programs in A; an "outside" client in C reaches it through a NodePort on
// A's address (192.0.2.1). The service range is routed to an ifb link in A, as on a real node,
// so nothing reaches a backend unless a rule DNATs it.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import { endpointSlices, services } from '../../../src/client/resources.js';
import { ApiServer } from '../../../src/apiserver/server.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { endpointChain } from '../../../src/proxy/iptables/chain-names.js';
import { cleanupIptablesRules, startIptablesProxier, type IptablesProxy } from '../../../src/proxy/iptables/index.js';
import { eventually } from '../../helpers/eventually.js';
import type { Answer } from './netns.js';
import { iptablesUnavailable, Netns, requestsFrom, startEchoServer, stopProcess, vethPair } from './netns.js';

const skip = await iptablesUnavailable();
const NODE = 'node-a';

function svc(name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}

function sliceFor(service: string, ips: string[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: NODE })),
  };
}

const servers = (answers: Answer[]) => new Set(answers.map((a) => a.server ?? `error:${a.error}`));

describe('iptables proxier in network namespaces', { skip, timeout: 120_000 }, () => {
  let a: Netns | undefined;
  let b: Netns | undefined;
  let c: Netns | undefined;
  let server: ChildProcess | undefined;
  let api: ApiServer | undefined;
  let store: MemoryStore | undefined;
  let client: ApiClient;
  let proxy: IptablesProxy | undefined;

  before(async () => {
    a = await Netns.create('a');
    b = await Netns.create('b');
    c = await Netns.create('c');
    await vethPair(a, 'va', ['10.42.0.1/24'], b, 'vb', ['10.42.0.5/24', '10.42.0.6/24']);
    await vethPair(a, 'vc', ['192.0.2.1/24'], c, 'vcc', ['192.0.2.2/24']);
    await b.ip('route', 'add', 'default', 'via', '10.42.0.1');
    await c.ip('route', 'add', 'default', 'via', '192.0.2.1');
    await a.ip('link', 'add', 'cxbh0', 'type', 'ifb');
    await a.ip('link', 'set', 'cxbh0', 'up');
    await a.ip('route', 'add', '10.43.0.0/16', 'dev', 'cxbh0');
    await a.exec(['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    server = await startEchoServer(b, 8080);

    store = new MemoryStore();
    api = new ApiServer({
      store,
      port: 0,
      serviceClusterIPRange: '10.43.0.0/16',
      authenticator: { authenticate: () => ({ name: 'test-admin', groups: ['system:masters', 'system:authenticated'] }) },
    });
    await api.start();
    const srv = api;
    client = new ApiClient(new InProcessTransport((r) => srv.handleLocal(r), { name: 'system:kube-proxy', groups: ['system:masters'] }));
    proxy = startIptablesProxier(client, {
      nodeName: NODE,
      nodeAddresses: ['192.0.2.1'],
      clusterCIDR: '10.42.0.0/16',
      commandPrefix: a.prefix,
      minSyncPeriodMs: 100,
      syncPeriodMs: 2000,
    });
  });

  after(async () => {
    await proxy?.stop();
    await stopProcess(server);
    await api?.stop();
    await store?.close();
    for (const ns of [a, b, c]) await ns?.delete();
  });

  it('reaches both endpoints through the ClusterIP', async () => {
    await client.resource(endpointSlices, 'default').create(sliceFor('web', ['10.42.0.5', '10.42.0.6']));
    await client.resource(services, 'default').create(svc('web', { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    await proxy!.waitForIdle();
    await eventually(async () => (await requestsFrom(a!, '10.43.0.20', 80, 1))[0]?.server, 'the ClusterIP to answer');
    const answers = await requestsFrom(a!, '10.43.0.20', 80, 40);
    assert.deepEqual(servers(answers), new Set(['10.42.0.5', '10.42.0.6']));
    // From inside the cluster CIDR: not masqueraded.
    assert.ok(answers.every((x) => x.client === '10.42.0.1'));
  });

  it('keeps a client on one endpoint with sessionAffinity ClientIP', async () => {
    await client.resource(endpointSlices, 'default').create(sliceFor('sticky', ['10.42.0.5', '10.42.0.6']));
    await client.resource(services, 'default').create(svc('sticky', {
      clusterIP: '10.43.0.21', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    }));
    await proxy!.waitForIdle();
    const answers = await requestsFrom(a!, '10.43.0.21', 80, 20);
    assert.equal(servers(answers).size, 1, JSON.stringify(answers));
    assert.ok(answers[0]!.server?.startsWith('10.42.0.'));
  });

  it('refuses connections to a Service without endpoints (REJECT)', async () => {
    await client.resource(services, 'default').create(svc('empty', { clusterIP: '10.43.0.22', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    await proxy!.waitForIdle();
    const [answer] = await requestsFrom(a!, '10.43.0.22', 80, 1);
    assert.equal(answer!.error, 'ECONNREFUSED');
  });

  it('serves a NodePort on the node address to an outside client, masqueraded', async () => {
    await client.resource(endpointSlices, 'default').create(sliceFor('np', ['10.42.0.6']));
    await client.resource(services, 'default').create(svc('np', {
      type: 'NodePort', clusterIP: '10.43.0.23', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }],
    }));
    await proxy!.waitForIdle();
    const fromOutside = await requestsFrom(c!, '192.0.2.1', 30080, 3);
    assert.deepEqual(fromOutside.map((x) => x.server), ['10.42.0.6', '10.42.0.6', '10.42.0.6']);
    // externalTrafficPolicy Cluster: SNAT to the node's address on the pod network.
    assert.ok(fromOutside.every((x) => x.client === '10.42.0.1'), JSON.stringify(fromOutside));
    // From the node itself too.
    assert.equal((await requestsFrom(a!, '192.0.2.1', 30080, 1))[0]!.server, '10.42.0.6');
  });

  it('follows an endpoint change with a partial sync', async () => {
    const before = proxy!.stats().partialSyncs;
    const slices = client.resource(endpointSlices, 'default');
    const current = await slices.get('web-abc');
    await slices.update({ ...current, endpoints: current.endpoints.filter((e) => e.addresses[0] === '10.42.0.6') });
    await eventually(async () => {
      const answers = await requestsFrom(a!, '10.43.0.20', 80, 10);
      return servers(answers).size === 1 && answers.every((x) => x.server === '10.42.0.6');
    }, 'only the remaining endpoint to answer');
    const stats = proxy!.stats();
    assert.ok(stats.partialSyncs > before, JSON.stringify(stats));
    assert.ok(stats.programmingLatencyMs.length > 0);
    // The removed endpoint's chain is gone from the kernel; the other one stays.
    const save = await a!.exec(['iptables-save', '-t', 'nat']);
    assert.ok(!save.includes(endpointChain('default/web:http', 'tcp', '10.42.0.5:8080')), save);
    assert.ok(save.includes(`:${endpointChain('default/web:http', 'tcp', '10.42.0.6:8080')} `), save);
  });

  it('removes a deleted Service\'s rules', async () => {
    await client.resource(services, 'default').delete('sticky');
    await proxy!.waitForIdle();
    const save = await a!.exec(['iptables-save', '-t', 'nat']);
    assert.ok(!save.includes('default/sticky'), save);
    const [answer] = await requestsFrom(a!, '10.43.0.21', 80, 1, 500);
    assert.ok(answer!.error, 'no answer once the rules are gone');
  });

  it('rebuilds everything after the tables are flushed (canary)', async () => {
    await a!.exec(['iptables', '-t', 'nat', '-F']);
    await a!.exec(['iptables', '-t', 'nat', '-X']);
    await a!.exec(['iptables', '-t', 'mangle', '-X', 'KUBE-PROXY-CANARY']);
    await eventually(async () => (await requestsFrom(a!, '10.43.0.20', 80, 1, 500))[0]?.server === '10.42.0.6', 'rules to be rebuilt', { timeoutMs: 15_000, intervalMs: 200 });
  });

  it('cleanupIptablesRules leaves no KUBE- chain or jump behind', async () => {
    await proxy!.stop();
    const result = await cleanupIptablesRules(a!.prefix);
    assert.deepEqual(result.errors, []);
    assert.ok(result.deletedChains > 0);
    const save = await a!.exec(['iptables-save']);
    assert.ok(!/KUBE-/.test(save), save);
    // Idempotent.
    assert.deepEqual((await cleanupIptablesRules(a!.prefix)).errors, []);
  });
});
