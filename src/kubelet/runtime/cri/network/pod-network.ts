// The node's pod network on the host (DESIGN.md §5): the CNI conflist, and a dummy interface
// (or ifb where the kernel has no dummy driver) that takes every packet for the cluster and service CIDRs that no more specific route
// claims. The bridge's own /24 (added by the bridge plugin when the first pod starts) wins
// for local pods; anything else in 10.42.0.0/16 or 10.43.0.0/16 — another node's pods, a
// service IP without a proxy rule — ends on the dummy and never leaves the machine.
//
// IP forwarding is turned on (pods reach services through DNAT on the bridge, and the bridge
// plugin with isGateway sets it anyway), and so is bridge-nf-call-iptables: a reply from a
// Service's backend to a client pod on the same bridge is bridged, not routed, and only
// this makes it pass conntrack to be un-DNATed (why kubeadm's preflight demands it). Their
// values before Coxswain first touched them are kept in <dataDir>/network/state.json so
// `coxswain reset` restores them.
//
// The dummy also carries the node-local DNS address (169.254.20.10, as NodeLocal DNSCache):
// a link-local address of this host that pods reach through the cni0 gateway and the
// kube-dns Service's DNAT, and that nothing outside the machine ever answers for.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostNet } from './host-commands.js';
import { hostNet, linkExists } from './host-commands.js';
import { CNI_NETWORK_NAME, DEFAULT_POD_CIDR, writeCniConflist } from './cni-config.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_BRIDGE = 'cni0';
export const DEFAULT_DUMMY = 'coxswain0';
const IP_FORWARD = 'net.ipv4.ip_forward';
const BRIDGE_NF_CALL_IPTABLES = 'net.bridge.bridge-nf-call-iptables';
/** Where cluster DNS listens for cri pods: link-local, on the dummy (NodeLocal DNSCache's default address). */
export const NODE_DNS_ADDRESS = '169.254.20.10';

export interface PodNetworkOptions {
  /** Coxswain's data dir: state under <dataDir>/network, IPAM records under <dataDir>/cni. */
  dataDir: string;
  /** The CNI conf dir containerd reads. */
  cniConfDir: string;
  podCIDR?: string;
  clusterCIDR?: string;
  serviceCIDR?: string;
  bridge?: string;
  dummy?: string;
  networkName?: string;
  /** A host address for the node's DNS server (default NODE_DNS_ADDRESS). */
  dnsAddress?: string;
  /** Where the commands run (default: the host). */
  net?: HostNet;
}

/** What Coxswain changed on the host, for `coxswain reset`. */
export interface PodNetworkState {
  dummy: string;
  bridge: string;
  routes: string[];
  networkName: string;
  /** net.ipv4.ip_forward before Coxswain first changed it. */
  ipForwardBefore?: string;
  /** net.bridge.bridge-nf-call-iptables before Coxswain first changed it (absent: no br_netfilter). */
  bridgeNfCallIptablesBefore?: string;
  /** The DNS address on the dummy. */
  dnsAddress?: string;
  /** The pod range whose traffic to elsewhere is masqueraded by our one nat rule. */
  masqueradeCIDR?: string;
}

/**
 * Pod traffic leaving the cluster range gets the node's address (what the bridge plugin's
 * ipMasq does per pod, as one rule): not to other pods, not multicast.
 */
export function masqueradeRuleArgs(clusterCIDR: string): string[] {
  return ['POSTROUTING', '-s', clusterCIDR, '!', '-d', clusterCIDR, '-m', 'addrtype', '!', '--dst-type', 'MULTICAST',
    '-m', 'comment', '--comment', 'coxswain: masquerade pod traffic leaving the cluster', '-j', 'MASQUERADE'];
}

export function podNetworkStateFile(dataDir: string): string {
  return path.join(dataDir, 'network', 'state.json');
}

export function ipamDataDir(dataDir: string): string {
  return path.join(dataDir, 'cni', 'networks');
}

export async function readPodNetworkState(dataDir: string): Promise<PodNetworkState | undefined> {
  try {
    return JSON.parse(await readFile(podNetworkStateFile(dataDir), 'utf8')) as PodNetworkState;
  } catch {
    return undefined;
  }
}

/** Sets up the safety routes, forwarding and the conflist; safe to run at every start. */
export async function setUpPodNetwork(opts: PodNetworkOptions): Promise<PodNetworkState> {
  const net = opts.net ?? hostNet();
  const previous = await readPodNetworkState(opts.dataDir);
  const state: PodNetworkState = {
    dummy: opts.dummy ?? DEFAULT_DUMMY,
    bridge: opts.bridge ?? DEFAULT_BRIDGE,
    routes: [opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR],
    networkName: opts.networkName ?? CNI_NETWORK_NAME,
    // Only the first start records it: later ones would see our own 1.
    ipForwardBefore: previous?.ipForwardBefore ?? await net.readSysctl(IP_FORWARD),
    bridgeNfCallIptablesBefore: previous?.bridgeNfCallIptablesBefore ?? await net.readSysctl(BRIDGE_NF_CALL_IPTABLES).catch(() => undefined),
    dnsAddress: opts.dnsAddress ?? NODE_DNS_ADDRESS,
    masqueradeCIDR: opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR,
  };
  // Recorded before changing anything, so a failure half-way can still be reset.
  await mkdir(path.dirname(podNetworkStateFile(opts.dataDir)), { recursive: true });
  await writeFile(podNetworkStateFile(opts.dataDir), `${JSON.stringify(state, null, 2)}\n`);

  if (!(await linkExists(net, state.dummy))) await addDropLink(net, state.dummy);
  await net.ip(['link', 'set', state.dummy, 'up']);
  for (const cidr of state.routes) await net.ip(['route', 'replace', cidr, 'dev', state.dummy]);
  // A /32 in the local table: delivered to this host whichever link holds it.
  await net.ip(['addr', 'replace', `${state.dnsAddress}/32`, 'dev', state.dummy]);
  if ((await net.readSysctl(IP_FORWARD)) !== '1') await net.writeSysctl(IP_FORWARD, '1');
  if (state.bridgeNfCallIptablesBefore !== undefined && (await net.readSysctl(BRIDGE_NF_CALL_IPTABLES)) !== '1') {
    await net.writeSysctl(BRIDGE_NF_CALL_IPTABLES, '1');
  }
  const masq = masqueradeRuleArgs(state.masqueradeCIDR!);
  try {
    await net.iptables('iptables', ['-w', '-t', 'nat', '-C', ...masq]);
  } catch {
    await net.iptables('iptables', ['-w', '-t', 'nat', '-A', ...masq]);
  }

  await writePodCIDR(opts, opts.podCIDR ?? DEFAULT_POD_CIDR);
  return state;
}

/**
 * A link that swallows whatever is routed to it: `dummy`, or where the kernel has no dummy
 * driver (some VM kernels), `ifb`, which drops every packet that tc did not redirect to it.
 */
async function addDropLink(net: HostNet, name: string): Promise<void> {
  try {
    await net.ip(['link', 'add', name, 'type', 'dummy']);
  } catch (err) {
    if (!/Unknown device type|not supported/i.test(String(err))) throw err;
    await net.ip(['link', 'add', name, 'type', 'ifb']);
  }
}

/** (Re)writes the conflist for the node's pod CIDR (once the node IPAM controller assigns it). */
export async function writePodCIDR(opts: PodNetworkOptions, podCIDR: string): Promise<boolean> {
  return writeCniConflist(opts.cniConfDir, {
    podCIDR,
    bridge: opts.bridge ?? DEFAULT_BRIDGE,
    ipamDataDir: ipamDataDir(opts.dataDir),
    networkName: opts.networkName,
  });
}

/**
 * Undoes setUpPodNetwork and what the bridge plugin left: the dummy (its routes go with it),
 * the bridge, IPAM records, and ip_forward as it was. Returns what it removed.
 */
export async function tearDownPodNetwork(dataDir: string, net: HostNet = hostNet()): Promise<string[]> {
  const state = await readPodNetworkState(dataDir);
  if (!state) return [];
  const done: string[] = [];
  if (state.masqueradeCIDR) {
    // -D until it is gone (two starts racing could have added it twice).
    for (let i = 0; i < 10; i++) {
      try {
        await net.iptables('iptables', ['-w', '-t', 'nat', '-D', ...masqueradeRuleArgs(state.masqueradeCIDR)]);
        if (i === 0) done.push(`masquerade rule for ${state.masqueradeCIDR}`);
      } catch {
        break;
      }
    }
  }
  for (const link of [state.dummy, state.bridge]) {
    if (await linkExists(net, link)) {
      await net.ip(['link', 'delete', link]);
      done.push(`interface ${link}`);
    }
  }
  if (state.ipForwardBefore !== undefined && (await net.readSysctl(IP_FORWARD)) !== state.ipForwardBefore) {
    await net.writeSysctl(IP_FORWARD, state.ipForwardBefore);
    done.push(`${IP_FORWARD} restored to ${state.ipForwardBefore}`);
  }
  const bridgeNf = state.bridgeNfCallIptablesBefore;
  if (bridgeNf !== undefined && (await net.readSysctl(BRIDGE_NF_CALL_IPTABLES).catch(() => bridgeNf)) !== bridgeNf) {
    await net.writeSysctl(BRIDGE_NF_CALL_IPTABLES, bridgeNf);
    done.push(`${BRIDGE_NF_CALL_IPTABLES} restored to ${bridgeNf}`);
  }
  await rm(path.join(dataDir, 'cni'), { recursive: true, force: true });
  await rm(path.dirname(podNetworkStateFile(dataDir)), { recursive: true, force: true });
  return done;
}
