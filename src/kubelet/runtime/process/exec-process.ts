// Commands run "in" a container (exec, probes): host processes with the container's
// environment and working directory, each leading its own process group so a timeout or a
// kill ends everything it started. A tty request runs on a pseudo-terminal (pty-exec.ts).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

import type { Clock } from '../../../client/clock.js';
import { ExecTimeoutError } from '../errors.js';
import type { ExecResult, StreamSession } from '../types.js';
import { signalGroup } from './proc.js';
import { execInPty, type ExecTracker } from './pty-exec.js';

export interface ExecSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Exit code as a shell reports it: a signal n gives 128+n. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? constants.signals[signal] : undefined;
  return n ? 128 + n : 255;
}

function spawnIn(spec: ExecSpec, stdin: boolean): ChildProcess {
  const [file, ...args] = spec.argv;
  return spawn(file!, args, {
    env: spec.env,
    cwd: spec.cwd,
    detached: true,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
}

/** Runs to completion; past `timeoutSeconds` (0: none) the process group is killed. */
export async function execToCompletion(
  spec: ExecSpec, timeoutSeconds: number, clock: Clock, track: (c: ChildProcess) => () => void,
): Promise<ExecResult> {
  const child = spawnIn(spec, false);
  const untrack = track(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  let timedOut = false;
  const timer = timeoutSeconds > 0
    ? clock.setTimeout(() => {
      timedOut = true;
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    }, timeoutSeconds * 1000)
    : undefined;
  try {
    const exitCode = await exitOf(child);
    if (timedOut) throw new ExecTimeoutError(spec.argv, timeoutSeconds);
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode };
  } finally {
    timer?.cancel();
    if (child.pid) signalGroup(child.pid, 'SIGKILL'); // whatever it left behind
    untrack();
  }
}

/** An interactive session for the streaming server. */
export function execStreaming(
  spec: ExecSpec, opts: { stdin: boolean; tty: boolean }, track: ExecTracker,
): Promise<StreamSession> {
  if (opts.tty) {
    try {
      return Promise.resolve(execInPty(spec, opts, track));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawnIn(spec, opts.stdin);
    const untrack = track(child);
    child.once('error', (e) => {
      untrack();
      reject(e);
    });
    child.once('spawn', () => {
      const exited = exitOf(child).finally(() => {
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
        untrack();
      });
      resolve({
        stdin: child.stdin ?? undefined,
        stdout: child.stdout!,
        stderr: child.stderr!,
        resize: () => undefined,
        exited,
        kill: () => {
          if (child.pid) signalGroup(child.pid, 'SIGKILL');
        },
      });
    });
  });
}
