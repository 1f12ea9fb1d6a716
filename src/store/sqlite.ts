// The default embedded store: etcd-shaped MVCC on SQLite (better-sqlite3, WAL).
//
// Shape: `kv` holds the current value of every live key (the hot path: get, list, count,
// CAS); `log` is an append-only event log, one row per revision, used for watch replay and
// reads at a past revision. A log row stores its new value and points at the key's previous
// row (`prev_rev`) instead of copying the old value, so every write stores its value twice
// (kv + log), not three times as kine's old_value column does.
//
// Compaction keeps, for every key, its newest row at or below the compacted revision unless
// that row is a deletion (what etcd keeps), so (a) any revision >= compacted can be rebuilt
// from the log alone and (b) every retained row's `prev_rev` still resolves.
//
// This store is the only writer of its file — the data dir's pid lock
// (src/cli/data-dir-lock.ts) keeps a second server out — so revisions come from an
// in-memory counter and every write is one short synchronous transaction. The file is not
// opened with locking_mode=EXCLUSIVE only so that a second, read-only connection on a
// worker thread can run WAL checkpoints off the event loop (sqlite-checkpointer.ts); that
// connection never writes rows.
//
// Group commit: writes issued in the same turn of the event loop (e.g. by many concurrent
// requests) are applied in one transaction at the end of the turn (setImmediate), each
// taking the next revision in call order. Every single write either applies completely or
// changes nothing (its compare-and-swap fails before any row is touched), so one failed
// precondition never affects its neighbours; their events are published after the commit.
// One commit per batch rather than per write cuts the WAL frames and syscalls per write.

import Database from 'better-sqlite3';
import { CompactionTimer, realIntervalClock, type IntervalClock } from './compaction-timer.js';
import { WalCheckpointer, type CheckpointResult, type WalCheckpointerOptions } from './sqlite-checkpointer.js';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchErrorHandler,
  type WatchEvent,
  type WatchHandler, WatchProgressHandler,
} from './types.js';
import { WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** Automatic compaction period in ms; 0 disables it. Default 5 minutes (kube-apiserver's default). */
  compactInterval?: number;
  /** Revisions of history always kept by automatic compaction. Default 1000 (kine's minimum retention). */
  compactKeep?: number;
  /** Timer source for automatic compaction (tests pass a fake). */
  clock?: IntervalClock;
  /**
   * 'normal' (default): with WAL, a committed write survives the process being killed
   * (kill -9, crash) because it is in the OS page cache; an OS crash or power loss can lose
   * the last writes but never corrupts the database. 'full' fsyncs every commit, as etcd
   * does, at a large cost per write. The cluster this backs is a single node whose own
   * state dies with a power loss anyway, so 'normal' is the right default.
   */
  synchronous?: 'normal' | 'full';
  /** Background WAL checkpoints (period, early trigger); see sqlite-checkpointer.ts. */
  checkpoint?: WalCheckpointerOptions;
}

const DEFAULT_COMPACT_INTERVAL = 5 * 60 * 1000;
const DEFAULT_COMPACT_KEEP = 1000;
/** Revisions per compaction transaction, so a large compaction never blocks writers for long. */
const COMPACT_BATCH = 10_000;

const SCHEMA = `
-- A rowid table plus the key index rather than WITHOUT ROWID: count and a page's 'remaining'
-- then scan only the small index (7x faster with 1 KiB values, measured with bench/store.ts).
CREATE TABLE IF NOT EXISTS kv (
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  create_rev INTEGER NOT NULL,
  prev_rev INTEGER,
  value TEXT
);
CREATE INDEX IF NOT EXISTS log_key_rev ON log (key, rev);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

const EVENT_COLUMNS = `l.rev, l.key, l.deleted, l.value, l.create_rev,
  p.rev AS p_rev, p.value AS p_value, p.create_rev AS p_create_rev`;

interface KvRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

interface LogEventRow {
  rev: number;
  key: string;
  deleted: number;
  value: string | null;
  create_rev: number;
  p_rev: number | null;
  p_value: string | null;
  p_create_rev: number | null;
}

/** A write waiting for the next group commit; `apply` throws only precondition errors. */
interface PendingWrite {
  apply(rev: number): { kv: KeyValue; event: WatchEvent };
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
  bytes: number;
}

function isPreconditionError(e: unknown): boolean {
  return e instanceof KeyExistsError || e instanceof KeyNotFoundError || e instanceof RevisionMismatchError;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  private readonly compactionTimer: CompactionTimer;
  private readonly checkpointer: WalCheckpointer;
  private revision: number;
  private compacted: number;
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;

  private readonly stmts;
  private readonly commitBatch;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // No checkpoint inside a commit: the checkpointer runs them on a worker thread.
    this.db.pragma('wal_autocheckpoint = 0');
    // After a burst, the WAL file is cut back to this size when it is next reset.
    this.db.pragma('journal_size_limit = 67108864');
    this.db.pragma('cache_size = -65536');
    this.db.exec(SCHEMA);

    const db = this.db;
    this.stmts = {
      get: db.prepare<[string], Omit<KvRow, 'key'>>('SELECT value, create_rev, mod_rev FROM kv WHERE key = ?'),
      insertKv: db.prepare('INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING'),
      updateKv: db.prepare<[string, number, string, number], { create_rev: number }>(
        'UPDATE kv SET value = ?, mod_rev = ? WHERE key = ? AND mod_rev = ? RETURNING create_rev',
      ),
      deleteKv: db.prepare<[string], Omit<KvRow, 'key'>>('DELETE FROM kv WHERE key = ? RETURNING value, create_rev, mod_rev'),
      deleteKvIf: db.prepare<[string, number], Omit<KvRow, 'key'>>(
        'DELETE FROM kv WHERE key = ? AND mod_rev = ? RETURNING value, create_rev, mod_rev',
      ),
      insertLog: db.prepare('INSERT INTO log (rev, key, deleted, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)'),
      // Current lists: `from` is inclusive (the prefix itself), `after` exclusive (a continuation).
      listFrom: db.prepare<[string, string, number], KvRow>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      listAfter: db.prepare<[string, string, number], KvRow>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE key > ? AND key < ? ORDER BY key LIMIT ?',
      ),
      countFrom: db.prepare<[string, string], number>('SELECT count(*) FROM kv WHERE key >= ? AND key < ?').pluck(),
      countAfter: db.prepare<[string, string], number>('SELECT count(*) FROM kv WHERE key > ? AND key < ?').pluck(),
      // Past lists: for each key, its newest log row at or below the revision, if not a deletion.
      // (SQLite takes bare columns from the row holding max().)
      listAtFrom: db.prepare<[string, string, number, number], KvRow>(
        `SELECT key, value, create_rev, mod_rev FROM (
           SELECT key, max(rev) AS mod_rev, deleted, value, create_rev FROM log
           WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key
         ) WHERE deleted = 0 ORDER BY key LIMIT ?`,
      ),
      listAtAfter: db.prepare<[string, string, number, number], KvRow>(
        `SELECT key, value, create_rev, mod_rev FROM (
           SELECT key, max(rev) AS mod_rev, deleted, value, create_rev FROM log
           WHERE key > ? AND key < ? AND rev <= ? GROUP BY key
         ) WHERE deleted = 0 ORDER BY key LIMIT ?`,
      ),
      countAtAfter: db.prepare<[string, string, number], number>(
        `SELECT count(*) FROM (
           SELECT max(rev), deleted FROM log WHERE key > ? AND key < ? AND rev <= ? GROUP BY key
         ) WHERE deleted = 0`,
      ).pluck(),
      // Replay walks the revision range (watches usually start from a recent list), so the
      // unary + keeps SQLite from choosing the key index and sorting the whole prefix.
      replay: db.prepare<[number, string, string], LogEventRow>(
        `SELECT ${EVENT_COLUMNS} FROM log l LEFT JOIN log p ON p.rev = l.prev_rev
         WHERE l.rev > ? AND +l.key >= ? AND +l.key < ? ORDER BY l.rev`,
      ),
      valueAt: db.prepare<[number], { value: string; create_rev: number }>('SELECT value, create_rev FROM log WHERE rev = ?'),
      // One batch of compaction: drop deletions and rows superseded at or below the target.
      compactBatch: db.prepare<[number, number, number]>(
        `DELETE FROM log WHERE rev > ? AND rev <= ? AND (deleted = 1 OR rev <
           (SELECT max(newer.rev) FROM log AS newer WHERE newer.key = log.key AND newer.rev <= ?))`,
      ),
      minRev: db.prepare<[], number | null>('SELECT min(rev) FROM log').pluck(),
      maxRev: db.prepare<[], number | null>('SELECT max(rev) FROM log').pluck(),
      getMeta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    };

    this.compacted = this.stmts.getMeta.get('compacted') ?? 0;
    // The newest log row can only be missing if compaction removed it (a deletion at the
    // compacted revision), in which case the compacted revision is the current one.
    this.revision = Math.max(this.stmts.maxRev.get() ?? 0, this.compacted);

    // Runs a batch; returns the revision of its last successful write.
    this.commitBatch = db.transaction((batch: PendingWrite[], results: ({ kv: KeyValue; event: WatchEvent } | { error: unknown })[]): number => {
      let rev = this.revision;
      for (const w of batch) {
        try {
          results.push(w.apply(rev + 1));
          rev++;
        } catch (e) {
          if (!isPreconditionError(e)) throw e;
          results.push({ error: e });
        }
      }
      return rev;
    });

    this.compactionTimer = new CompactionTimer(
      this,
      opts.compactInterval ?? DEFAULT_COMPACT_INTERVAL,
      opts.compactKeep ?? DEFAULT_COMPACT_KEEP,
      opts.clock ?? realIntervalClock,
      // A failed automatic compaction only means history grows until the next tick.
      () => {},
    );
    this.compactionTimer.start();
    this.checkpointer = new WalCheckpointer(db, path, opts.checkpoint);
    // An in-memory database has no WAL and no file a second connection could open.
    if (path !== ':memory:' && path !== '') this.checkpointer.start();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const row = this.stmts.get.get(key);
    return row && toKeyValue(key, row);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const end = prefixEnd(prefix);
    const after = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const at = opts.revision ?? this.revision;
    let rows: KvRow[];
    let countAfter: (last: string) => number;
    if (at === this.revision) {
      rows = after === undefined ? this.stmts.listFrom.all(prefix, end, limit) : this.stmts.listAfter.all(after, end, limit);
      countAfter = (last) => this.stmts.countAfter.get(last, end)!;
    } else {
      if (at < this.compacted) throw new CompactedError(at, this.compacted);
      if (at > this.revision) throw new Error(`required revision ${at} is a future revision (current ${this.revision})`);
      rows = after === undefined ? this.stmts.listAtFrom.all(prefix, end, at, limit) : this.stmts.listAtAfter.all(after, end, at, limit);
      countAfter = (last) => this.stmts.countAtAfter.get(last, end, at)!;
    }
    const remaining = limit > 0 && rows.length === limit ? countAfter(rows[rows.length - 1]!.key) : 0;
    return { kvs: rows.map((r) => toKeyValue(r.key, r)), revision: at, remaining };
  }

  async count(prefix: string): Promise<number> {
    return this.stmts.countFrom.get(prefix, prefixEnd(prefix))!;
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue(key.length + value.length, (rev) => {
      if (this.stmts.insertKv.run(key, value, rev, rev).changes === 0) throw new KeyExistsError(key);
      this.stmts.insertLog.run(rev, key, 0, rev, null, value);
      const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
      return { kv, event: { type: 'put', kv: { ...kv } } };
    });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue(key.length + value.length, (rev) => {
      const updated = this.stmts.updateKv.get(value, rev, key, expectedModRevision);
      if (!updated) throw this.preconditionFailure(key);
      this.stmts.insertLog.run(rev, key, 0, updated.create_rev, expectedModRevision, value);
      const kv: KeyValue = { key, value, createRevision: updated.create_rev, modRevision: rev };
      return { kv, event: this.updateEvent(kv, expectedModRevision) };
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue(key.length, (rev) => {
      const deleted = expectedModRevision === undefined ? this.stmts.deleteKv.get(key) : this.stmts.deleteKvIf.get(key, expectedModRevision);
      if (!deleted) throw this.preconditionFailure(key);
      this.stmts.insertLog.run(rev, key, 1, deleted.create_rev, deleted.mod_rev, null);
      const prevKv = toKeyValue(key, deleted);
      const kv: KeyValue = { ...prevKv, modRevision: rev };
      return { kv, event: { type: 'delete', kv: { ...kv }, prevKv } };
    });
  }

  private preconditionFailure(key: string): Error {
    const current = this.stmts.get.get(key);
    if (!current) return new KeyNotFoundError(key);
    return new RevisionMismatchError(key, toKeyValue(key, current));
  }

  private enqueue(bytes: number, apply: PendingWrite['apply']): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    return new Promise<KeyValue>((resolve, reject) => {
      this.pending.push({ apply, resolve, reject, bytes });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Commits every pending write in one transaction, then settles them and publishes their events. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const results: ({ kv: KeyValue; event: WatchEvent } | { error: unknown })[] = [];
    try {
      this.revision = this.commitBatch(batch, results);
    } catch (e) {
      // Not a precondition (disk full, I/O error): the transaction rolled back, nothing was written.
      for (const w of batch) w.reject(e);
      return;
    }
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if ('error' in r) {
        batch[i]!.reject(r.error);
        continue;
      }
      bytes += batch[i]!.bytes;
      if (this.hub.size > 0) this.hub.publish(r.event);
      batch[i]!.resolve(r.kv);
    }
    this.checkpointer.noteWrite(bytes);
  }

  async watch(prefix: string, fromRevision: number, onEvents: WatchHandler, onError?: WatchErrorHandler, onProgress?: WatchProgressHandler): Promise<Watch> {
    if (this.closed) throw new Error('store closed');
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    // Replay and registration happen in one synchronous step: no write can land between them.
    const replay = fromRevision < this.revision ? this.stmts.replay.all(fromRevision, prefix, prefixEnd(prefix)).map(toEvent) : [];
    return this.hub.add(prefix, fromRevision, replay, onEvents, onError, onProgress);
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    if (revision > this.revision) {
      throw new Error(`cannot compact to future revision ${revision} (current ${this.revision})`);
    }
    const run = this.compacting.then(() => this.compactTo(revision));
    this.compacting = run.catch(() => {});
    return run;
  }

  /** Runs one automatic-compaction pass now (the timer calls the same). */
  autoCompact(): Promise<void> {
    return this.compactionTimer.tick();
  }

  /** Runs one WAL checkpoint now, on the checkpointer's worker when it has one (tests, benchmarks). */
  checkpoint(): Promise<CheckpointResult> {
    return this.checkpointer.checkpointNow();
  }

  /** Where WAL checkpoints run: 'worker' normally, 'fallback' (main thread) if the worker failed. */
  get checkpointMode(): WalCheckpointer['state'] {
    return this.checkpointer.state;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed, not dropped.
    this.flush();
    this.closed = true;
    this.compactionTimer.stop();
    this.hub.closeAll(new Error('store closed'));
    await this.compacting;
    await this.checkpointer.stop();
    this.db.close();
  }

  private async compactTo(revision: number): Promise<void> {
    if (revision <= this.compacted || this.closed) return;
    // Readers see the new floor at once; the rows below it go in batches, yielding between
    // them. Leftover rows (e.g. after a crash mid-way) are harmless and go next time.
    this.stmts.setMeta.run('compacted', revision);
    this.compacted = revision;
    let from = (this.stmts.minRev.get() ?? revision) - 1;
    while (from < revision && !this.closed) {
      const to = Math.min(from + COMPACT_BATCH, revision);
      this.stmts.compactBatch.run(from, to, revision);
      from = to;
      if (from < revision) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * An update's event. The previous value is read from the log only if a watcher looks at
   * it (the API server's watch caches keep their own previous objects and never do).
   */
  private updateEvent(kv: KeyValue, prevRev: number): WatchEvent {
    const event: WatchEvent = { type: 'put', kv: { ...kv } };
    let prev: KeyValue | undefined | null = null;
    Object.defineProperty(event, 'prevKv', {
      enumerable: true,
      get: () => {
        if (prev === null) {
          const row = this.stmts.valueAt.get(prevRev);
          prev = row && { key: kv.key, value: row.value, createRevision: row.create_rev, modRevision: prevRev };
        }
        return prev;
      },
    });
    return event;
  }
}

function toKeyValue(key: string, row: Omit<KvRow, 'key'>): KeyValue {
  return { key, value: row.value, createRevision: row.create_rev, modRevision: row.mod_rev };
}

function toEvent(row: LogEventRow): WatchEvent {
  const prevKv: KeyValue | undefined =
    row.p_rev === null ? undefined : { key: row.key, value: row.p_value!, createRevision: row.p_create_rev!, modRevision: row.p_rev };
  if (row.deleted) {
    return { type: 'delete', kv: { key: row.key, value: prevKv!.value, createRevision: row.create_rev, modRevision: row.rev }, prevKv };
  }
  const kv: KeyValue = { key: row.key, value: row.value!, createRevision: row.create_rev, modRevision: row.rev };
  return prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv };
}

/**
 * The smallest string above every key that starts with `prefix`, so a prefix is an index
 * range [prefix, end). Keys are /registry paths (ASCII); the empty prefix uses the highest
 * code point as an upper bound.
 */
export function prefixEnd(prefix: string): string {
  let p = prefix;
  while (p.length > 0) {
    const last = p.charCodeAt(p.length - 1);
    if (last < 0xffff) return p.slice(0, -1) + String.fromCharCode(last + 1);
    p = p.slice(0, -1);
  }
  return '\u{10FFFF}';
}
