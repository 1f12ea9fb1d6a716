// The rules in the built-in chains that lead to ours. They cannot be part of the restore
// input (that would replace all of PREROUTING, INPUT, …), so they are ensured one by one,
// as upstream's iptablesJumpChains.
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FORWARD,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from './chain-names.js';

export type Table = 'filter' | 'nat' | 'mangle';

export interface JumpRule {
  table: Table;
  /** Built-in chain the rule is in. */
  from: string;
  /** Our chain it jumps to. */
  to: string;
  comment: string;
  extra: readonly string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];

export const JUMP_RULES: readonly JumpRule[] = [
  { table: 'filter', from: 'INPUT', to: KUBE_EXTERNAL_SERVICES, comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', from: 'FORWARD', to: KUBE_EXTERNAL_SERVICES, comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', from: 'INPUT', to: KUBE_NODEPORTS, comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', from: 'FORWARD', to: KUBE_SERVICES, comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', from: 'OUTPUT', to: KUBE_SERVICES, comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', from: 'FORWARD', to: KUBE_FORWARD, comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', from: 'INPUT', to: KUBE_PROXY_FIREWALL, comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', from: 'OUTPUT', to: KUBE_PROXY_FIREWALL, comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', from: 'FORWARD', to: KUBE_PROXY_FIREWALL, comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'nat', from: 'OUTPUT', to: KUBE_SERVICES, comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', from: 'PREROUTING', to: KUBE_SERVICES, comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', from: 'POSTROUTING', to: KUBE_POSTROUTING, comment: 'kubernetes postrouting rules', extra: [] },
];

/** The rule's match and target, as `iptables -C/-I/-D <chain>` takes them. */
export function jumpRuleArgs(j: JumpRule): string[] {
  return [...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.to];
}
