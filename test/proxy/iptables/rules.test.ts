// The restore input for a handful of Services, compared with the text upstream's
// pkg/proxy/iptables produces for the same objects (rule shapes, comments, chain hashes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointChain, servicePortChains } from '../../../src/proxy/iptables/chain-names.js';
import type { RulesOptions } from '../../../src/proxy/iptables/rules.js';
import { generateRules, probability } from '../../../src/proxy/iptables/rules.js';
import { buildServicePortStates } from '../../../src/proxy/iptables/state.js';
import { service, slice } from './fixtures.js';

const opts: RulesOptions = { nodePortAddresses: [], clusterCIDR: '10.0.0.0/8', randomFully: false };
const NODE = 'node-a';

/** The lines of one table's section. */
function section(restore: string, table: 'filter' | 'nat'): string[] {
  const lines = restore.split('\n');
  const start = lines.indexOf(`*${table}`);
  return lines.slice(start, lines.indexOf('COMMIT', start) + 1);
}

describe('iptables chain names', () => {
  it('hash the service port name and protocol as upstream', () => {
    // Values from upstream's proxier_test.go.
    assert.equal(servicePortChains('ns1/svc1:p80', 'tcp').cluster, 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(servicePortChains('ns1/svc1:p80', 'tcp').external, 'KUBE-EXT-XPGD46QRK7WJZT7O');
    assert.equal(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.2:80'), 'KUBE-SEP-LXVODXWDISEETFEF');
  });

  it('format probabilities with ten decimals', () => {
    assert.equal(probability(2), '0.5000000000');
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(7), '0.1428571429');
  });
});

describe('generateRules', () => {
  it('writes a ClusterIP Service with one endpoint exactly as upstream', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] });
    const state = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.1' }])], NODE);
    const { restore, activeNatChains } = generateRules(state, opts);
    assert.deepEqual(section(restore, 'filter'), [
      '*filter',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-EXTERNAL-SERVICES - [0:0]',
      ':KUBE-FORWARD - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-PROXY-FIREWALL - [0:0]',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      'COMMIT',
    ]);
    assert.deepEqual(section(restore, 'nat'), [
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-POSTROUTING - [0:0]',
      ':KUBE-MARK-MASQ - [0:0]',
      ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
      ':KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
      'COMMIT',
    ]);
    assert.deepEqual([...activeNatChains].sort(), ['KUBE-SEP-SXIVWICOYRO3J4NJ', 'KUBE-SVC-XPGD46QRK7WJZT7O']);
  });

  it('spreads two endpoints with statistic rules and keeps a client on one with recent', () => {
    const svc = service('ns1', 'svc1', {
      clusterIP: '172.30.0.41',
      ports: [{ name: 'p80', port: 80 }],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
    });
    const state = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.2' }, { ip: '10.180.0.1' }])], NODE);
    const nat = section(generateRules(state, opts).restore, 'nat');
    const svcRules = nat.filter((l) => l.startsWith('-A KUBE-SVC-XPGD46QRK7WJZT7O') && !l.includes('KUBE-MARK-MASQ'));
    assert.deepEqual(svcRules, [
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 600 --reap -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -m recent --name KUBE-SEP-LXVODXWDISEETFEF --rcheck --seconds 600 --reap -j KUBE-SEP-LXVODXWDISEETFEF',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -j KUBE-SEP-LXVODXWDISEETFEF',
    ]);
    assert.ok(nat.includes('-A KUBE-SEP-LXVODXWDISEETFEF -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-LXVODXWDISEETFEF --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80'));
  });

  it('rejects traffic for a Service without endpoints in the filter table, and writes no nat chains for it', () => {
    const svc = service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 30080 }] });
    const { restore, activeNatChains } = generateRules(buildServicePortStates([svc], [], NODE), opts);
    const filter = section(restore, 'filter');
    assert.ok(filter.includes('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT'));
    assert.ok(filter.includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT'));
    assert.equal(activeNatChains.size, 0);
    assert.ok(!section(restore, 'nat').some((l) => l.includes('ns1/svc1')));
  });

  it('uses only Ready endpoints, and serving terminating ones when none is Ready', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const mixed = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [
      { ip: '10.180.0.1' },
      { ip: '10.180.0.2', ready: false, serving: false },
      { ip: '10.180.0.3', ready: false, serving: true, terminating: true },
    ])], NODE);
    const nat = section(generateRules(mixed, opts).restore, 'nat');
    assert.ok(nat.some((l) => l.includes('--to-destination 10.180.0.1:80')));
    assert.ok(!nat.some((l) => l.includes('--to-destination 10.180.0.2:80') || l.includes('--to-destination 10.180.0.3:80')));

    const terminating = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [
      { ip: '10.180.0.2', ready: false, serving: false, terminating: true },
      { ip: '10.180.0.3', ready: false, serving: true, terminating: true },
    ])], NODE);
    const nat2 = section(generateRules(terminating, opts).restore, 'nat');
    assert.ok(nat2.some((l) => l.includes('--to-destination 10.180.0.3:80')));
    assert.ok(!nat2.some((l) => l.includes('--to-destination 10.180.0.2:80')));
  });

  it('externalTrafficPolicy Local: external traffic goes to this node\'s endpoints without SNAT', () => {
    const svc = service('ns1', 'svc1', {
      type: 'LoadBalancer', clusterIP: '172.30.0.41', externalTrafficPolicy: 'Local',
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
    }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } });
    const slices = [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.1', nodeName: NODE }, { ip: '10.180.2.1', nodeName: 'node-b' }])];
    const nat = section(generateRules(buildServicePortStates([svc], slices, NODE), opts).restore, 'nat');
    const ext = 'KUBE-EXT-XPGD46QRK7WJZT7O';
    assert.deepEqual(nat.filter((l) => l.startsWith(`-A ${ext}`)), [
      `-A ${ext} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-XPGD46QRK7WJZT7O`,
      `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${ext} -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-XPGD46QRK7WJZT7O`,
      `-A ${ext} -j KUBE-SVL-XPGD46QRK7WJZT7O`,
    ]);
    // The Local chain holds only this node's endpoint; the Cluster chain both.
    assert.deepEqual(nat.filter((l) => l.startsWith('-A KUBE-SVL-')), ['-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ']);
    assert.equal(nat.filter((l) => l.startsWith('-A KUBE-SVC-') && l.includes('-j KUBE-SEP-')).length, 2);
    assert.ok(nat.includes(`-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j ${ext}`));
    assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j ${ext}`));
  });

  it('externalTrafficPolicy Local without a local endpoint drops external traffic but keeps the short-circuit', () => {
    const svc = service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', externalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const slices = [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.2.1', nodeName: 'node-b' }])];
    const { restore } = generateRules(buildServicePortStates([svc], slices, NODE), opts);
    assert.ok(section(restore, 'filter').includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP'));
    const nat = section(restore, 'nat');
    assert.ok(!nat.some((l) => l.startsWith('-A KUBE-EXT-') && l.includes('-j KUBE-SVL-')));
    assert.ok(!nat.some((l) => l.startsWith(':KUBE-SVL-')));
  });

  it('a Cluster external policy masquerades all external traffic', () => {
    const svc = service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const nat = section(generateRules(buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.1' }])], NODE), opts).restore, 'nat');
    assert.deepEqual(nat.filter((l) => l.startsWith('-A KUBE-EXT-')), [
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVC-XPGD46QRK7WJZT7O',
    ]);
  });

  it('internalTrafficPolicy Local without a local endpoint drops ClusterIP traffic', () => {
    const svc = service('ns1', 'svc1', { clusterIP: '172.30.0.41', internalTrafficPolicy: 'Local', ports: [{ name: 'p80', port: 80 }] });
    const remote = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.2.1', nodeName: 'node-b' }])], NODE);
    const { restore, activeNatChains } = generateRules(remote, opts);
    assert.ok(section(restore, 'filter').includes('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j DROP'));
    assert.equal(activeNatChains.size, 0);

    const local = buildServicePortStates([svc], [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', nodeName: 'node-b' }])], NODE);
    const nat = section(generateRules(local, opts).restore, 'nat');
    assert.ok(nat.includes('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVL-XPGD46QRK7WJZT7O'));
    assert.ok(!nat.some((l) => l.includes('10.180.2.1')));
  });

  it('matches NodePorts on the given node addresses only, when set', () => {
    const { restore } = generateRules([], { ...opts, nodePortAddresses: ['192.0.2.10'] });
    assert.ok(section(restore, 'nat').includes('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.0.2.10 -j KUBE-NODEPORTS'));
  });

  it('a partial sync rewrites only the changed Services\' chains and deletes stale ones', () => {
    const svc1 = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const svc2 = service('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80 }] });
    const slices = [slice('ns1', 'svc1', { port: 80 }, [{ ip: '10.180.0.1' }]), slice('ns2', 'svc2', { port: 80 }, [{ ip: '10.180.0.2' }])];
    const first = generateRules(buildServicePortStates([svc1, svc2], slices, NODE), opts);

    // svc2 loses its endpoint: its chains are stale; svc1 is untouched.
    const second = generateRules(buildServicePortStates([svc1, svc2], slices.slice(0, 1), NODE), opts, {
      changedServices: new Set(['ns2/svc2']),
      existingNatChains: [...first.activeNatChains, 'KUBE-POSTROUTING', 'SOMEONE-ELSES'],
    });
    const nat = section(second.restore, 'nat');
    const svc2Chain = servicePortChains('ns2/svc2:p80', 'tcp').cluster;
    const svc2Sep = endpointChain('ns2/svc2:p80', 'tcp', '10.180.0.2:80');
    assert.deepEqual(second.deletedNatChains.sort(), [svc2Sep, svc2Chain].sort());
    assert.ok(nat.includes(`-X ${svc2Chain}`) && nat.includes(`-X ${svc2Sep}`));
    // svc1's chains are still in use but not rewritten; KUBE-SERVICES still jumps to them.
    assert.ok(!nat.includes(':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]'));
    assert.ok(!nat.some((l) => l.startsWith('-A KUBE-SVC-XPGD46QRK7WJZT7O')));
    assert.ok(second.activeNatChains.has('KUBE-SVC-XPGD46QRK7WJZT7O'));
    assert.ok(nat.some((l) => l.startsWith('-A KUBE-SERVICES') && l.endsWith('-j KUBE-SVC-XPGD46QRK7WJZT7O')));
    assert.ok(!nat.includes('-X SOMEONE-ELSES') && !nat.includes('-X KUBE-POSTROUTING'));
    assert.ok(section(second.restore, 'filter').some((l) => l.includes('ns2/svc2:p80 has no endpoints')));
  });

  it('leaves comments out of per-endpoint rules above 1,000 endpoints, as upstream', () => {
    const svcs = [];
    const slices = [];
    for (let i = 0; i < 501; i++) {
      svcs.push(service('ns', `s${i}`, { clusterIP: `172.30.${i >> 8}.${i & 255}`, ports: [{ name: 'p80', port: 80 }] }));
      slices.push(slice('ns', `s${i}`, { port: 80 }, [{ ip: `10.1.${i >> 8}.${i & 255}` }, { ip: `10.2.${i >> 8}.${i & 255}` }]));
    }
    const nat = section(generateRules(buildServicePortStates(svcs, slices, NODE), opts).restore, 'nat');
    assert.ok(nat.includes(`-A ${endpointChain('ns/s0:p80', 'tcp', '10.1.0.0:80')} -m tcp -p tcp -j DNAT --to-destination 10.1.0.0:80`));
    assert.ok(nat.some((l) => l.startsWith('-A KUBE-SERVICES -m comment --comment "ns/s0:p80 cluster IP"')));
  });

  it('skips headless and ExternalName Services, and programs unnamed ports as ns/name', () => {
    const headless = service('ns1', 'h', { clusterIP: 'None', ports: [{ port: 80 }] });
    const external = service('ns1', 'e', { type: 'ExternalName', externalName: 'example.com' });
    const unnamed = service('ns1', 'u', { clusterIP: '172.30.0.50', ports: [{ port: 53, protocol: 'UDP' }] });
    const state = buildServicePortStates([headless, external, unnamed], [slice('ns1', 'u', { name: '', port: 5353, protocol: 'UDP' }, [{ ip: '10.180.0.9' }])], NODE);
    assert.equal(state.length, 1);
    const nat = section(generateRules(state, opts).restore, 'nat');
    const chain = servicePortChains('ns1/u', 'udp').cluster;
    assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns1/u cluster IP" -m udp -p udp -d 172.30.0.50 --dport 53 -j ${chain}`));
    assert.ok(nat.some((l) => l.endsWith('-m udp -p udp -j DNAT --to-destination 10.180.0.9:5353')));
  });
});
