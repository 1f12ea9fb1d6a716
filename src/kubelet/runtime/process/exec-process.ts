// Commands run "in" a container (exec, probes): host processes with the container's
// environment and working directory, each leading its own process group so a timeout or a
// kill ends everything it started. There is no pty: a tty request is served over pipes with
// stderr merged into stdout (what a terminal would show), and resize does nothing.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';

import type { Clock } from '../../../client/clock.js';
import { ExecTimeoutError } from '../errors.js';
import type { ExecResult, StreamSession } from '../types.js';
import { signalGroup } from './proc.js';

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
  spec: ExecSpec, opts: { stdin: boolean; tty: boolean }, track: (c: ChildProcess) => () => void,
): Promise<StreamSession> {
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
      let stdout: NodeJS.ReadableStream = child.stdout!;
      let stderr: NodeJS.ReadableStream | undefined = child.stderr!;
      if (opts.tty) {
        // One terminal: both streams arrive on stdout.
        const merged = new PassThrough();
        let open = 2;
        for (const s of [child.stdout!, child.stderr!]) {
          s.on('data', (b: Buffer) => merged.write(b));
          s.on('end', () => {
            if (--open === 0) merged.end();
          });
        }
        stdout = merged;
        stderr = undefined;
      }
      resolve({
        stdin: child.stdin ?? undefined,
        stdout,
        stderr,
        resize: () => undefined,
        exited,
        kill: () => {
          if (child.pid) signalGroup(child.pid, 'SIGKILL');
        },
      });
    });
  });
}
