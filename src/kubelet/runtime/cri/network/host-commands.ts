// The only place the CRI runtime changes the host's network: `ip` (iproute2) and `iptables`
// run as child processes, and kernel settings read and written under /proc/sys (what
// `sysctl` does). Every command can run inside a named network namespace (`ip -n`, `ip netns
// exec`), which is how the tests exercise it without touching the host's own tables.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class HostCommandError extends Error {
  override readonly name = 'HostCommandError';
  constructor(readonly argv: string[], readonly stderr: string) {
    super(`${argv.join(' ')}: ${stderr.trim() || 'failed'}`);
  }
}

export interface HostNet {
  /** Runs `ip <args>` (in the namespace when set); resolves with stdout. */
  ip(args: string[]): Promise<string>;
  /** Runs `iptables`/`iptables-save`/`iptables-restore` with stdin (in the namespace when set). */
  iptables(tool: 'iptables' | 'iptables-save' | 'iptables-restore', args: string[], input?: string): Promise<string>;
  readSysctl(name: string): Promise<string>;
  writeSysctl(name: string, value: string): Promise<void>;
}

/** The host's network, or the network namespace `netns` (created with `ip netns add`). */
export function hostNet(netns?: string): HostNet {
  const exec = async (argv: string[], input?: string): Promise<string> => {
    const full = netns && argv[0] !== 'ip' ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
    try {
      if (input === undefined) return (await run(full[0]!, full.slice(1), { maxBuffer: 64 << 20 })).stdout;
      return await new Promise<string>((resolve, reject) => {
        const child = execFile(full[0]!, full.slice(1), { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
          err ? reject(Object.assign(err, { stderr })) : resolve(stdout));
        child.stdin!.end(input);
      });
    } catch (err) {
      throw new HostCommandError(full, String((err as { stderr?: string }).stderr ?? (err as Error).message));
    }
  };
  // /proc/sys is per network namespace for net.*: read it from inside the namespace.
  const sysctlPath = (name: string) => `/proc/sys/${name.replace(/\./g, '/')}`;
  return {
    ip: (args) => exec(['ip', ...(netns ? ['-n', netns] : []), ...args]),
    iptables: (tool, args, input) => exec([tool, ...args], input),
    readSysctl: async (name) => netns ? (await exec(['cat', sysctlPath(name)])).trim() : (await readFile(sysctlPath(name), 'utf8')).trim(),
    writeSysctl: async (name, value) => {
      if (netns) await exec(['sh', '-c', `echo ${value} > ${sysctlPath(name)}`]);
      else await writeFile(sysctlPath(name), `${value}\n`);
    },
  };
}

/** Whether a link of that name exists. */
export async function linkExists(net: HostNet, name: string): Promise<boolean> {
  try {
    await net.ip(['link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** The device the kernel would route `address` through (`ip route get`); sends nothing. */
export async function routeDevice(net: HostNet, address: string): Promise<string | undefined> {
  const out = await net.ip(['route', 'get', address]);
  return /\bdev (\S+)/.exec(out)?.[1];
}
