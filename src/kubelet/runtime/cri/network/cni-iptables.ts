// iptables rules the CNI plugins made for our pods and did not remove (a pod whose sandbox
// was never torn down through CRI). The bridge plugin (ipMasq) and portmap mark every rule
// with a comment naming the network and the container (`name: "coxswain" id: "<id>"`) and
// jump to per-container chains (CNI-<hash>, CNI-DN-<hash>); we delete exactly those rules and
// the chains they jump to, in one iptables-restore --noflush per table. The shared
// CNI-HOSTPORT-* chains stay: other CNI users on the machine may have rules in them.
import type { HostNet } from './host-commands.js';

export interface CniRuleCleanup {
  table: string;
  deleteRules: string[];
  deleteChains: string[];
}

/** From `iptables-save` output, what to delete for the network `networkName`. */
export function planCniRuleCleanup(save: string, networkName: string): CniRuleCleanup[] {
  const marker = `name: \\"${networkName}\\" id: `;
  const plans: CniRuleCleanup[] = [];
  let current: CniRuleCleanup | undefined;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      current = { table: line.slice(1).trim(), deleteRules: [], deleteChains: [] };
      plans.push(current);
    } else if (current && line.startsWith('-A ') && line.includes(marker)) {
      current.deleteRules.push(`-D ${line.slice(3)}`);
      const target = /\s-j (CNI-\S+)/.exec(line)?.[1];
      if (target && !target.startsWith('CNI-HOSTPORT-') && !current.deleteChains.includes(target)) current.deleteChains.push(target);
    }
  }
  // Rules inside a chain that goes away need no separate delete.
  for (const p of plans) {
    p.deleteRules = p.deleteRules.filter((r) => !p.deleteChains.some((c) => r.startsWith(`-D ${c} `)));
  }
  return plans.filter((p) => p.deleteRules.length || p.deleteChains.length);
}

export function cniRuleCleanupScript(plan: CniRuleCleanup): string {
  return [
    `*${plan.table}`,
    ...plan.deleteRules,
    ...plan.deleteChains.map((c) => `-F ${c}`),
    ...plan.deleteChains.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

/** Removes the leftover rules and chains of `networkName`; returns the chains removed. */
export async function removeCniRules(net: HostNet, networkName: string): Promise<string[]> {
  let save: string;
  try {
    save = await net.iptables('iptables-save', []);
  } catch {
    return []; // no iptables on this machine: nothing can be left
  }
  const removed: string[] = [];
  for (const plan of planCniRuleCleanup(save, networkName)) {
    await net.iptables('iptables-restore', ['--noflush'], cniRuleCleanupScript(plan));
    removed.push(...plan.deleteChains.map((c) => `${plan.table}/${c}`));
  }
  return removed;
}
