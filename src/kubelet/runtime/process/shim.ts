// The shim: a few lines of sh that start the container and outlive the kubelet, as
// containerd-shim or conmon do. Started by the spawner helper (shim-spawner.ts), in the
// helper's own session (so a kubelet killed with its process group leaves it running), it:
//  - runs the container through `setsid`, so the container leads its own session and process
//    group, which stopContainer signals as a whole and the shim itself is outside of;
//  - sends the container's stdout and stderr to raw files (never to a pipe the kubelet holds:
//    a kubelet restart must not break the container's output);
//  - writes `<shim pid> <container pid>` to `pid`;
//  - waits, kills what is left in the container's process group (as a pid namespace ends
//    with its init), and writes the exit status to `exit`: sh reports death by signal n as
//    128+n, so SIGKILL gives 137 and SIGTERM 143, as Docker and containerd report them.
// Each file is written by one echo (one write(2)); a reader takes it only once it ends in a
// newline, so it never acts on half of one (a rename would cost an exec of mv on every start).
// Its files are tiny and local, so they are read synchronously: a read costs microseconds,
// less than the thread-pool round trip and promise of an asynchronous one, and these reads
// run for every container start and every status check.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SHIM_SCRIPT = [
  'd=$1; o=$2; i=$3; shift 3',
  // With stdin kept open (not stdinOnce) the shim holds a writer on the fifo, so the container
  // never reads EOF because no attach is connected.
  'if [ "$i" = keep ]; then exec 3<>"$d/stdin"; fi',
  'if [ "$i" = none ]; then src=/dev/null; else src="$d/stdin"; fi',
  // A background job of a shell without job control is no group leader, so setsid makes the
  // job itself (pid $!) a session and group leader, then execs the command: no fork, no shell
  // between. Until setsid has run the group does not exist; a stop that comes that early
  // signals the process itself (process-runtime.ts, signalContainer).
  'setsid "$@" <"$src" >>"$o/stdout" 2>>"$o/stderr" 3<&- &',
  'c=$!',
  'echo "$$ $c" >"$d/pid"',
  'wait "$c"',
  's=$?',
  'kill -s KILL -- "-$c" 2>/dev/null',
  'echo "$s" >"$d/exit"',
].join('\n');

/** How the container's stdin is wired: none (/dev/null), a fifo closed after the first attach, or kept open. */
export type StdinMode = 'none' | 'once' | 'keep';

export interface ShimSpawn {
  /** The container's state directory: pid, exit, stdin. */
  dir: string;
  /** Where its stdout and stderr files go. */
  outputDir: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: StdinMode;
}

/** The argv (after `/bin/sh -c`) that runs the shim for `s`; `coxswain-shim` names it in ps. */
export function shimArgv(s: ShimSpawn): string[] {
  return [SHIM_SCRIPT, 'coxswain-shim', s.dir, s.outputDir, s.stdin, ...s.argv];
}

export function pidFile(dir: string): string {
  return path.join(dir, 'pid');
}

export function exitFile(dir: string): string {
  return path.join(dir, 'exit');
}

/** The shim's and the container's pids, once the shim has written them. */
export function readPidsSync(dir: string): { shim: number; container: number } | undefined {
  try {
    const text = readFileSync(pidFile(dir), 'utf8');
    if (!text.endsWith('\n')) return undefined;
    const [shim, container] = text.trim().split(/\s+/).map(Number);
    if (!shim || !container) return undefined;
    return { shim, container };
  } catch {
    return undefined;
  }
}

/** The recorded exit status, once the shim has written it. */
export function readExitStatusSync(dir: string): number | undefined {
  // Checked on every status read while the container runs: no exception for the usual absence.
  if (!statSync(exitFile(dir), { throwIfNoEntry: false })) return undefined;
  try {
    const text = readFileSync(exitFile(dir), 'utf8');
    return text.endsWith('\n') && text.trim() !== '' ? Number(text.trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** readPidsSync, for callers that await. */
export async function readPids(dir: string): Promise<{ shim: number; container: number } | undefined> {
  return readPidsSync(dir);
}
