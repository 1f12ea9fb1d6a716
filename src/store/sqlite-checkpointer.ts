// Moves SQLite's WAL checkpoints off the event loop.
//
// SQLite's automatic checkpoint runs inside the commit that crosses wal_autocheckpoint
// (1000 pages): it copies the WAL into the database file and fsyncs both, blocking the
// event loop 8–18 ms every ~190 pod writes. The store turns it off (wal_autocheckpoint=0)
// and this class runs `PRAGMA wal_checkpoint(PASSIVE)` on a worker thread with its own
// connection to the same file, every `intervalMs` and whenever the store has written
// `nudgeBytes` since the last request. PASSIVE never takes the writer lock, so the main
// connection keeps committing while the worker copies and fsyncs.
//
// If the worker cannot start or dies, checkpoints fall back to a timer on the main thread
// (what SQLite itself would have done, just less often): a failed worker costs latency,
// never data. At stop the worker is ended first, then the main connection runs a TRUNCATE
// checkpoint so a cleanly closed store leaves an empty WAL.
//
// This file is also the worker's entry point: loaded in a worker with WORKER_MARK in its
// workerData it runs `runWorker()` instead of exporting anything useful.

import Database from 'better-sqlite3';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const WORKER_MARK = 'coxswain-sqlite-checkpointer';

/** The row `PRAGMA wal_checkpoint` returns: `log` frames in the WAL, `checkpointed` of them copied. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export type CheckpointerState = 'idle' | 'worker' | 'fallback' | 'stopped';

export interface WalCheckpointerOptions {
  /** Period of background checkpoints in ms. Default 1000. */
  intervalMs?: number;
  /** Bytes written since the last checkpoint request that trigger one early. Default 4 MiB. */
  nudgeBytes?: number;
  /** Worker entry module (tests point it at a module that fails, to exercise the fallback). */
  workerUrl?: URL;
}

type ToWorker = { type: 'checkpoint'; id: number } | { type: 'stop' };
type FromWorker = { type: 'checkpointed'; id: number; result: CheckpointResult };

interface WorkerConfig {
  mark: typeof WORKER_MARK;
  path: string;
  intervalMs: number;
}

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_NUDGE_BYTES = 4 * 1024 * 1024;

export class WalCheckpointer {
  private stateValue: CheckpointerState = 'idle';
  private worker: Worker | undefined;
  /** The worker being terminated after a failure, until it has exited. */
  private failedWorker: Worker | undefined;
  private workerExited: Promise<void> = Promise.resolve();
  private workerAlive = false;
  private fallbackTimer: ReturnType<typeof setInterval> | undefined;
  private bytesSinceNudge = 0;
  private nextId = 1;
  private readonly pending = new Map<number, (result: CheckpointResult) => void>();
  private readonly intervalMs: number;
  private readonly nudgeBytes: number;
  private readonly workerUrl: URL;

  /** `db` is the store's own connection (used for the fallback and the final checkpoint); `path` its file. */
  constructor(private readonly db: Database.Database, private readonly path: string, opts: WalCheckpointerOptions = {}) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.nudgeBytes = opts.nudgeBytes ?? DEFAULT_NUDGE_BYTES;
    this.workerUrl = opts.workerUrl ?? new URL(import.meta.url);
  }

  get state(): CheckpointerState {
    return this.stateValue;
  }

  /** Whether a worker thread exists (started and not yet exited). */
  get workerRunning(): boolean {
    return this.workerAlive;
  }

  start(): void {
    if (this.stateValue !== 'idle') throw new Error(`checkpointer cannot start: ${this.stateValue}`);
    const config: WorkerConfig = { mark: WORKER_MARK, path: this.path, intervalMs: this.intervalMs };
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl, { workerData: config });
    } catch {
      this.fallBack();
      return;
    }
    this.worker = worker;
    this.workerAlive = true;
    this.stateValue = 'worker';
    // Checkpointing alone must not keep the process alive (the store may be dropped unclosed).
    worker.unref();
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'checkpointed') this.settle(msg.id, msg.result);
    });
    // Any failure of the worker — an exception, a bad message, an unexpected exit — only
    // moves checkpoints back to this thread.
    worker.on('error', () => this.fallBack());
    worker.on('messageerror', () => this.fallBack());
    this.workerExited = new Promise((resolve) => worker.once('exit', () => {
      this.workerAlive = false;
      if (this.worker === worker) this.fallBack();
      resolve();
    }));
  }

  /** The store calls this after each commit with the bytes it wrote. */
  noteWrite(bytes: number): void {
    this.bytesSinceNudge += bytes;
    if (this.bytesSinceNudge < this.nudgeBytes) return;
    this.bytesSinceNudge = 0;
    if (this.stateValue === 'worker') this.post({ type: 'checkpoint', id: 0 });
    else if (this.stateValue === 'fallback') this.checkpointHere();
  }

  /** Runs one PASSIVE checkpoint now (on the worker when there is one) and reports it. */
  checkpointNow(): Promise<CheckpointResult> {
    if (this.stateValue === 'worker') {
      const id = this.nextId++;
      return new Promise((resolve) => {
        // An unanswered request keeps the process alive; settle() lets go again.
        if (this.pending.size === 0) this.worker!.ref();
        this.pending.set(id, resolve);
        this.post({ type: 'checkpoint', id });
      });
    }
    if (this.stateValue === 'stopped') return Promise.reject(new Error('checkpointer stopped'));
    return Promise.resolve(this.checkpointHere());
  }

  /** Ends the worker or the timer, then leaves the WAL empty. Idempotent; the store closes `db` after. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopped';
    this.clearFallbackTimer();
    const worker = this.worker;
    this.worker = undefined;
    if (worker) this.post({ type: 'stop' }, worker);
    if (this.workerAlive) {
      // Keep the process alive until the worker has closed its connection and exited.
      (worker ?? this.failedWorker)?.ref();
      await this.workerExited;
    }
    this.failedWorker = undefined;
    // A request the worker never answered is answered here, so no caller hangs. If even
    // this fails, closing the connection still checkpoints (SQLite does on last close).
    let last: CheckpointResult;
    try {
      last = checkpoint(this.db, 'TRUNCATE');
    } catch {
      last = { busy: 1, log: -1, checkpointed: -1 };
    }
    for (const resolve of this.pending.values()) resolve(last);
    this.pending.clear();
  }

  private fallBack(): void {
    if (this.stateValue === 'stopped' || this.stateValue === 'fallback') return;
    const worker = this.worker;
    this.worker = undefined;
    this.stateValue = 'fallback';
    if (worker) {
      this.failedWorker = worker;
      void worker.terminate().catch(() => {});
    }
    this.fallbackTimer = setInterval(() => this.checkpointHere(), this.intervalMs);
    this.fallbackTimer.unref();
    // Requests the dead worker held are served here.
    if (this.pending.size > 0) {
      const result = this.checkpointHere();
      for (const id of [...this.pending.keys()]) this.settle(id, result);
    }
  }

  private checkpointHere(): CheckpointResult {
    try {
      return checkpoint(this.db, 'PASSIVE');
    } catch {
      // The connection is closing or busy: the next tick tries again.
      return { busy: 1, log: -1, checkpointed: -1 };
    }
  }

  private settle(id: number, result: CheckpointResult): void {
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    resolve(result);
  }

  private post(msg: ToWorker, worker = this.worker): void {
    try {
      worker?.postMessage(msg);
    } catch {
      this.fallBack();
    }
  }

  private clearFallbackTimer(): void {
    if (this.fallbackTimer !== undefined) clearInterval(this.fallbackTimer);
    this.fallbackTimer = undefined;
  }
}

function checkpoint(db: Database.Database, mode: 'PASSIVE' | 'TRUNCATE'): CheckpointResult {
  return (db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[])[0]!;
}

/** The worker side: its own connection, a timer, and requests from the store. */
function runWorker(config: WorkerConfig): void {
  const port = parentPort!;
  const db = new Database(config.path, { fileMustExist: true });
  // The checkpoint streams frames from the WAL to the file; it needs no page cache.
  db.pragma('cache_size = 16');
  const run = (id: number) => {
    const result = checkpoint(db, 'PASSIVE');
    if (id !== 0) port.postMessage({ type: 'checkpointed', id, result } satisfies FromWorker);
  };
  const timer = setInterval(() => run(0), config.intervalMs);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'checkpoint') {
      run(msg.id);
    } else {
      clearInterval(timer);
      db.close();
      port.close();
    }
  });
}

if (!isMainThread && (workerData as Partial<WorkerConfig> | null)?.mark === WORKER_MARK) {
  runWorker(workerData as WorkerConfig);
}
