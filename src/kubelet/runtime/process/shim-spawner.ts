// Starts shims from one long-lived helper `sh` instead of from the kubelet's own process.
// Forking is cheap for a small process and costly for a large one: child_process.spawn from
// a Node process of ~150 MB blocks its event loop for 6–30 ms per call (page tables are
// copied at fork), so 100 pods started at once stalled everything else in `coxswain up` —
// API server included — for seconds. The helper, a shell of about a megabyte, forks cheaply.
//
// Protocol, one line per request on the helper's stdin:
//   L <sh command>  run the command in a background subshell (a fork of the helper, no exec):
//                   it enters the container's working directory, sets exactly the container's
//                   environment and execs the shim; every word is single-quoted, newlines in
//                   values are spliced in from $nl, so the line is one line whatever it holds;
//   W <pid>         reap that shim (it has recorded its exit), so no zombie lingers.
// The helper runs in a session of its own with an empty environment, so the shims it starts
// are outside `coxswain up`'s process group (a Ctrl-C there does not reach them) and inherit
// nothing. Shims stay children of the helper (so of `coxswain up`, as before); when the
// kubelet's process ends, the helper reads EOF and exits, and the shims keep the containers
// running for the next kubelet to adopt.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

import type { Logger } from '../../../logger.js';

const HELPER_SCRIPT = [
  'nl="',
  '"',
  'while IFS=" " read -r op arg; do',
  '  case $op in',
  '    L) ( eval "$arg" ) </dev/null >/dev/null 2>&1 & ;;',
  '    W) wait "$arg" 2>/dev/null ;;',
  '  esac',
  'done',
].join('\n');

/**
 * Quotes a word for sh on one line: single quotes hold every byte but the single quote itself
 * and the newline, which are spliced in (the helper's $nl holds a newline).
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`).replace(/\n/g, `'"$nl"'`)}'`;
}

export interface LaunchSpec {
  /** The shim script and its arguments (argv[0] names it in ps: coxswain-shim). */
  shimArgv: string[];
  env: Record<string, string>;
  cwd: string;
}

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The command that starts a shim. A working directory that cannot be entered fails the start
 * (127, and no pid file). The variables `cd` sets are unset before the container's own are
 * exported; names that are not shell identifiers (Kubernetes allows any printable name but
 * `=`) go through `env -i` instead, at the cost of one more exec. Every word that may hold a
 * newline is expanded before the container's variables are set (one `set --`, one `export`),
 * so a container variable named `nl` cannot change what follows.
 */
export function launchCommand(s: LaunchSpec): string {
  const entries = Object.entries(s.env);
  const shim = ['/bin/sh', '-c', ...s.shimArgv].map(shellQuote).join(' ');
  const cd = `cd -- ${shellQuote(s.cwd)} || exit 127`;
  const assignments = entries.map(([k, v]) => shellQuote(`${k}=${v}`)).join(' ');
  if (entries.every(([k]) => SHELL_NAME.test(k))) {
    return `${cd}; unset PWD OLDPWD; set -- ${shim}; ${assignments ? `export ${assignments}; ` : ''}exec "$@"`;
  }
  return `${cd}; exec env -i -- ${assignments} ${shim}`;
}

export class ShimSpawner {
  private helper: ChildProcess | undefined;
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /**
   * Asks the helper to start a shim. Returns once the request is handed over; the caller
   * learns of the start from the pid file the container writes.
   */
  launch(spec: LaunchSpec): void {
    if (this.closed) throw new Error('the shim spawner is closed');
    this.send(`L ${launchCommand(spec)}\n`);
  }

  /** Reaps a shim that has recorded its container's exit (a no-op for one it did not start). */
  reap(shimPid: number): void {
    if (this.closed || !this.helper) return;
    this.send(`W ${shimPid}\n`);
  }

  /** The helper's pid while it runs (tests, diagnostics). */
  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  /** Ends the helper (it exits at EOF); running shims and containers are left alone. */
  close(): void {
    this.closed = true;
    this.helper?.stdin?.end();
    this.helper = undefined;
  }

  private send(line: string): void {
    const helper = this.ensureHelper();
    helper.stdin!.write(line);
  }

  private ensureHelper(): ChildProcess {
    if (this.helper && this.helper.exitCode === null && this.helper.signalCode === null) return this.helper;
    // Its own session: a Ctrl-C to `coxswain up`'s terminal does not reach it (nor the shims).
    const helper = spawn('/bin/sh', ['-c', HELPER_SCRIPT, 'coxswain-shim-spawner'], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: {} });
    helper.on('error', (err) => this.logger.warn('shim spawner failed', { err: String(err) }));
    helper.stdin!.on('error', (err) => this.logger.warn('shim spawner input failed', { err: String(err) }));
    helper.once('exit', (code, signal) => {
      if (this.helper === helper) this.helper = undefined;
      if (!this.closed) this.logger.warn('shim spawner exited; a new one starts with the next container', { code, signal });
    });
    // Neither the helper nor its pipe keeps `coxswain up` alive.
    helper.unref();
    (helper.stdin as unknown as { unref?: () => void }).unref?.();
    this.helper = helper;
    return helper;
  }
}
