import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryStore } from '../../src/store/memory.js';
import { openStore } from '../../src/store/open.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-open-store-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

describe('openStore', () => {
  it('defaults to sqlite at <dataDir>/state.db', async () => {
    const store = await openStore(undefined, dataDir);
    assert.ok(store instanceof SqliteStore);
    await store.close();
    assert.ok(existsSync(join(dataDir, 'state.db')));
  });

  it('opens sqlite at the given path, relative to the data dir', async () => {
    const store = await openStore('sqlite://nested/other.db', dataDir);
    assert.ok(store instanceof SqliteStore);
    await store.close();
    assert.ok(existsSync(join(dataDir, 'nested', 'other.db')));
  });

  it('opens an in-memory store for memory://', async () => {
    const store = await openStore('memory://', dataDir);
    assert.ok(store instanceof MemoryStore);
    await store.close();
  });

  it('refuses etcd:// with a clear message, and unknown schemes', async () => {
    await assert.rejects(openStore('etcd://127.0.0.1:2379', dataDir), /etcd backend is not built yet/);
    await assert.rejects(openStore('mysql://x', dataDir), /unknown scheme/);
  });
});
