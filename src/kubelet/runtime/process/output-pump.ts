// Copies a container's raw stdout/stderr files (written by the shim) into its CRI log file and
// to attached sessions. The offsets it has consumed are saved in the container's state
// directory, so a new runtime (a kubelet restart) resumes where the last one stopped; lines
// that arrived while no kubelet ran are stamped with the time they are read. The log file is
// opened by path for each batch, so a rotation (rename) by the kubelet is followed. The raw
// files only grow (the shim appends), so what has been copied is punched out of them
// (fallocate) in large steps: their size keeps counting, the disk they use does not.
import { execFile } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { appendFile, mkdir, poolFs, type StateFs } from '../../fs-async.js';
import path from 'node:path';

import type { Clock } from '../../../client/clock.js';
import type { Logger } from '../../../logger.js';
import { CriLineSplitter } from './cri-log.js';
import { writeJsonAtomic } from './records.js';
import type { LogStream } from './cri-log.js';

const STREAMS: LogStream[] = ['stdout', 'stderr'];
const READ_CHUNK = 64 * 1024;
const OFFSET_SAVE_INTERVAL_MS = 1000;
/**
 * Copied raw output is released in steps of this size: one `fallocate` run each (a fork of the
 * kubelet's process costs a few milliseconds of its event loop), so a raw file uses at most
 * about this much disk whatever the container writes.
 */
export const RAW_RELEASE_STEP_BYTES = 16 * 1024 * 1024;
const BLOCK = 4096;

export type OutputListener = (stream: LogStream, chunk: Buffer) => void;

interface StreamState {
  splitter: CriLineSplitter;
  /** Bytes of the raw file read so far. */
  offset: number;
  /** The raw file, open for reading. */
  fd?: number;
  /** Bytes at the start of the raw file already given back to the file system. */
  released: number;
}

export class OutputPump {
  private readonly streams = new Map<LogStream, StreamState>();
  private readonly listeners = new Set<OutputListener>();
  private chain: Promise<void> = Promise.resolve();
  private ended = false;
  /** fallocate is missing, or the file system cannot punch holes: raw files are kept whole. */
  private releaseUnsupported = false;
  private savedOffsets = '';
  private savedAt = 0;
  /** A save due once the interval has passed, for output that arrived just after one. */
  private saveTimer: NodeJS.Timeout | undefined;

  private constructor(
    /** The container's state directory (offsets.json). */
    private readonly dir: string,
    /** Where the raw stdout and stderr files are. */
    private readonly outputDir: string,
    private readonly logPath: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    offsets: Record<LogStream, number>,
    /** How offsets.json is written (inline in a memory-backed state directory). */
    private readonly stateFs: StateFs,
  ) {
    for (const s of STREAMS) this.streams.set(s, { splitter: new CriLineSplitter(s), offset: offsets[s], released: 0 });
    this.savedOffsets = JSON.stringify(offsets);
  }

  /** A pump of the raw files in `outputDir`, resuming from the offsets saved in `dir` (0 for a new container). */
  static open(dir: string, outputDir: string, logPath: string, clock: Clock, logger: Logger, stateFs: StateFs = poolFs): OutputPump {
    let offsets: Record<LogStream, number> = { stdout: 0, stderr: 0 };
    try {
      const saved = JSON.parse(readFileSync(path.join(dir, 'offsets.json'), 'utf8')) as Partial<Record<LogStream, number>>;
      offsets = { stdout: saved.stdout ?? 0, stderr: saved.stderr ?? 0 };
    } catch {
      // a new container
    }
    return new OutputPump(dir, outputDir, logPath, clock, logger, offsets, stateFs);
  }

  /** Receives raw output read from now on (attach). */
  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what is new; calls run one after another. */
  pump(): Promise<void> {
    return this.enqueue(() => this.readAll());
  }

  /** The container exited: reads the rest and writes unfinished lines as full ones. */
  finish(): Promise<void> {
    return this.enqueue(async () => {
      await this.readAll();
      if (this.ended) return;
      const now = this.clock.now();
      const tail = STREAMS.flatMap((s) => this.streams.get(s)!.splitter.end(now));
      await this.append(tail);
      this.ended = true;
      await this.saveOffsets();
      this.closeHandles();
    });
  }

  /** Stops reading (the container keeps running); saves where to resume. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      await this.saveOffsets();
      this.closeHandles();
      this.listeners.clear();
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((err: unknown) => {
      this.logger.warn('container output copy failed', { dir: this.dir, err: String(err) });
    });
    this.chain = next;
    return next;
  }

  // Reads synchronously (the raw files are in the page cache, a batch at most READ_CHUNK per
  // stream); appends, which allocate blocks in the journal, through the pool (fs-async.ts).
  private async readAll(): Promise<void> {
    if (this.ended) return;
    let changed = false;
    for (const stream of STREAMS) {
      const st = this.streams.get(stream)!;
      if (st.fd === undefined) {
        try {
          st.fd = openSync(path.join(this.outputDir, stream), 'r');
        } catch {
          continue; // not created yet
        }
      }
      for (;;) {
        // Most checks find nothing new: an fstat (microseconds, no allocation) says so without
        // a read, and a buffer is only allocated for what is there. (A 64 KiB buffer per check
        // of each stream of each container was most of the process's memory between GCs.)
        const unread = fstatSync(st.fd).size - st.offset;
        if (unread <= 0) break;
        const size = Math.min(unread, READ_CHUNK);
        const buf = Buffer.allocUnsafe(size);
        const bytesRead = readSync(st.fd, buf, 0, size, st.offset);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        st.offset += bytesRead;
        changed = true;
        for (const l of this.listeners) l(stream, chunk);
        await this.append(st.splitter.push(chunk, this.clock.now()));
      }
    }
    // Saved at most once a second while running (and always on close and at the end): a
    // kubelet that crashes may copy up to a second of output twice, never lose it.
    if (!changed) return;
    const wait = OFFSET_SAVE_INTERVAL_MS - (Date.now() - this.savedAt);
    if (wait <= 0) await this.saveOffsets();
    else this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      void this.enqueue(() => this.saveOffsets());
    }, wait).unref();
  }

  private async append(lines: Buffer[]): Promise<void> {
    if (lines.length === 0) return;
    try {
      await appendFile(this.logPath, Buffer.concat(lines));
    } catch {
      await mkdir(path.dirname(this.logPath), { recursive: true });
      await appendFile(this.logPath, Buffer.concat(lines));
    }
  }

  /** Saves the start of each unfinished line, so a restart re-reads it whole. */
  private async saveOffsets(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const offsets: Record<string, number> = {};
    for (const s of STREAMS) {
      const st = this.streams.get(s)!;
      offsets[s] = this.ended ? st.offset : st.offset - st.splitter.pendingBytes;
    }
    const text = JSON.stringify(offsets);
    if (text === this.savedOffsets) return;
    await writeJsonAtomic(path.join(this.dir, 'offsets.json'), offsets, this.stateFs);
    this.savedOffsets = text;
    this.savedAt = Date.now();
    if (!this.ended) this.releaseCopied(offsets);
  }

  /**
   * Punches what is copied and saved out of the raw files. Only below the saved offsets: a new
   * runtime resumes there, and a hole reads as zeros.
   */
  private releaseCopied(saved: Record<string, number>): void {
    if (this.releaseUnsupported) return;
    for (const s of STREAMS) {
      const st = this.streams.get(s)!;
      const upTo = Math.floor(saved[s]! / BLOCK) * BLOCK;
      if (upTo - st.released < RAW_RELEASE_STEP_BYTES) continue;
      const from = st.released;
      st.released = upTo;
      execFile('fallocate', ['--punch-hole', '--offset', String(from), '--length', String(upTo - from), path.join(this.outputDir, s)], (err) => {
        if (!err) return;
        this.releaseUnsupported = true;
        this.logger.debug('cannot release copied container output; raw files are kept whole', { dir: this.outputDir, err: String(err) });
      });
    }
  }

  private closeHandles(): void {
    for (const st of this.streams.values()) {
      if (st.fd !== undefined) {
        try { closeSync(st.fd); } catch { /* already closed */ }
      }
      st.fd = undefined;
    }
  }
}
