// Serves a container's log from its CRI-format file with the PodLogOptions upstream's
// kubelet honours (kuberuntime/logs.ReadLogs): tailLines, sinceTime/sinceSeconds, timestamps,
// limitBytes and follow (keep reading while the container runs).
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseCriLogLine, parseRfc3339Nanos, rfc3339NanoOut } from './cri-log.js';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Only records at or after this time (ns since the epoch). */
  sinceNanos?: bigint;
}

export class LogOptionsError extends Error {
  override name = 'LogOptionsError';
}

/** Decodes PodLogOptions from a query string and validates them as upstream's ValidatePodLogOptions. */
export function parseLogOptions(query: URLSearchParams, nowMs: number): LogOptions {
  const bool = (k: string) => query.get(k) === 'true' || query.get(k) === '1';
  const int = (k: string): number | undefined => {
    const v = query.get(k);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new LogOptionsError(`${k}: invalid value "${v}"`);
    return Number(v);
  };
  const opts: LogOptions = { follow: bool('follow'), previous: bool('previous'), timestamps: bool('timestamps') };
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = query.get('sinceTime') || undefined;
  if (tailLines !== undefined && tailLines < 0) throw new LogOptionsError('tailLines: Invalid value: must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) throw new LogOptionsError('limitBytes: Invalid value: must be greater than 0');
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw new LogOptionsError('sinceSeconds: Invalid value: must be greater than 0');
  if (sinceSeconds !== undefined && sinceTime !== undefined) throw new LogOptionsError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  opts.tailLines = tailLines;
  opts.limitBytes = limitBytes;
  if (sinceSeconds !== undefined) opts.sinceNanos = BigInt(nowMs - sinceSeconds * 1000) * 1_000_000n;
  if (sinceTime !== undefined) {
    const nanos = parseRfc3339Nanos(sinceTime);
    if (nanos === undefined) throw new LogOptionsError(`sinceTime: invalid value "${sinceTime}"`);
    opts.sinceNanos = nanos;
  }
  return opts;
}

export interface LogStreamContext {
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Whether the container still runs (follow stops at the end of the file once it does not). */
  isRunning(): Promise<boolean>;
  /** How often follow re-checks the file and the container when no change is signalled. */
  pollMs?: number;
}

const CHUNK = 64 * 1024;

/** Writes the log at `path` to `out` as `opts` asks; resolves when done (the caller ends `out`). */
export async function streamContainerLog(path: string, opts: LogOptions, out: Writable, ctx: LogStreamContext): Promise<void> {
  let fh = await open(path, 'r');
  try {
    let pos = opts.tailLines === undefined ? 0 : await tailStart(fh, opts.tailLines);
    let pending = Buffer.alloc(0);
    let written = 0;
    let sawStopped = false;
    const buf = Buffer.allocUnsafe(CHUNK);
    while (!ctx.signal.aborted) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        pending = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        const end = pending.lastIndexOf(0x0a);
        if (end < 0) continue;
        let rendered = render(pending.subarray(0, end), opts);
        pending = pending.subarray(end + 1);
        if (opts.limitBytes !== undefined && written + rendered.length >= opts.limitBytes) {
          rendered = rendered.subarray(0, opts.limitBytes - written);
          await write(out, rendered, ctx.signal);
          return;
        }
        written += rendered.length;
        await write(out, rendered, ctx.signal);
        continue;
      }
      if (!opts.follow) return;
      // The log was rotated (renamed, a new file at the path, see src/kubelet/logs/): what the
      // old file held has been read, so carry on in the new one, as upstream's reader does.
      const next = await reopenIfRotated(path, fh);
      if (next) {
        fh = next;
        pos = 0;
        continue;
      }
      // As upstream: at the end of the file, follow stops once the container has stopped
      // (after one more read, so nothing written before the stop is lost).
      if (sawStopped) return;
      if (!(await ctx.isRunning())) {
        sawStopped = true;
        continue;
      }
      await waitForChange(path, ctx.signal, ctx.pollMs ?? 250);
    }
  } finally {
    await fh.close();
  }
}

/** Renders complete lines (without the final newline) as the log endpoint shows them. */
function render(lines: Buffer, opts: LogOptions): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start <= lines.length) {
    let nl = lines.indexOf(0x0a, start);
    if (nl < 0) nl = lines.length;
    const rec = parseCriLogLine(lines.subarray(start, nl));
    start = nl + 1;
    if (!rec) continue;
    if (opts.sinceNanos !== undefined && rec.nanos < opts.sinceNanos) continue;
    if (opts.timestamps) parts.push(Buffer.from(`${rfc3339NanoOut(rec.timestamp)} `));
    parts.push(rec.content);
  }
  return Buffer.concat(parts);
}

/** The offset where the last `n` lines of the file begin (upstream counts raw file lines). */
async function tailStart(fh: FileHandle, n: number): Promise<number> {
  const { size } = await fh.stat();
  if (n === 0) return size;
  let pos = size;
  let newlines = 0;
  const buf = Buffer.allocUnsafe(CHUNK);
  // The file's final newline ends the last line rather than starting a new one.
  let skipFinal = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) {
        skipFinal = false;
        continue;
      }
      if (skipFinal) {
        skipFinal = false;
        continue;
      }
      if (++newlines === n) return pos + i + 1;
    }
  }
  return 0;
}

async function write(out: Writable, data: Buffer, signal: AbortSignal): Promise<void> {
  if (data.length === 0 || out.destroyed) return;
  if (out.write(data)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A handle on the file now at `path` when it is not the one `fh` reads (the old one is closed). */
async function reopenIfRotated(path: string, fh: FileHandle): Promise<FileHandle | undefined> {
  const [current, now] = await Promise.all([fh.stat(), stat(path).catch(() => undefined)]);
  if (!now || (now.ino === current.ino && now.dev === current.dev)) return undefined;
  const next = await open(path, 'r').catch(() => undefined);
  if (next) await fh.close();
  return next;
}

/** Resolves when the file changes, after `pollMs`, or on abort, whichever comes first. */
function waitForChange(path: string, signal: AbortSignal, pollMs: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, pollMs);
    signal.addEventListener('abort', done, { once: true });
    try {
      watcher = watch(path, { persistent: false }, done);
      watcher.on('error', () => undefined);
    } catch {
      // The poll timer still wakes the reader.
    }
  });
}
