// `coxswain reset` refuses while a coxswain holds the data dir, and on a data dir where the
// cri runtime never ran it removes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lockDataDir } from '../../../src/cli/data-dir-lock.js';
import { ResetError, runReset } from '../../../src/cli/reset.js';

describe('coxswain reset', () => {
  it('refuses while the data dir is locked by a running coxswain', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cx-reset-'));
    const lock = await lockDataDir(dir);
    try {
      await assert.rejects(runReset({ dataDir: dir }), (err: unknown) =>
        err instanceof ResetError && /coxswain \(pid \d+\) is running with .*; stop it first/.test(err.message));
    } finally {
      await lock.release();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has nothing to remove where the cri runtime never ran, and releases the lock', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cx-reset-'));
    try {
      assert.deepEqual(await runReset({ dataDir: dir }), []);
      assert.deepEqual(await readdir(dir), [], 'the lock file is gone');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
