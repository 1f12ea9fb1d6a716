import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { WalCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'coxswain-checkpointer-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const freshPath = () => join(dir, `state-${++seq}.db`);

/** Only explicit checkpoints: no timer tick and no early trigger during a test. */
const NO_AUTOMATIC = { intervalMs: 3_600_000, nudgeBytes: Number.MAX_SAFE_INTEGER };
/** A worker entry module that fails as it loads. */
const FAILING_WORKER = new URL('data:text/javascript,throw new Error("checkpointer worker failed")');
const value = (i: number) => JSON.stringify({ i, padding: 'x'.repeat(1000) });

describe('SqliteStore WAL checkpoints', () => {
  it('never checkpoints inside a commit: the WAL grows past SQLite\'s 1000-page automatic checkpoint', async () => {
    const store = new SqliteStore(freshPath(), { compactInterval: 0, checkpoint: NO_AUTOMATIC });
    try {
      for (let i = 0; i < 3000; i++) await store.create(`/registry/pods/default/p${i}`, value(i));
      const result = await store.checkpoint();
      assert.equal(store.checkpointMode, 'worker');
      assert.ok(result.log > 1000, `WAL frames before the first checkpoint: ${result.log}`);
      assert.equal(result.checkpointed, result.log, 'a quiet PASSIVE checkpoint copies every frame');
    } finally {
      await store.close();
    }
  });

  it('keeps serving reads and writes while the worker checkpoints', async () => {
    const store = new SqliteStore(freshPath(), { compactInterval: 0, checkpoint: NO_AUTOMATIC });
    try {
      for (let i = 0; i < 500; i++) await store.create(`/k/${i}`, value(i));
      const checkpointing = store.checkpoint();
      for (let i = 500; i < 1000; i++) await store.create(`/k/${i}`, value(i));
      await checkpointing;
      assert.equal(await store.count('/k/'), 1000);
      assert.equal((await store.get('/k/999'))?.modRevision, 1000);
    } finally {
      await store.close();
    }
  });

  it('close stops the worker, closes its connection and leaves no WAL behind', async () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    const checkpointer = new WalCheckpointer(db, path, NO_AUTOMATIC);
    checkpointer.start();
    for (let i = 0; i < 200; i++) db.prepare('INSERT INTO t VALUES (?)').run(value(i));
    await checkpointer.checkpointNow();
    assert.equal(checkpointer.state, 'worker');
    assert.equal(checkpointer.workerRunning, true);

    await checkpointer.stop();
    assert.equal(checkpointer.state, 'stopped');
    assert.equal(checkpointer.workerRunning, false, 'the worker thread has exited');
    assert.equal(statSync(`${path}-wal`).size, 0, 'TRUNCATE checkpoint at stop');
    await checkpointer.stop(); // idempotent
    await assert.rejects(checkpointer.checkpointNow(), /stopped/);
    db.close();
    // SQLite deletes the WAL when the last connection closes: the worker's is gone too.
    assert.equal(existsSync(`${path}-wal`), false);
  });

  it('falls back to checkpointing on the main thread when the worker fails, losing nothing', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { compactInterval: 0, checkpoint: { ...NO_AUTOMATIC, workerUrl: FAILING_WORKER } });
    try {
      for (let i = 0; i < 100; i++) await store.create(`/k/${i}`, value(i));
      // The failing worker never answers; the request is served once the failure is seen.
      const result = await store.checkpoint();
      assert.equal(store.checkpointMode, 'fallback');
      assert.ok(result.log > 0);
      assert.equal(result.checkpointed, result.log);
      await store.create('/k/after', 'v');
      assert.equal(await store.count('/k/'), 101);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(`${path}-wal`), false);
    const reopened = new SqliteStore(path);
    try {
      assert.equal(await reopened.currentRevision(), 101);
    } finally {
      await reopened.close();
    }
  });
});
