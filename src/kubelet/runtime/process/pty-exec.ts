// `exec -t` in the process runtime: the command runs on a pseudo-terminal (node-pty), so
// shells are interactive (prompt, line editing, job control) and programs see a terminal of
// the size the client reports. As with a terminal under a CRI runtime, stdout and stderr are
// one stream and resize events reach the pty (TIOCSWINSZ, so the program gets SIGWINCH).
// The pty's child leads its own session and process group, which kill() signals as a whole.
import { PassThrough, Writable } from 'node:stream';
import { spawn as spawnPty, type IPty } from 'node-pty';

import type { StreamSession } from '../types.js';
import type { ExecSpec } from './exec-process.js';
import { signalGroup } from './proc.js';

/** A terminal size until the client's first resize, as a terminal emulator opens. */
const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;
/** What a terminal sends for end of input (^D): closing the client's stdin reaches the program as EOF. */
const EOT = '\x04';

export type ExecTracker = (proc: { pid?: number }) => () => void;

/** Exit code as a shell reports it: death by signal n gives 128+n. */
function ptyExitCode(e: { exitCode: number; signal?: number }): number {
  return e.signal ? 128 + e.signal : e.exitCode;
}

export function execInPty(spec: ExecSpec, opts: { stdin: boolean }, track: ExecTracker): StreamSession {
  const [file, ...args] = spec.argv;
  const term = spec.env.TERM || 'xterm';
  const pty: IPty = spawnPty(file!, args, {
    name: term,
    cols: DEFAULT_COLS,
    rows: DEFAULT_ROWS,
    cwd: spec.cwd,
    env: { ...spec.env, TERM: term },
    encoding: null,
  });
  const untrack = track({ pid: pty.pid });
  const stdout = new PassThrough();
  let exitedFlag = false;
  const data = pty.onData((d: string | Buffer) => stdout.write(typeof d === 'string' ? Buffer.from(d) : d));
  const exited = new Promise<number>((resolve) => {
    pty.onExit((e) => {
      exitedFlag = true;
      // The exit is reported once the pty has no more output, so nothing is lost by ending here.
      data.dispose();
      stdout.end();
      signalGroup(pty.pid, 'SIGKILL'); // what the command left behind in its group
      untrack();
      resolve(ptyExitCode(e));
    });
  });
  let stdin: Writable | undefined;
  if (opts.stdin) {
    stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (!exitedFlag) pty.write(chunk);
        cb();
      },
      final: (cb) => {
        if (!exitedFlag) pty.write(EOT);
        cb();
      },
    });
  }
  return {
    stdin,
    stdout,
    resize: (cols, rows) => {
      // A resize racing the exit would hit a closed pty.
      if (exitedFlag || cols <= 0 || rows <= 0) return;
      try {
        pty.resize(cols, rows);
      } catch {
        /* the pty closed between the check and the ioctl */
      }
    },
    exited,
    kill: () => signalGroup(pty.pid, 'SIGKILL'),
  };
}
