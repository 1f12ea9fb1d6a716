import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir } from '../../src/cli/data-dir-lock.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A PID that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

describe('data dir lock', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'coxswain-lock-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the data dir and a pid file holding our PID, removed on release', async () => {
    const dataDir = join(root, 'fresh', 'nested');
    const lock = await lockDataDir(dataDir);
    assert.equal(lock.path, join(dataDir, LOCK_FILE_NAME));
    assert.equal((await readFile(lock.path, 'utf8')).trim(), String(process.pid));
    await lock.release();
    assert.equal(await exists(lock.path), false);
    await lock.release(); // idempotent
  });

  it('refuses a second lock while the first is held, naming the owner and what to do', async () => {
    const dataDir = join(root, 'held');
    const lock = await lockDataDir(dataDir);
    try {
      await assert.rejects(lockDataDir(dataDir), (err: unknown) => {
        assert.ok(err instanceof DataDirLockedError);
        assert.equal(err.pid, process.pid);
        assert.equal(
          err.message,
          `another coxswain (pid ${process.pid}) is using ${dataDir}; stop it first or pass a different --data-dir`,
        );
        return true;
      });
    } finally {
      await lock.release();
    }
    const again = await lockDataDir(dataDir);
    await again.release();
  });

  it('refuses when another live node process holds the lock', async () => {
    const dataDir = join(root, 'other-process');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await lockDataDir(dataDir).then((l) => l.release()); // creates the dir
      await writeFile(join(dataDir, LOCK_FILE_NAME), `${child.pid}\n`);
      await assert.rejects(lockDataDir(dataDir), (err: unknown) => err instanceof DataDirLockedError && err.pid === child.pid);
    } finally {
      child.kill();
      await new Promise((done) => child.on('exit', done));
    }
    // Once that process is gone its pid file is stale and is taken over.
    const lock = await lockDataDir(dataDir);
    assert.equal((await readFile(lock.path, 'utf8')).trim(), String(process.pid));
    await lock.release();
  });

  it('takes over a pid file whose process is gone', async () => {
    const dataDir = join(root, 'stale');
    await lockDataDir(dataDir).then((l) => l.release());
    await writeFile(join(dataDir, LOCK_FILE_NAME), `${await deadPid()}\n`);
    const lock = await lockDataDir(dataDir);
    assert.equal((await readFile(lock.path, 'utf8')).trim(), String(process.pid));
    await lock.release();
  });

  it('takes over a pid file with our own PID that this process never locked (restarted container)', async () => {
    const dataDir = join(root, 'same-pid');
    await lockDataDir(dataDir).then((l) => l.release());
    await writeFile(join(dataDir, LOCK_FILE_NAME), `${process.pid}\n`);
    const lock = await lockDataDir(dataDir);
    await lock.release();
    assert.equal(await exists(lock.path), false);
  });

  it('takes over an empty or garbled pid file', async () => {
    const dataDir = join(root, 'garbled');
    await lockDataDir(dataDir).then((l) => l.release());
    await writeFile(join(dataDir, LOCK_FILE_NAME), '');
    const lock = await lockDataDir(dataDir);
    await lock.release();
  });

  it('does not delete a pid file that another process wrote after ours was removed', async () => {
    const dataDir = join(root, 'foreign');
    const lock = await lockDataDir(dataDir);
    await writeFile(lock.path, '1\n');
    await lock.release();
    assert.equal(await readFile(lock.path, 'utf8'), '1\n');
  });
});
