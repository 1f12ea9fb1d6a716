import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';

import { FakeClock } from '../../../src/client/clock.js';
import { ContainerLogManager } from '../../../src/kubelet/logs/container-log-manager.js';
import { allContainerLogs } from '../../../src/kubelet/logs/rotated-logs.js';
import { FakeLogRuntime } from './fake-log-runtime.js';

// Rotated names carry the node's local time, as upstream; pin it so the names are known.
process.env.TZ = 'UTC';

const START = Date.UTC(2024, 0, 2, 3, 4, 5);

describe('ContainerLogManager', () => {
  let root: string;
  let dir: string;
  let log: string;
  let clock: FakeClock;
  let runtime: FakeLogRuntime;
  let n = 0;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'coxswain-logrotate-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = path.join(root, `case-${++n}`, 'app');
    await mkdir(dir, { recursive: true });
    log = path.join(dir, '0.log');
    clock = new FakeClock(START);
    runtime = new FakeLogRuntime();
    runtime.add('c1', log);
  });

  const manager = (maxSize: string | number, maxFiles = 5) =>
    new ContainerLogManager({ runtime, clock, containerLogMaxSize: maxSize, containerLogMaxFiles: maxFiles });
  const files = async () => (await readdir(dir)).sort();
  /** Appends `text` to the current log, as the runtime would. */
  const emit = (text: string) => writeFile(log, text, { flag: 'a' });

  it('leaves a log below the limit alone', async () => {
    await emit('x'.repeat(99));
    await manager(100).rotateLogs();
    assert.deepEqual(await files(), ['0.log']);
    assert.deepEqual(runtime.reopened, []);
  });

  it('rotates a log at the limit to <log>.<YYYYMMDD-HHMMSS> and asks the runtime to reopen it', async () => {
    await emit('a'.repeat(100));
    await manager(100).rotateLogs();
    assert.deepEqual(await files(), ['0.log', '0.log.20240102-030405']);
    assert.equal(await readFile(path.join(dir, '0.log.20240102-030405'), 'utf8'), 'a'.repeat(100));
    assert.equal((await stat(log)).size, 0, 'the reopened log starts empty');
    assert.deepEqual(runtime.reopened, ['c1']);
  });

  it('reads the size limit as a quantity (1Ki = 1024 bytes)', async () => {
    await emit('a'.repeat(1023));
    const m = manager('1Ki');
    await m.rotateLogs();
    assert.deepEqual(runtime.reopened, []);
    await emit('a');
    await m.rotateLogs();
    assert.deepEqual(runtime.reopened, ['c1']);
  });

  it('gzips older rotated files and leaves the newest one uncompressed', async () => {
    const m = manager(10);
    for (const text of ['first-----', 'second----', 'third-----']) {
      await emit(text);
      await m.rotateLogs();
      clock.step(10_000);
    }
    assert.deepEqual(await files(), ['0.log', '0.log.20240102-030405.gz', '0.log.20240102-030415.gz', '0.log.20240102-030425']);
    assert.equal(gunzipSync(await readFile(path.join(dir, '0.log.20240102-030405.gz'))).toString(), 'first-----');
    assert.equal(gunzipSync(await readFile(path.join(dir, '0.log.20240102-030415.gz'))).toString(), 'second----');
    assert.equal(await readFile(path.join(dir, '0.log.20240102-030425'), 'utf8'), 'third-----');
  });

  it('keeps at most maxFiles files, the current one included, removing the oldest', async () => {
    const m = manager(10, 3);
    for (let i = 0; i < 6; i++) {
      await emit(`rotation-${i}`);
      await m.rotateLogs();
      clock.step(10_000);
    }
    // 3 files: the current log, the newest rotation (plain) and one older (gzipped).
    assert.deepEqual(await files(), ['0.log', '0.log.20240102-030445.gz', '0.log.20240102-030455']);
    assert.equal(gunzipSync(await readFile(path.join(dir, '0.log.20240102-030445.gz'))).toString(), 'rotation-4');
    assert.equal(await readFile(path.join(dir, '0.log.20240102-030455'), 'utf8'), 'rotation-5');
    assert.deepEqual(await allContainerLogs(log), [
      path.join(dir, '0.log.20240102-030445.gz'), path.join(dir, '0.log.20240102-030455'), log,
    ]);
  });

  it('does nothing for exited containers', async () => {
    runtime.containers.clear();
    runtime.add('gone', log, 'CONTAINER_EXITED');
    await emit('z'.repeat(500));
    await manager(100).rotateLogs();
    assert.deepEqual(await files(), ['0.log']);
    assert.deepEqual(runtime.reopened, []);
    assert.deepEqual(runtime.statusCalls, [], 'an exited container is not even looked at');
  });

  it('puts the log back when the runtime cannot reopen it, and rotates in a later pass', async () => {
    await emit('b'.repeat(200));
    const m = manager(100);
    runtime.reopenError = new Error('container is not running');
    await m.rotateLogs();
    assert.deepEqual(await files(), ['0.log']);
    assert.equal((await stat(log)).size, 200);
    runtime.reopenError = undefined;
    clock.step(10_000);
    await m.rotateLogs();
    assert.deepEqual(await files(), ['0.log', '0.log.20240102-030415']);
    assert.deepEqual(runtime.reopened, ['c1', 'c1']);
  });

  it('asks the runtime to reopen a log file that has gone missing', async () => {
    await manager(100).rotateLogs();
    assert.deepEqual(runtime.reopened, ['c1']);
    assert.deepEqual(await files(), ['0.log']);
  });

  it('removes what a failed rotation left behind (.tmp files, plain files already gzipped)', async () => {
    await writeFile(path.join(dir, '0.log.20240101-000000'), 'old');
    await writeFile(path.join(dir, '0.log.20240101-000000.gz'), 'compressed');
    await writeFile(path.join(dir, '0.log.20240101-000010.tmp'), 'partial');
    await emit('c'.repeat(100));
    await manager(100).rotateLogs();
    assert.deepEqual(await files(), ['0.log', '0.log.20240101-000000.gz', '0.log.20240102-030405']);
  });

  it('does not rotate twice within one second (the names would collide)', async () => {
    const m = manager(10);
    await emit('one-------');
    await m.rotateLogs();
    await emit('two-------');
    await m.rotateLogs();
    assert.deepEqual(await files(), ['0.log', '0.log.20240102-030405']);
    assert.equal(await readFile(log, 'utf8'), 'two-------');
  });

  it('checks every monitor interval once started, and stops checking when stopped', async () => {
    const m = new ContainerLogManager({ runtime, clock, containerLogMaxSize: 10, containerLogMonitorIntervalMs: 10_000 });
    const pass = async (ms: number) => {
      // Let the previous pass reschedule itself, then move the clock.
      await new Promise((r) => setImmediate(r));
      clock.step(ms);
      await m.idle();
    };
    await emit('0123456789');
    m.start();
    await pass(0);
    assert.deepEqual(runtime.reopened, ['c1']);
    await emit('0123456789');
    await pass(9_999);
    assert.deepEqual(runtime.reopened, ['c1'], 'not before the interval');
    await pass(1);
    assert.deepEqual(runtime.reopened, ['c1', 'c1']);
    await m.stop();
    assert.equal(clock.pendingTimers, 0);
    await emit('0123456789');
    await pass(60_000);
    assert.deepEqual(runtime.reopened, ['c1', 'c1']);
  });

  it('is off for a negative max size and for a runtime that cannot reopen logs', async () => {
    await emit('d'.repeat(100));
    const negative = manager(-1);
    assert.equal(negative.enabled, false);
    await negative.rotateLogs();
    const noReopen = { listContainers: () => runtime.listContainers(), containerStatus: (id: string) => runtime.containerStatus(id) };
    const cannot = new ContainerLogManager({ runtime: noReopen, clock, containerLogMaxSize: 10 });
    assert.equal(cannot.enabled, false);
    cannot.start();
    clock.step(0);
    await cannot.idle();
    await cannot.stop();
    assert.deepEqual(await files(), ['0.log']);
    assert.deepEqual(runtime.reopened, []);
  });

  it('clean removes the current and every rotated log of a container', async () => {
    const m = manager(10);
    await emit('0123456789');
    await m.rotateLogs();
    clock.step(10_000);
    await emit('0123456789');
    await m.rotateLogs();
    await emit('more');
    await writeFile(path.join(dir, '1.log'), 'another attempt');
    await m.clean('c1');
    assert.deepEqual(await files(), ['1.log']);
  });
});
