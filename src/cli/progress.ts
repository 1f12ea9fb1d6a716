// How the CLI reports long steps: a spinner on an interactive terminal, one plain line per
// finished step otherwise (pipes, CI logs), nothing at all in tests.
import ora, { type Ora } from 'ora';

export interface Progress {
  /** A step begins. */
  start(text: string): void;
  /** The current step finished; `text` replaces its description. */
  succeed(text?: string): void;
  /** The current step failed. */
  fail(text?: string): void;
}

export const silentProgress: Progress = { start() {}, succeed() {}, fail() {} };

/**
 * ora's own test for interactivity (a TTY, a capable TERM, no CI variable), plus a known
 * width: ora counts wrapped lines by the column count and misbehaves on a zero-width pty.
 */
export function isInteractive(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && process.env.TERM !== 'dumb' && !('CI' in process.env);
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return isInteractive(stream) ? spinnerProgress(stream) : lineProgress(stream);
}

function spinnerProgress(stream: NodeJS.WriteStream): Progress {
  // discardStdin off: ora would put stdin in raw mode, and Ctrl-C must reach our handler.
  const spinner: Ora = ora({ stream, discardStdin: false });
  return {
    start: (text) => void spinner.start(text),
    succeed: (text) => void spinner.succeed(text),
    fail: (text) => void spinner.fail(text),
  };
}

function lineProgress(stream: NodeJS.WriteStream): Progress {
  let current = '';
  return {
    start: (text) => {
      current = text;
    },
    succeed: (text) => void stream.write(`ok    ${text ?? current}\n`),
    fail: (text) => void stream.write(`FAIL  ${text ?? current}\n`),
  };
}
