// Removes everything iptables mode created (for `coxswain reset`, as upstream's
// CleanupLeftovers): the jump rules from the built-in chains, then our chains in the nat and
// filter tables, flushed and deleted in one restore per table.
import { isServiceChainName, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_CANARY, KUBE_PROXY_FIREWALL, KUBE_SERVICES } from './chain-names.js';
import { IptablesApplier } from './applier.js';
import { IptablesError } from './iptables-command.js';
import type { Table } from './jump-rules.js';
import { JUMP_RULES, jumpRuleArgs } from './jump-rules.js';

const TOP_LEVEL: Record<Table, readonly string[]> = {
  nat: [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ, KUBE_PROXY_CANARY],
  filter: [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_PROXY_CANARY],
  mangle: [KUBE_PROXY_CANARY],
};

export interface CleanupResult {
  deletedChains: number;
  errors: string[];
}

/**
 * Deletes our jump rules and KUBE-* chains. `commandPrefix` as for the proxier (e.g.
 * ['ip', 'netns', 'exec', ns]); without it, the host's tables. Safe to run when nothing is there.
 */
export async function cleanupIptablesRules(commandPrefix: readonly string[] = []): Promise<CleanupResult> {
  const ipt = new IptablesApplier(commandPrefix);
  const errors: string[] = [];
  for (const j of JUMP_RULES) {
    // A rule inserted twice (by two runs racing) is deleted until none is left.
    for (let i = 0; i < 10; i++) {
      try {
        await ipt.run(['iptables', '-w', '-t', j.table, '-D', j.from, ...jumpRuleArgs(j)]);
      } catch (err) {
        if (!(err instanceof IptablesError)) errors.push(String(err));
        break;
      }
    }
  }
  let deletedChains = 0;
  for (const table of ['nat', 'filter', 'mangle'] as const) {
    let existing: Set<string>;
    try {
      existing = await ipt.chains(table);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    const ours = [...existing].filter((c) => TOP_LEVEL[table].includes(c) || (table === 'nat' && isServiceChainName(c)));
    if (ours.length === 0) continue;
    const input = [`*${table}`, ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    try {
      await ipt.restore(input);
      deletedChains += ours.length;
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { deletedChains, errors };
}
