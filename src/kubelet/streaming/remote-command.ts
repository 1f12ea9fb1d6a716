// Runs an exec or attach session against the client's channels, whatever the wire protocol
// (WebSocket channel.k8s.io or SPDY streams): stdin flows in, stdout/stderr flow out, resize
// events reach the session, and the session's end is reported as a Status on the error
// channel once all output has been written (as upstream's remotecommand.ServeExec).
import type { Readable, Writable } from 'node:stream';
import type { StreamSession } from '../runtime/types.js';
import { exitStatus, internalErrorStatus, type ExecStatus } from './exec-status.js';

export interface TerminalSize {
  width: number;
  height: number;
}

/** The client's end of a remote command. */
export interface CommandChannels {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  onResize(listener: (size: TerminalSize) => void): void;
  /** Reports the outcome on the error channel and closes the connection. */
  finish(status: ExecStatus): Promise<void>;
  /** Resolves when the client goes away. */
  readonly closed: Promise<void>;
}

/** What the request asked for (query parameters stdin, stdout, stderr, tty, command). */
export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

export class RemoteCommandOptionsError extends Error {
  override name = 'RemoteCommandOptionsError';
}

/** As upstream's remotecommand.NewOptions (the kubelet accepts "1"; "true" is taken too). */
export function parseRemoteCommandOptions(query: URLSearchParams): RemoteCommandOptions {
  const flag = (k: string) => query.get(k) === '1' || query.get(k) === 'true';
  const tty = flag('tty');
  const opts: RemoteCommandOptions = {
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    // A terminal merges stderr into stdout: upstream drops stderr when tty is set.
    stderr: flag('stderr') && !tty,
    tty,
    command: query.getAll('command'),
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr) {
    throw new RemoteCommandOptionsError('you must specify at least 1 of stdin, stdout, stderr');
  }
  return opts;
}

/** Starts the session and serves it until it ends or the client leaves. */
export async function serveRemoteCommand(channels: CommandChannels, start: () => Promise<StreamSession>, command: string[]): Promise<void> {
  let session: StreamSession;
  try {
    session = await start();
  } catch (err) {
    await channels.finish(internalErrorStatus(err instanceof Error ? err.message : String(err)));
    return;
  }
  if (channels.stdin && session.stdin) {
    const sink = session.stdin;
    sink.on('error', () => undefined); // the process may exit without reading its input
    channels.stdin.pipe(sink as Writable);
  }
  channels.onResize((size) => session.resize?.(size.width, size.height));
  const outputs = [copyOut(session.stdout, channels.stdout), copyOut(session.stderr, channels.stderr)];
  const outcome = await Promise.race([
    Promise.all([session.exited, ...outputs]).then(([code]) => ({ code })),
    channels.closed.then(() => undefined),
  ]).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
  if (outcome === undefined) {
    session.kill();
    return;
  }
  if ('error' in outcome) {
    await channels.finish(internalErrorStatus(outcome.error));
    return;
  }
  await channels.finish(exitStatus(command, outcome.code));
}

/** Pipes a session output to a channel (or drains it); resolves when the output ends. */
function copyOut(from: NodeJS.ReadableStream | undefined, to: Writable | undefined): Promise<void> {
  if (!from) return Promise.resolve();
  return new Promise((resolve) => {
    const src = from as Readable;
    if (src.readableEnded) return resolve();
    src.once('end', () => resolve());
    src.once('close', () => resolve());
    src.once('error', () => resolve());
    if (to) src.pipe(to, { end: false });
    else src.resume();
  });
}
