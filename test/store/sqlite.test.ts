import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { IntervalClock } from '../../src/store/compaction-timer.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { CompactedError } from '../../src/store/types.js';
import { runStoreConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'coxswain-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const freshPath = () => join(dir, `state-${++seq}.db`);

runStoreConformance('sqlite', async () => {
  const store = new SqliteStore(freshPath());
  return { store, cleanup: () => store.close() };
});

/** A clock whose interval only fires when the test says so. */
class ManualClock implements IntervalClock {
  callbacks: { cb: () => void; ms: number }[] = [];
  setInterval(cb: () => void, ms: number): unknown {
    const entry = { cb, ms };
    this.callbacks.push(entry);
    return entry;
  }
  clearInterval(handle: unknown): void {
    this.callbacks = this.callbacks.filter((e) => e !== handle);
  }
}

describe('SqliteStore', () => {
  it('keeps data, revisions and compaction across close and reopen', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    await first.create('/registry/pods/default/a', 'a1');
    await first.create('/registry/pods/default/b', 'b1');
    await first.update('/registry/pods/default/a', 'a2', 1);
    await first.delete('/registry/pods/default/b'); // 4
    await first.compact(2);
    await first.close();

    const second = new SqliteStore(path);
    try {
      assert.equal(await second.currentRevision(), 4);
      assert.equal(await second.compactedRevision(), 2);
      assert.deepEqual(await second.get('/registry/pods/default/a'), {
        key: '/registry/pods/default/a', value: 'a2', createRevision: 1, modRevision: 3,
      });
      assert.equal(await second.get('/registry/pods/default/b'), undefined);
      assert.deepEqual((await second.list('/registry/pods/', { revision: 3 })).kvs.map((kv) => kv.value), ['a2', 'b1']);
      await assert.rejects(second.list('/registry/pods/', { revision: 1 }), CompactedError);
      assert.equal((await second.create('/registry/pods/default/c', 'c')).modRevision, 5);
    } finally {
      await second.close();
    }
  });

  it('continues revisions after reopening a store compacted at a deletion', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    await first.create('/k', 'v');
    await first.delete('/k');
    await first.compact(2);
    await first.close();
    const second = new SqliteStore(path);
    try {
      assert.equal(await second.currentRevision(), 2);
      assert.equal((await second.create('/k', 'v')).createRevision, 3);
    } finally {
      await second.close();
    }
  });

  it('compacts automatically on its interval, keeping one interval and compactKeep revisions', async () => {
    const clock = new ManualClock();
    const store = new SqliteStore(freshPath(), { compactInterval: 1000, compactKeep: 3, clock });
    try {
      assert.deepEqual(clock.callbacks.map((c) => c.ms), [1000]);
      for (let i = 0; i < 10; i++) await store.create(`/k/${i}`, 'v');
      await store.autoCompact(); // first tick only remembers revision 10
      assert.equal(await store.compactedRevision(), 0);
      for (let i = 10; i < 20; i++) await store.create(`/k/${i}`, 'v');
      await store.autoCompact(); // min(10, 20 - 3)
      assert.equal(await store.compactedRevision(), 10);
      await store.autoCompact(); // min(20, 20 - 3)
      assert.equal(await store.compactedRevision(), 17);
      assert.equal((await store.list('/k/')).kvs.length, 20);
    } finally {
      await store.close();
    }
    assert.equal(clock.callbacks.length, 0, 'close stops the compaction timer');
  });

  it('commits writes of one turn together: consecutive revisions, a failed precondition leaves its neighbours alone', async () => {
    const store = new SqliteStore(freshPath());
    try {
      const seen: { type: string; key: string; rev: number }[] = [];
      await store.watch('/registry/', 0, (evs) => {
        for (const e of evs) seen.push({ type: e.type, key: e.kv.key, rev: e.kv.modRevision });
      });
      const base = await store.currentRevision();
      // All issued in one turn of the event loop: one group commit.
      const results = await Promise.allSettled([
        store.create('/registry/pods/default/a', 'a1'),
        store.create('/registry/pods/default/a', 'again'),
        store.create('/registry/pods/default/b', 'b1'),
        store.update('/registry/pods/default/b', 'b2', base + 2),
        store.update('/registry/pods/default/b', 'stale', base + 2),
        store.delete('/registry/pods/default/a'),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const revs = results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision : undefined));
      assert.deepEqual(revs, [base + 1, undefined, base + 2, base + 3, undefined, base + 4]);
      assert.equal((results[1] as PromiseRejectedResult).reason.name, 'KeyExistsError');
      assert.equal((results[4] as PromiseRejectedResult).reason.name, 'RevisionMismatchError');
      assert.equal((await store.get('/registry/pods/default/b'))?.value, 'b2');
      assert.equal(await store.get('/registry/pods/default/a'), undefined);
      assert.equal(await store.currentRevision(), base + 4);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen, [
        { type: 'put', key: '/registry/pods/default/a', rev: base + 1 },
        { type: 'put', key: '/registry/pods/default/b', rev: base + 2 },
        { type: 'put', key: '/registry/pods/default/b', rev: base + 3 },
        { type: 'delete', key: '/registry/pods/default/a', rev: base + 4 },
      ]);
    } finally {
      await store.close();
    }
  });

  it('commits writes still pending when it is closed', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const pending = store.create('/registry/pods/default/late', 'v');
    await store.close();
    assert.equal((await pending).modRevision, 1);
    const reopened = new SqliteStore(path);
    try {
      assert.equal((await reopened.get('/registry/pods/default/late'))?.value, 'v');
    } finally {
      await reopened.close();
    }
  });

  it('ends open watches with an error on close', async () => {
    const store = new SqliteStore(freshPath());
    const errors: Error[] = [];
    await store.watch('/', 0, () => {}, (err) => errors.push(err));
    await store.close();
    assert.equal(errors.length, 1);
  });

  it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const path = freshPath();
    const storeModule = new URL('../../src/store/sqlite.js', import.meta.url).href;
    // The child acknowledges each write on stdout only after create() has resolved.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { SqliteStore } = await import(${JSON.stringify(storeModule)});
      const store = new SqliteStore(${JSON.stringify(path)});
      for (let i = 0; ; i++) {
        const key = '/registry/pods/default/p' + i;
        await store.create(key, JSON.stringify({ i }));
        process.stdout.write(key + '\\n');
      }
    `], { stdio: ['ignore', 'pipe', 'inherit'] });

    const acknowledged: string[] = [];
    let buffered = '';
    const killed = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        acknowledged.push(...lines);
        if (acknowledged.length >= 2000 && child.exitCode === null && !child.killed) {
          process.kill(child.pid!, 'SIGKILL');
        }
      });
      child.on('exit', (_code, signal) => {
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`writer exited unexpectedly (${_code})`));
      });
    });
    try {
      await killed;
    } finally {
      // Never leave the writer running if the test fails before killing it.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
    assert.ok(acknowledged.length >= 2000);

    const reopened = new SqliteStore(path);
    try {
      const missing: string[] = [];
      for (const key of acknowledged) if (!(await reopened.get(key))) missing.push(key);
      assert.deepEqual(missing, []);
      const count = await reopened.count('/registry/pods/');
      assert.ok(count >= acknowledged.length);
      assert.equal(await reopened.currentRevision(), count);
    } finally {
      await reopened.close();
    }
  });
});

