// An attach session: the container's own output from the moment of attaching (copied by its
// OutputPump), and its stdin fifo when it was created with stdin. Ending the session detaches;
// with stdinOnce, ending stdin also closes the container's stdin, as upstream.
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Writable } from 'node:stream';

import type { ExecOptions, StreamSession } from '../types.js';
import type { ContainerMonitor } from './container-monitor.js';

export interface AttachTarget {
  monitor: ContainerMonitor;
  /** The container's stdin fifo, when it has one. */
  stdin?: () => Promise<FileHandle>;
  /** Called when the session's stdin ends and the container has stdinOnce. */
  closeStdin?: () => Promise<void>;
}

export async function attachSession(target: AttachTarget, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> {
  const stdout = new PassThrough();
  const stderr = opts.tty ? stdout : new PassThrough();
  const unsubscribe = target.monitor.pump.subscribe((stream, chunk) => {
    if (stream === 'stdout' ? opts.stdout : opts.stderr) (stream === 'stdout' ? stdout : stderr).write(chunk);
  });
  let detached = false;
  const detach = () => {
    if (detached) return;
    detached = true;
    unsubscribe();
    stdout.end();
    if (stderr !== stdout) stderr.end();
  };
  const exited = target.monitor.exited.then((info) => {
    detach();
    return info.exitCode ?? 255;
  });
  let stdin: Writable | undefined;
  if (opts.stdin && target.stdin) {
    const handle = await target.stdin();
    const closeStdin = target.closeStdin;
    stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        handle.write(chunk).then(() => cb(), cb);
      },
      final: (cb) => {
        if (closeStdin) closeStdin().then(() => cb(), cb);
        else cb();
      },
    });
  }
  return {
    stdin,
    stdout: opts.stdout ? stdout : undefined,
    stderr: opts.stderr && !opts.tty ? stderr : undefined,
    resize: () => undefined,
    exited,
    kill: detach,
  };
}
