// iptables chain names, as upstream's pkg/proxy/iptables: the top-level chains, and per
// service port / endpoint chains named by a hash, because chain names are limited to 28
// characters and a readable prefix helps more than a long name.
import { createHash } from 'node:crypto';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** Created empty in each table; when it disappears the tables were flushed and a full sync is due (as upstream's iptables Monitor). */
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

export const SVC_PREFIX = 'KUBE-SVC-';
export const SVL_PREFIX = 'KUBE-SVL-';
export const EXT_PREFIX = 'KUBE-EXT-';
export const FW_PREFIX = 'KUBE-FW-';
export const SEP_PREFIX = 'KUBE-SEP-';

const SERVICE_CHAIN_PREFIXES = [SVC_PREFIX, SVL_PREFIX, EXT_PREFIX, FW_PREFIX, SEP_PREFIX];

/** The per-service and per-endpoint chains this proxier writes and deletes when stale. */
export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p));
}

/** RFC 4648 base32 (with the standard alphabet, as Go's base32.StdEncoding) of `buf`, unpadded. */
function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** 16 characters of base32(sha256(...parts joined)), as upstream's portProtoHash. */
export function chainHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

export interface ServicePortChains {
  /** KUBE-SVC-…: endpoints for the Cluster traffic policy. */
  cluster: string;
  /** KUBE-SVL-…: this node's endpoints for the Local traffic policy. */
  local: string;
  /** KUBE-EXT-…: entry for NodePort / LoadBalancer / externalIP traffic. */
  external: string;
  /** KUBE-FW-…: loadBalancerSourceRanges. */
  firewall: string;
}

/**
 * `servicePortName` is upstream's ServicePortName string (`ns/name` or `ns/name:port`) and
 * `protocol` is lower case, so our chain names match kube-proxy's for the same Service.
 */
export function servicePortChains(servicePortName: string, protocol: string): ServicePortChains {
  const h = chainHash(servicePortName + protocol);
  return { cluster: SVC_PREFIX + h, local: SVL_PREFIX + h, external: EXT_PREFIX + h, firewall: FW_PREFIX + h };
}

/** KUBE-SEP-… for one endpoint (`ip:port`) of a service port. */
export function endpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return SEP_PREFIX + chainHash(servicePortName + protocol + endpoint);
}
