// Runs iptables, iptables-save and iptables-restore as child processes, optionally behind a
// command prefix such as `ip netns exec <ns>` so that tests and benches work inside a
// network namespace of their own and never touch the host's tables.
import { execFile } from 'node:child_process';

export class IptablesError extends Error {
  override readonly name = 'IptablesError';
  constructor(readonly argv: readonly string[], readonly stderr: string, readonly exitCode: number | undefined) {
    super(`${argv.join(' ')}: ${stderr.trim() || `exit ${exitCode}`}`);
  }
}

export type RunCommand = (argv: readonly string[], input?: string) => Promise<string>;

/** A runner that spawns `prefix… argv…`, writes `input` to stdin, and resolves with stdout. */
export function commandRunner(prefix: readonly string[] = []): RunCommand {
  return (argv, input) => {
    const full = [...prefix, ...argv];
    return new Promise<string>((resolve, reject) => {
      const child = execFile(full[0]!, full.slice(1), { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new IptablesError(full, String(stderr), typeof err.code === 'number' ? err.code : undefined));
        else resolve(stdout);
      });
      child.stdin?.on('error', () => {}); // the exit status reports what went wrong
      child.stdin?.end(input ?? '');
    });
  };
}
