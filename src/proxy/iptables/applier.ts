// Applies generated rules to the kernel: the jump rules from the built-in chains (ensured
// with `iptables -C` / `-I`, only on full syncs, as upstream), and the restore input with
// `iptables-restore -w --noflush`, which replaces only the chains the input names.
import { KUBE_PROXY_CANARY } from './chain-names.js';
import type { RunCommand } from './iptables-command.js';
import { commandRunner, IptablesError } from './iptables-command.js';
import type { Table } from './jump-rules.js';
import { JUMP_RULES, jumpRuleArgs } from './jump-rules.js';

const CANARY_TABLES: readonly Table[] = ['mangle', 'nat', 'filter'];

export class IptablesApplier {
  readonly run: RunCommand;

  /** `commandPrefix`: e.g. ['ip', 'netns', 'exec', 'cx-ipt-1'] to work inside a namespace. */
  constructor(commandPrefix: readonly string[] = [], run?: RunCommand) {
    this.run = run ?? commandRunner(commandPrefix);
  }

  /** `iptables -N`, ignoring "already exists". */
  async ensureChain(table: Table, chain: string): Promise<void> {
    try {
      await this.run(['iptables', '-w', '-t', table, '-N', chain]);
    } catch (err) {
      if (!(err instanceof IptablesError) || !/exists/i.test(err.stderr)) throw err;
    }
  }

  /** Our chains, the jumps to them from the built-in chains (first in each), and the canaries. */
  async ensureJumps(): Promise<void> {
    for (const j of JUMP_RULES) {
      await this.ensureChain(j.table, j.to);
      const args = jumpRuleArgs(j);
      try {
        await this.run(['iptables', '-w', '-t', j.table, '-C', j.from, ...args]);
      } catch (err) {
        if (!(err instanceof IptablesError)) throw err;
        await this.run(['iptables', '-w', '-t', j.table, '-I', j.from, '1', ...args]);
      }
    }
    for (const t of CANARY_TABLES) await this.ensureChain(t, KUBE_PROXY_CANARY);
  }

  /** False when a canary chain is gone: someone flushed the tables, and a full sync must rebuild them. */
  async canariesPresent(): Promise<boolean> {
    for (const t of CANARY_TABLES) {
      try {
        await this.run(['iptables', '-w', '-t', t, '-S', KUBE_PROXY_CANARY]);
      } catch (err) {
        if (err instanceof IptablesError) return false;
        throw err;
      }
    }
    return true;
  }

  async restore(input: string): Promise<void> {
    await this.run(['iptables-restore', '-w', '--noflush'], input);
  }

  /** The chains of `table` (from `iptables-save`). */
  async chains(table: Table): Promise<Set<string>> {
    const out = await this.run(['iptables-save', '-t', table]);
    return chainsFromSave(out);
  }

  /** Whether net.netfilter.nf_conntrack_tcp_be_liberal is set (read in the namespace the prefix selects). */
  async conntrackTCPLiberal(): Promise<boolean> {
    try {
      return (await this.run(['cat', '/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal'])).trim() !== '0';
    } catch {
      return false;
    }
  }
}

/** Chain names declared in iptables-save output (`:NAME POLICY [p:b]`). */
export function chainsFromSave(save: string): Set<string> {
  const chains = new Set<string>();
  for (const line of save.split('\n')) {
    if (line.startsWith(':')) chains.add(line.slice(1, line.indexOf(' ') > 0 ? line.indexOf(' ') : undefined));
  }
  return chains;
}
