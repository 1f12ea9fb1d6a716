import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { fsFor, memoryFs, poolFs } from '../../src/kubelet/fs-async.js';

test('memory-backed directories are written inline, others through the thread pool', async (t) => {
  assert.equal(fsFor('/dev/shm'), memoryFs);
  const disk = mkdtempSync(path.join(os.tmpdir(), 'coxswain-fs-'));
  t.after(() => rmSync(disk, { recursive: true, force: true }));
  assert.equal(fsFor(disk), statfsSync(disk).type === 0x01021994 ? memoryFs : poolFs);
  assert.equal(fsFor(path.join(disk, 'absent')), poolFs, 'what cannot be told goes through the pool');
});

test('the inline calls keep the promise contract: results resolve, failures reject', async (t) => {
  const dir = mkdtempSync('/dev/shm/coxswain-fs-test-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await memoryFs.writeFile(path.join(dir, 'a'), 'one', { mode: 0o600 });
  await memoryFs.rename(path.join(dir, 'a'), path.join(dir, 'b'));
  assert.equal(readFileSync(path.join(dir, 'b'), 'utf8'), 'one');
  assert.deepEqual(await memoryFs.readdir(dir), ['b']);
  const pending = memoryFs.writeFile(path.join(dir, 'b'), 'two', { flag: 'wx' });
  assert.ok(pending instanceof Promise, 'a failure is a rejected promise, not a throw');
  await assert.rejects(pending, { code: 'EEXIST' });
});
