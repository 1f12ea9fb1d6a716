// The pure heart of iptables mode: from the proxier's view of Services and endpoints to the
// text `iptables-restore --noflush` reads, following the rule shapes of upstream's
// pkg/proxy/iptables syncProxyRules. The top-level chains (KUBE-SERVICES, KUBE-NODEPORTS,
// KUBE-EXTERNAL-SERVICES, …) are rewritten every time; the per-service chains (KUBE-SVC-,
// KUBE-SVL-, KUBE-EXT-, KUBE-FW-, KUBE-SEP-) only for the Services in `changedServices`,
// which is how a partial sync (upstream 1.26+) leaves the other chains untouched.
import {
  isServiceChainName,
  KUBE_EXTERNAL_SERVICES,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chain-names.js';
import type { IptablesEndpoint, IptablesServicePort } from './service-ports.js';
import { categorizeEndpoints, externallyAccessible } from './service-ports.js';

/** As upstream: above this many endpoints, comments are left out of the per-endpoint rules. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface RulesOptions {
  /**
   * Addresses NodePorts answer on (upstream's --nodeport-addresses). Empty, or containing
   * 0.0.0.0, means every local address except loopback (`-m addrtype --dst-type LOCAL`).
   */
  nodePortAddresses: readonly string[];
  /** The pod range: traffic from outside it to a ClusterIP is masqueraded (upstream's LocalTrafficDetector by cluster CIDR). */
  clusterCIDR?: string;
  /** The SNAT mark (upstream default: bit 14, 0x4000). */
  masqueradeMark?: string;
  /** Masquerade all ClusterIP traffic (upstream's --masquerade-all). */
  masqueradeAll?: boolean;
  /** net.netfilter.nf_conntrack_tcp_be_liberal is set: no DROP of INVALID packets. */
  conntrackTCPLiberal?: boolean;
  /** Add --random-fully to MASQUERADE (iptables ≥ 1.6.2, as upstream checks). */
  randomFully?: boolean;
}

/** One service port with its endpoints (sorted by ip:port). */
export interface ServicePortState {
  port: IptablesServicePort;
  endpoints: readonly IptablesEndpoint[];
}

export interface GenerateOptions {
  /** Services (`ns/name`) whose chains are rewritten; undefined: all (a full sync). */
  changedServices?: ReadonlySet<string>;
  /** Chains now in the nat table: those of ours that are no longer used are deleted. */
  existingNatChains?: Iterable<string>;
}

export interface GeneratedRules {
  /** Input for `iptables-restore --noflush`: a *filter and a *nat section. */
  restore: string;
  /** Every per-service chain the rules use (written or left in place). */
  activeNatChains: Set<string>;
  /** Stale chains this input deletes. */
  deletedNatChains: string[];
  filterRules: number;
  natRules: number;
  /** Per-service chains written in this input. */
  natChainsWritten: number;
}

const chainLine = (chain: string) => `:${chain} - [0:0]`;
const quote = (comment: string) => `"${comment}"`;

/** Upstream's probability format: 1/n with ten decimals (fmt "%0.10f"). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

class Lines {
  readonly lines: string[] = [];
  write(...parts: (string | readonly string[])[]): void {
    this.lines.push(parts.flat().join(' '));
  }
}

/** A sink for the chains of unchanged Services: computed for bookkeeping, never written. */
class DiscardLines extends Lines {
  override write(): void {}
}

export function generateRules(state: readonly ServicePortState[], opts: RulesOptions, gen: GenerateOptions = {}): GeneratedRules {
  const mark = opts.masqueradeMark ?? '0x4000';
  const filterChains = new Lines();
  const filterRules = new Lines();
  const natChains = new Lines();
  const natRules = new Lines();
  const discard = new DiscardLines();
  const activeNatChains = new Set<string>();
  let natChainsWritten = 0;

  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains.write(chainLine(c));
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natChains.write(chainLine(c));

  // SNAT what was marked, and clear the mark so a packet that loops through the stack again is not masqueraded twice.
  natRules.write('-A', KUBE_POSTROUTING, '-m mark ! --mark', `${mark}/${mark}`, '-j RETURN');
  natRules.write('-A', KUBE_POSTROUTING, '-j MARK --xor-mark', mark);
  natRules.write('-A', KUBE_POSTROUTING, '-m comment --comment', quote('kubernetes service traffic requiring SNAT'), '-j MASQUERADE', opts.randomFully === false ? [] : ['--random-fully']);
  natRules.write('-A', KUBE_MARK_MASQ, '-j MARK --or-mark', mark);

  let totalEndpoints = 0;
  for (const s of state) totalEndpoints += s.endpoints.length;
  const largeClusterMode = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const comment = (text: string): string[] => (largeClusterMode ? [] : ['-m comment --comment', text.includes(' ') ? quote(text) : text]);
  const ifLocal = opts.clusterCIDR ? ['-s', opts.clusterCIDR] : undefined;
  const ifNotLocal = opts.clusterCIDR ? ['!', '-s', opts.clusterCIDR] : undefined;

  const ordered = [...state].sort((a, b) => (a.port.name < b.port.name ? -1 : a.port.name > b.port.name ? 1 : a.port.protocol < b.port.protocol ? -1 : 1));
  for (const { port: svc, endpoints } of ordered) {
    const proto = svc.protocol;
    const name = svc.name;
    const { cluster, local, allReachable, hasAny } = categorizeEndpoints(endpoints, svc);
    const clusterChain = svc.chains.cluster;
    const localChain = svc.chains.local;
    const usesClusterChain = cluster.length > 0 && (!svc.internalPolicyLocal || externallyAccessible(svc));
    const usesLocalChain = local.length > 0 && (svc.internalPolicyLocal || svc.externalPolicyLocal);

    const internalChain = svc.internalPolicyLocal ? localChain : clusterChain;
    const hasInternal = hasAny && (!svc.internalPolicyLocal || local.length > 0);
    const externalPolicyChain = svc.externalPolicyLocal ? localChain : clusterChain;
    const hasExternal = hasAny && (!svc.externalPolicyLocal || local.length > 0);
    const externalChain = svc.chains.external;
    // The EXT chain is needed even without external endpoints: it short-circuits traffic from this node and its pods.
    const usesExternalChain = hasAny && externallyAccessible(svc);
    const usesFwChain = hasAny && svc.loadBalancerIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFwChain ? svc.chains.firewall : externalChain;

    let internalFilter = '';
    let internalFilterComment = '';
    let externalFilter = '';
    let externalFilterComment = '';
    if (!hasAny) {
      // No endpoints anywhere: nothing in nat; the filter table rejects, as upstream (ICMP port unreachable, so clients see "connection refused").
      internalFilter = externalFilter = 'REJECT';
      internalFilterComment = externalFilterComment = quote(`${name} has no endpoints`);
    } else {
      if (!hasInternal) {
        internalFilter = 'DROP';
        internalFilterComment = quote(`${name} has no local endpoints`);
      }
      if (!hasExternal) {
        externalFilter = 'DROP';
        externalFilterComment = quote(`${name} has no local endpoints`);
      }
    }
    const match = ['-m', proto, '-p', proto];

    // ClusterIP.
    if (hasInternal) {
      natRules.write('-A', KUBE_SERVICES, '-m comment --comment', quote(`${name} cluster IP`), match, '-d', svc.clusterIP, '--dport', String(svc.port), '-j', internalChain);
    } else {
      filterRules.write('-A', KUBE_SERVICES, '-m comment --comment', internalFilterComment, match, '-d', svc.clusterIP, '--dport', String(svc.port), '-j', internalFilter);
    }
    // externalIPs.
    for (const ip of svc.externalIPs) {
      if (hasAny) natRules.write('-A', KUBE_SERVICES, '-m comment --comment', quote(`${name} external IP`), match, '-d', ip, '--dport', String(svc.port), '-j', externalChain);
      if (!hasExternal) filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', externalFilterComment, match, '-d', ip, '--dport', String(svc.port), '-j', externalFilter);
    }
    // LoadBalancer ingress IPs.
    for (const ip of svc.loadBalancerIPs) {
      if (hasAny) natRules.write('-A', KUBE_SERVICES, '-m comment --comment', quote(`${name} loadbalancer IP`), match, '-d', ip, '--dport', String(svc.port), '-j', lbChain);
      if (usesFwChain) {
        filterRules.write('-A', KUBE_PROXY_FIREWALL, '-m comment --comment', quote(`${name} traffic not accepted by ${svc.chains.firewall}`), match, '-d', ip, '--dport', String(svc.port), '-j DROP');
      }
    }
    if (!hasExternal) {
      for (const ip of svc.loadBalancerIPs) {
        filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', externalFilterComment, match, '-d', ip, '--dport', String(svc.port), '-j', externalFilter);
      }
    }
    // NodePort.
    if (svc.nodePort !== 0) {
      if (hasAny) natRules.write('-A', KUBE_NODEPORTS, '-m comment --comment', name, match, '--dport', String(svc.nodePort), '-j', externalChain);
      if (!hasExternal) {
        filterRules.write('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', externalFilterComment, '-m addrtype --dst-type LOCAL', match, '--dport', String(svc.nodePort), '-j', externalFilter);
      }
    }

    // Per-service chains: only written when this Service changed (or in a full sync).
    const write = gen.changedServices === undefined || gen.changedServices.has(svc.service);
    const chains = write ? natChains : discard;
    const rules = write ? natRules : discard;
    const declare = (chain: string) => {
      activeNatChains.add(chain);
      if (write) natChainsWritten++;
      chains.write(chainLine(chain));
    };

    if (hasInternal) {
      const args = ['-m comment --comment', quote(`${name} cluster IP`), ...match, '-d', svc.clusterIP, '--dport', String(svc.port)];
      if (opts.masqueradeAll) rules.write('-A', internalChain, args, '-j', KUBE_MARK_MASQ);
      // Off-cluster traffic to a ClusterIP (e.g. a route to the service range via this node) may leave the node again: masquerade it.
      else if (ifNotLocal) rules.write('-A', internalChain, args, ifNotLocal, '-j', KUBE_MARK_MASQ);
    }

    if (usesExternalChain) {
      declare(externalChain);
      if (!svc.externalPolicyLocal) {
        // The endpoint may be on another node: masquerade so replies come back through us.
        rules.write('-A', externalChain, '-m comment --comment', quote(`masquerade traffic for ${name} external destinations`), '-j', KUBE_MARK_MASQ);
      } else {
        // Pods reaching an external address of the Service are served as if they went out to the load balancer and back.
        if (ifLocal) rules.write('-A', externalChain, '-m comment --comment', quote(`pod traffic for ${name} external destinations`), ifLocal, '-j', clusterChain);
        // The node itself has the external address as source: masquerade, and use every endpoint.
        rules.write('-A', externalChain, '-m comment --comment', quote(`masquerade LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', '-j', KUBE_MARK_MASQ);
        rules.write('-A', externalChain, '-m comment --comment', quote(`route LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', '-j', clusterChain);
      }
      if (hasExternal) rules.write('-A', externalChain, '-j', externalPolicyChain);
    }

    if (usesFwChain) {
      const fw = svc.chains.firewall;
      declare(fw);
      const args = ['-A', fw, '-m comment --comment', quote(`${name} loadbalancer IP`)];
      for (const cidr of svc.loadBalancerSourceRanges) rules.write(args, '-s', cidr, '-j', externalChain);
      // What falls through is not DNATed, and KUBE-PROXY-FIREWALL in the filter table drops it.
      rules.write('-A', fw, '-m comment --comment', quote(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`));
    }

    if (usesClusterChain) {
      declare(clusterChain);
      writeServiceToEndpointRules(rules, name, svc, clusterChain, cluster, comment);
    }
    if (usesLocalChain) {
      declare(localChain);
      writeServiceToEndpointRules(rules, name, svc, localChain, local, comment);
    }
    for (const ep of allReachable) {
      declare(ep.chain);
      // Hairpin: a pod reaching itself through the Service must be masqueraded, or it would answer itself directly.
      rules.write('-A', ep.chain, comment(name), '-s', ep.ip, '-j', KUBE_MARK_MASQ);
      const affinity = svc.stickyMaxAgeSeconds > 0 ? ['-m recent --name', ep.chain, '--set'] : [];
      rules.write('-A', ep.chain, comment(name), affinity, match, '-j DNAT --to-destination', ep.address);
    }
  }

  // Delete our chains that nothing uses any more (flush with a chain line, then -X).
  const deletedNatChains: string[] = [];
  for (const chain of gen.existingNatChains ?? []) {
    if (!isServiceChainName(chain) || activeNatChains.has(chain)) continue;
    natChains.write(chainLine(chain));
    natRules.write('-X', chain);
    deletedNatChains.push(chain);
  }

  // NodePorts last: after every ClusterIP/external rule, as upstream.
  const nodePortsAll = opts.nodePortAddresses.length === 0 || opts.nodePortAddresses.includes('0.0.0.0');
  const nodePortsComment = quote('kubernetes service nodeports; NOTE: this must be the last rule in this chain');
  if (nodePortsAll) {
    // Loopback NodePorts would need route_localnet (a security hole, upstream issue 90259): not offered.
    natRules.write('-A', KUBE_SERVICES, '-m comment --comment', nodePortsComment, '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8', '-j', KUBE_NODEPORTS);
  } else {
    for (const ip of opts.nodePortAddresses) {
      if (ip.startsWith('127.') || ip.includes(':')) continue;
      natRules.write('-A', KUBE_SERVICES, '-m comment --comment', nodePortsComment, '-d', ip, '-j', KUBE_NODEPORTS);
    }
  }

  if (!opts.conntrackTCPLiberal) filterRules.write('-A', KUBE_FORWARD, '-m conntrack --ctstate INVALID -j DROP');
  filterRules.write('-A', KUBE_FORWARD, '-m comment --comment', quote('kubernetes forwarding rules'), '-m mark --mark', `${mark}/${mark}`, '-j ACCEPT');
  filterRules.write('-A', KUBE_FORWARD, '-m comment --comment', quote('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  const restore = [
    '*filter', ...filterChains.lines, ...filterRules.lines, 'COMMIT',
    '*nat', ...natChains.lines, ...natRules.lines, 'COMMIT', '',
  ].join('\n');
  return {
    restore,
    activeNatChains,
    deletedNatChains,
    filterRules: filterRules.lines.length,
    natRules: natRules.lines.length - deletedNatChains.length,
    natChainsWritten,
  };
}

/** Session affinity first (a recent match per endpoint), then the random spread, as upstream. */
function writeServiceToEndpointRules(
  rules: Lines,
  name: string,
  svc: IptablesServicePort,
  chain: string,
  endpoints: readonly IptablesEndpoint[],
  comment: (text: string) => string[],
): void {
  if (svc.stickyMaxAgeSeconds > 0) {
    for (const ep of endpoints) {
      rules.write('-A', chain, comment(`${name} -> ${ep.address}`), '-m recent --name', ep.chain, '--rcheck --seconds', String(svc.stickyMaxAgeSeconds), '--reap -j', ep.chain);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    // Rule i matches with probability 1/(n-i) among what is left, so each endpoint gets 1/n; the last always matches.
    const statistic = i < n - 1 ? ['-m statistic --mode random --probability', probability(n - i)] : [];
    rules.write('-A', chain, comment(`${name} -> ${ep.address}`), statistic, '-j', ep.chain);
  });
}
