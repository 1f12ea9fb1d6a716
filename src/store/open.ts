// Chooses the store backend from the --datastore setting (like k3s's --datastore-endpoint).

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/**
 * `undefined` or `sqlite://` → SQLite at `<dataDir>/state.db`; `sqlite://<path>` → SQLite at
 * that path (relative paths are taken from `dataDir`); `memory://` → an in-memory store;
 * `etcd://…` is recognised but not built yet.
 */
export async function openStore(datastore: string | undefined, dataDir: string): Promise<Store> {
  if (datastore === undefined || datastore === '' || datastore.startsWith('sqlite://')) {
    const given = datastore?.slice('sqlite://'.length) ?? '';
    const path = given === '' ? join(dataDir, 'state.db') : resolve(dataDir, given);
    mkdirSync(dirname(path), { recursive: true });
    return new SqliteStore(path);
  }
  if (datastore === 'memory://' || datastore === 'memory') return new MemoryStore();
  if (datastore.startsWith('etcd://') || datastore.startsWith('etcds://')) {
    throw new Error(`datastore ${datastore}: the etcd backend is not built yet; use sqlite:// (the default) or memory://`);
  }
  throw new Error(`datastore ${datastore}: unknown scheme; expected sqlite://<path>, memory:// or etcd://<host:port>`);
}
