// A pod's /etc/resolv.conf per its dnsPolicy and dnsConfig, as the kubelet computes it
// (pkg/kubelet/network/dns/dns.go GetPodDNS) and containerd writes it (search, nameserver,
// options lines). Pure: the kubelet passes the host's resolv.conf text in.
import type { Pod } from 'kubernetes-types/core/v1.js';

/** Upstream's validation limits (ExpandedDNSConfig, GA since 1.28). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** DNS-1123 subdomain length: glibc aborts on longer search entries, so the kubelet drops them. */
const MAX_SEARCH_ENTRY_LENGTH = 253;
/** The kubelet's defaultDNSOptions for cluster DNS. */
const DEFAULT_CLUSTER_OPTIONS = ['ndots:5'];

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/**
 * Parses resolv.conf as the kubelet does: nameserver lines accumulate; the last search line
 * and the last options line win; search entries lose a trailing dot.
 */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields[1]) out.nameservers.push(fields[1]);
    else if (fields[0] === 'search') out.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    else if (fields[0] === 'options') out.options = fields.slice(1);
  }
  return out;
}

export interface PodResolvConfOptions {
  /** The cluster DNS server addresses (the kubelet's --cluster-dns). */
  clusterDNS: string[];
  clusterDomain: string;
  /** The host's resolv.conf text (the kubelet's --resolv-conf file). */
  hostResolvConf: string;
}

/**
 * The pod's resolv.conf content, or undefined when the pod simply uses the host's file
 * (dnsPolicy Default, or ClusterFirst on the host network, with no dnsConfig).
 */
export function podResolvConf(pod: Pod, opts: PodResolvConfOptions): string | undefined {
  const spec = pod.spec ?? { containers: [] };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  let kind: 'cluster' | 'host' | 'none';
  if (policy === 'None') kind = 'none';
  else if (policy === 'ClusterFirstWithHostNet') kind = 'cluster';
  // As upstream: ClusterFirst on the host network falls back to Default.
  else if (policy === 'ClusterFirst') kind = spec.hostNetwork ? 'host' : 'cluster';
  else if (policy === 'Default') kind = 'host';
  // An unknown policy cannot pass validation; upstream falls back to ClusterFirst.
  else kind = 'cluster';

  // Without a cluster DNS address the kubelet falls back to Default (and warns).
  if (kind === 'cluster' && opts.clusterDNS.length === 0) kind = 'host';
  if (kind === 'host' && !spec.dnsConfig) return undefined;

  let conf: ResolvConf;
  if (kind === 'none') {
    conf = { nameservers: [], searches: [], options: [] };
  } else {
    conf = parseResolvConf(opts.hostResolvConf);
    // As upstream with an empty --resolv-conf: the host's resolver means "the local machine".
    if (kind === 'host' && opts.hostResolvConf.trim() === '') conf = { nameservers: ['127.0.0.1'], searches: ['.'], options: [] };
    if (kind === 'cluster') {
      const domain = opts.clusterDomain.replace(/\.$/, '');
      const ns = pod.metadata?.namespace ?? 'default';
      conf = {
        nameservers: [...opts.clusterDNS],
        searches: domain ? unique([`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...conf.searches]) : conf.searches,
        options: [...DEFAULT_CLUSTER_OPTIONS],
      };
    }
  }

  const dnsConfig = spec.dnsConfig;
  if (dnsConfig) {
    conf = {
      nameservers: unique([...conf.nameservers, ...(dnsConfig.nameservers ?? [])]),
      searches: unique([...conf.searches, ...(dnsConfig.searches ?? [])]),
      options: mergeOptions(conf.options, dnsConfig.options ?? []),
    };
  }
  return render({ nameservers: conf.nameservers.slice(0, MAX_DNS_NAMESERVERS), searches: fitSearches(conf.searches), options: conf.options });
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** As upstream's mergeDNSOptions: dnsConfig options override same-named existing ones. */
function mergeOptions(existing: string[], extra: { name?: string; value?: string }[]): string[] {
  const merged = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) merged.set(op.slice(0, i), op.slice(i + 1));
    else merged.set(op, '');
  }
  for (const op of extra) if (op.name) merged.set(op.name, op.value ?? '');
  return [...merged].map(([name, value]) => (value ? `${name}:${value}` : name));
}

/** As upstream's formDNSSearchFitsLimits: at most 32 paths, none over 253 chars, 2048 chars in all. */
function fitSearches(searches: string[]): string[] {
  let out = searches.slice(0, MAX_DNS_SEARCH_PATHS).filter((s) => s.length <= MAX_SEARCH_ENTRY_LENGTH);
  let length = out.join(' ').length;
  while (length > MAX_DNS_SEARCH_LIST_CHARS && out.length > 0) {
    length -= out[out.length - 1]!.length + 1;
    out = out.slice(0, -1);
  }
  return out;
}

/** containerd's layout: search, then one nameserver line each, then options. */
function render(conf: ResolvConf): string {
  let text = '';
  if (conf.searches.length > 0) text += `search ${conf.searches.join(' ')}\n`;
  for (const ns of conf.nameservers) text += `nameserver ${ns}\n`;
  if (conf.options.length > 0) text += `options ${conf.options.join(' ')}\n`;
  return text;
}
