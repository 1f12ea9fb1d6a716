// The managed containerd's state tmpfs (state-tmpfs.ts): mounted on an empty directory, left
// alone where state already lies on disk or the file system is a tmpfs already, and only our
// own mount is ever unmounted. Mounting needs root.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mountAt, mountStateTmpfs, STATE_TMPFS_SOURCE, unmountStateTmpfs } from '../../../src/kubelet/runtime/cri/state-tmpfs.js';

const skip = process.env.CI ? false : process.getuid?.() !== 0 ? 'needs root (mount)' : false;

describe('containerd state tmpfs', { skip }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cx-state-tmpfs-'));
  after(() => {
    unmountStateTmpfs(path.join(dir, 'empty'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('mounts a tmpfs of its own on an empty directory and unmounts it again', () => {
    const state = path.join(dir, 'empty');
    mkdirSync(state);
    assert.deepEqual(mountStateTmpfs(state), { result: 'mounted' });
    assert.deepEqual(mountAt(state), { type: 'tmpfs', source: STATE_TMPFS_SOURCE });
    // A second start finds it there.
    assert.deepEqual(mountStateTmpfs(state), { result: 'already-tmpfs' });
    assert.equal(unmountStateTmpfs(state), true);
    assert.equal(mountAt(state), undefined);
    assert.equal(unmountStateTmpfs(state), false);
  });

  it('leaves a directory that already holds state on disk', () => {
    const state = path.join(dir, 'used');
    mkdirSync(state);
    writeFileSync(path.join(state, 'io.containerd.runtime.v2.task'), '');
    assert.deepEqual(mountStateTmpfs(state), { result: 'not-empty' });
    assert.equal(mountAt(state), undefined);
  });

  it('does not stack a tmpfs on a tmpfs, nor unmount one that is not ours', () => {
    const state = mkdtempSync('/dev/shm/cx-state-');
    try {
      assert.deepEqual(mountStateTmpfs(state), { result: 'already-tmpfs' });
      assert.equal(unmountStateTmpfs('/dev/shm'), false);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
