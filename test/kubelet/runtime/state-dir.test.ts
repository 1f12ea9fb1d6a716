import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ProcessRuntime } from '../../../src/kubelet/runtime/process/process-runtime.js';
import { processRuntimeDirs, removeProcessRuntimeState } from '../../../src/kubelet/runtime/process/state-dir.js';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { waitLogLine } from './conformance.js';
import { stopAllAndCheck } from './helpers.js';

const SHM_ROOT = `/dev/shm/coxswain-${process.getuid?.() ?? 0}`;

describe('process runtime state directory', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'coxswain-state-dir-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is memory-backed for a new data dir, kept across starts, and removed on request', async () => {
    const dataDir = path.join(root, 'fresh');
    const dirs = processRuntimeDirs(dataDir);
    assert.equal(dirs.rootDir, path.join(dataDir, 'runtime'));
    assert.equal(dirs.outputDir, path.join(dataDir, 'runtime-output'));
    const target = readlinkSync(dirs.rootDir);
    assert.equal(path.dirname(target), SHM_ROOT);
    assert.equal(lstatSync(target).mode & 0o777, 0o700);
    assert.deepEqual(processRuntimeDirs(dataDir), dirs);
    assert.equal(readlinkSync(dirs.rootDir), target, 'a second start finds the same state');

    // After a reboot /dev/shm is empty: the state starts afresh behind the same link.
    await rm(target, { recursive: true });
    assert.deepEqual(processRuntimeDirs(dataDir), dirs);
    assert.ok(lstatSync(target).isDirectory());

    assert.equal(removeProcessRuntimeState(dataDir), target);
    assert.equal(existsSync(target), false);
    assert.equal(existsSync(dirs.rootDir), false);
    assert.equal(removeProcessRuntimeState(dataDir), undefined);
  });

  it('keeps a data dir whose runtime is a directory (made by an earlier version) as it is', async () => {
    const dataDir = path.join(root, 'legacy');
    await mkdir(path.join(dataDir, 'runtime', 'containers'), { recursive: true });
    assert.deepEqual(processRuntimeDirs(dataDir), { rootDir: path.join(dataDir, 'runtime') });
    assert.equal(removeProcessRuntimeState(dataDir), undefined);
    assert.ok(existsSync(path.join(dataDir, 'runtime', 'containers')));
  });

  it("uses someone's own link as a directory and never removes its target", async () => {
    const dataDir = path.join(root, 'linked');
    const elsewhere = path.join(root, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await mkdir(dataDir, { recursive: true });
    await symlink(elsewhere, path.join(dataDir, 'runtime'));
    assert.deepEqual(processRuntimeDirs(dataDir), { rootDir: path.join(dataDir, 'runtime') });
    assert.equal(removeProcessRuntimeState(dataDir), undefined);
    assert.ok(existsSync(elsewhere));
  });

  it('puts records and pid files in the state, output and working directory on disk, and clears disk left-overs', async () => {
    const dataDir = path.join(root, 'containers');
    const dirs = processRuntimeDirs(dataDir);
    const rt = new ProcessRuntime(dirs);
    try {
      const logs = path.join(root, 'logs');
      const sandbox: PodSandboxConfig = { metadata: { name: 'p', namespace: 'default', uid: 'uid-p', attempt: 0 }, logDirectory: logs, labels: {}, annotations: {} };
      const sandboxId = await rt.runPodSandbox(sandbox);
      const config: ContainerConfig = {
        metadata: { name: 'c', attempt: 0 }, image: 'busybox', command: ['sh', '-c', 'pwd; exec sleep 100'], args: [], envs: [], mounts: [],
        logPath: 'c/0.log', labels: {}, annotations: {},
      };
      const id = await rt.createContainer(sandboxId, config, sandbox);
      await rt.startContainer(id);
      const stateOf = path.join(readlinkSync(dirs.rootDir), 'containers', id);
      const outputOf = path.join(dirs.outputDir!, 'containers', id);
      assert.deepEqual(readdirSync(stateOf).sort().filter((f) => f !== 'offsets.json'), ['pid', 'record.json']);
      assert.deepEqual(readdirSync(outputOf).sort(), ['stderr', 'stdout', 'workdir']);
      await waitLogLine(path.join(logs, 'c', '0.log'), 'stdout', path.join(outputOf, 'workdir'));

      // Output directories without a record (their state was lost with a reboot) go at load.
      const orphan = path.join(dirs.outputDir!, 'containers', 'f'.repeat(64));
      await mkdir(path.join(orphan, 'workdir'), { recursive: true });
      const second = new ProcessRuntime(dirs);
      assert.equal((await second.listContainers()).length, 1);
      assert.equal(existsSync(orphan), false);
      assert.ok(existsSync(outputOf), 'a recorded container keeps its output');
      await second.close();

      await rt.removePodSandbox(sandboxId);
      assert.equal(existsSync(stateOf), false);
      assert.equal(existsSync(outputOf), false);
    } finally {
      await stopAllAndCheck(rt);
      removeProcessRuntimeState(dataDir);
    }
  });
});
