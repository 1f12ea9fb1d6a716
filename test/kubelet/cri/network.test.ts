// The pod network's host side, exercised in a network namespace this test creates (never the
// host's own tables): the safety routes send the cluster and service CIDRs to the dummy
// interface instead of the default gateway, the bridge's /24 wins for local pods, reset
// removes everything and restores ip_forward, and leftover CNI iptables chains are removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostNet, linkExists, routeDevice } from '../../../src/kubelet/runtime/cri/network/host-commands.js';
import { NODE_DNS_ADDRESS, readPodNetworkState, setUpPodNetwork, tearDownPodNetwork } from '../../../src/kubelet/runtime/cri/network/pod-network.js';
import { CNI_CONFLIST_NAME } from '../../../src/kubelet/runtime/cri/network/cni-config.js';
import { planCniRuleCleanup, removeCniRules } from '../../../src/kubelet/runtime/cri/network/cni-iptables.js';

const NS = `coxswain-nettest-${process.pid}`;
const ipns = (...args: string[]) => execFileSync('ip', ['-n', NS, ...args], { encoding: 'utf8' });

describe('pod network (in a test network namespace)', () => {
  let dir: string;
  const net = hostNet(NS);

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'these tests need root (network namespaces)');
    execFileSync('ip', ['netns', 'add', NS]);
    // A stand-in for the host's uplink and default gateway.
    ipns('link', 'set', 'lo', 'up');
    ipns('link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink-peer');
    ipns('addr', 'add', '192.0.2.2/24', 'dev', 'uplink');
    ipns('link', 'set', 'uplink', 'up');
    ipns('route', 'add', 'default', 'via', '192.0.2.1');
    dir = await mkdtemp(path.join(tmpdir(), 'coxswain-net-'));
  });
  after(async () => {
    execFileSync('ip', ['netns', 'delete', NS]);
    await rm(dir, { recursive: true, force: true });
  });

  it('routes the cluster and service CIDRs to the dummy interface, not the default gateway', async () => {
    assert.equal(await routeDevice(net, '10.42.200.1'), 'uplink', 'before set-up the default route applies');
    const before = await net.readSysctl('net.ipv4.ip_forward');
    const state = await setUpPodNetwork({ dataDir: dir, cniConfDir: path.join(dir, 'cni-conf'), net });
    assert.equal(state.ipForwardBefore, before);
    assert.equal(await routeDevice(net, '10.42.200.1'), 'coxswain0');
    assert.equal(await routeDevice(net, '10.43.5.5'), 'coxswain0');
    assert.equal(await routeDevice(net, '10.44.0.1'), 'uplink', 'other addresses are untouched');
    assert.equal(await net.readSysctl('net.ipv4.ip_forward'), '1');
    const conf = JSON.parse(await readFile(path.join(dir, 'cni-conf', CNI_CONFLIST_NAME), 'utf8'));
    assert.equal(conf.plugins[0].type, 'bridge');
    assert.deepEqual(conf.plugins[0].ipam.ranges, [[{ subnet: '10.42.0.0/24' }]]);
    assert.equal(conf.plugins[1].type, 'portmap');
  });

  it('drops what is sent to those ranges on the dummy; nothing goes out the uplink', async () => {
    const stats = (dev: string) => JSON.parse(ipns('-s', '-j', 'link', 'show', dev))[0].stats64;
    const uplinkTx = () => Number(stats('uplink').tx.packets);
    const dropped = () => Number(stats('coxswain0').rx.dropped) + Number(stats('coxswain0').tx.dropped);
    const droppedBefore = dropped();
    const sentBefore = uplinkTx();
    // Inside the test namespace only: two UDP datagrams, one per range.
    for (const to of ['10.42.200.1', '10.43.5.5']) {
      const send = `const s=require('dgram').createSocket('udp4');s.send('x',9,'${to}',()=>s.close())`;
      execFileSync('ip', ['netns', 'exec', NS, process.execPath, '-e', send]);
    }
    assert.equal(uplinkTx(), sentBefore);
    assert.equal(dropped(), droppedBefore + 2);
  });

  it('lets the bridge route of the node pod CIDR win for local pods', async () => {
    // What the bridge plugin does when the first pod starts.
    ipns('link', 'add', 'cni0', 'type', 'bridge');
    ipns('addr', 'add', '10.42.0.1/24', 'dev', 'cni0');
    ipns('link', 'set', 'cni0', 'up');
    assert.equal(await routeDevice(net, '10.42.0.7'), 'cni0');
    assert.equal(await routeDevice(net, '10.42.1.7'), 'coxswain0');
  });

  it('is idempotent and keeps the ip_forward value from before the first set-up', async () => {
    const first = await readPodNetworkState(dir);
    await setUpPodNetwork({ dataDir: dir, cniConfDir: path.join(dir, 'cni-conf'), net });
    assert.equal((await readPodNetworkState(dir))?.ipForwardBefore, first?.ipForwardBefore);
    assert.equal(await routeDevice(net, '10.43.5.5'), 'coxswain0');
    const save = await net.iptables('iptables-save', ['-t', 'nat']);
    assert.equal(save.split('\n').filter((l) => l.includes('coxswain: masquerade pod traffic')).length, 1, 'one masquerade rule after two set-ups');
  });

  it('puts the node DNS address on the dummy: a local address of the host', async () => {
    assert.match(ipns('-4', '-o', 'addr', 'show', 'dev', 'coxswain0'), new RegExp(`inet ${NODE_DNS_ADDRESS.replace(/\./g, '\\.')}/32`));
    assert.match(ipns('route', 'get', NODE_DNS_ADDRESS), /^local 169\.254\.20\.10 dev lo/);
  });

  it('masquerades pod traffic leaving the cluster range with one rule, and leaves the bridge plugin without ipMasq', async () => {
    const save = await net.iptables('iptables-save', ['-t', 'nat']);
    assert.match(save, /-A POSTROUTING -s 10\.42\.0\.0\/16 ! -d 10\.42\.0\.0\/16 -m addrtype ! --dst-type MULTICAST -m comment --comment "coxswain: masquerade pod traffic leaving the cluster" -j MASQUERADE/);
    const conf = JSON.parse(await readFile(path.join(dir, 'cni-conf', CNI_CONFLIST_NAME), 'utf8'));
    assert.equal(conf.plugins[0].ipMasq, false);
  });

  it('removes leftover CNI chains of our network only', async () => {
    const rules = [
      '*nat',
      ':CNI-aaaa - [0:0]',
      ':CNI-other - [0:0]',
      ':CNI-DN-bbbb - [0:0]',
      ':CNI-HOSTPORT-DNAT - [0:0]',
      '-A POSTROUTING -s 10.42.0.5/32 -m comment --comment "name: \\"coxswain\\" id: \\"c1\\"" -j CNI-aaaa',
      '-A CNI-aaaa -d 10.42.0.0/24 -m comment --comment "name: \\"coxswain\\" id: \\"c1\\"" -j ACCEPT',
      '-A CNI-aaaa ! -d 224.0.0.0/4 -m comment --comment "name: \\"coxswain\\" id: \\"c1\\"" -j MASQUERADE',
      '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"coxswain\\" id: \\"c1\\"" -m multiport --dports 8080 -j CNI-DN-bbbb',
      '-A CNI-DN-bbbb -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.42.0.5:80',
      '-A POSTROUTING -s 10.88.0.5/32 -m comment --comment "name: \\"someone-else\\" id: \\"c2\\"" -j CNI-other',
      'COMMIT',
      '',
    ].join('\n');
    await net.iptables('iptables-restore', ['--noflush'], rules);
    const plan = planCniRuleCleanup(await net.iptables('iptables-save', ['-t', 'nat']), 'coxswain');
    assert.deepEqual(plan.map((p) => p.deleteChains), [['CNI-aaaa', 'CNI-DN-bbbb']]);
    const removed = await removeCniRules(net, 'coxswain');
    assert.deepEqual(removed, ['nat/CNI-aaaa', 'nat/CNI-DN-bbbb']);
    const after = await net.iptables('iptables-save', ['-t', 'nat']);
    assert.doesNotMatch(after, /CNI-aaaa|CNI-DN-bbbb|\\"coxswain\\"/);
    assert.match(after, /-A POSTROUTING -s 10\.88\.0\.5\/32 .* -j CNI-other/);
  });

  it('reset removes the interfaces and routes and restores ip_forward', async () => {
    const state = await readPodNetworkState(dir);
    const removed = await tearDownPodNetwork(dir, net);
    assert.ok(removed.includes('interface coxswain0') && removed.includes('interface cni0'), removed.join(', '));
    assert.equal(await linkExists(net, 'coxswain0'), false);
    assert.equal(await linkExists(net, 'cni0'), false);
    assert.equal(await routeDevice(net, '10.42.200.1'), 'uplink');
    assert.equal(await net.readSysctl('net.ipv4.ip_forward'), state?.ipForwardBefore);
    assert.doesNotMatch(await net.iptables('iptables-save', ['-t', 'nat']), /coxswain: masquerade/);
    assert.ok(removed.includes('masquerade rule for 10.42.0.0/16'), removed.join(', '));
    assert.equal(await readPodNetworkState(dir), undefined);
    assert.deepEqual(await tearDownPodNetwork(dir, net), [], 'a second reset has nothing to do');
  });
});
