// Log rotation against the real process runtime: a container writing well past a small max
// size is rotated while it writes; no line is lost or doubled across the files, and the
// kubelet's log reader (what `kubectl logs` gets) serves the newest lines from the current file.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';

import { FakeClock } from '../../../src/client/clock.js';
import { ContainerLogManager } from '../../../src/kubelet/logs/container-log-manager.js';
import { allContainerLogs } from '../../../src/kubelet/logs/rotated-logs.js';
import { ProcessRuntime } from '../../../src/kubelet/runtime/process/process-runtime.js';
import type { PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { streamContainerLog } from '../../../src/kubelet/streaming/container-logs.js';
import type { LogOptions } from '../../../src/kubelet/streaming/container-logs.js';
import { eventually } from '../../helpers/eventually.js';
import { stopAllAndCheck } from '../runtime/helpers.js';

const LINES = 3000;
const PADDING = 'x'.repeat(40);

/** What `kubectl logs [--tail]` returns for the file, through the kubelet's reader. */
async function kubectlLogs(file: string, tailLines?: number): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk); cb(); } });
  const opts: LogOptions = { follow: false, previous: false, timestamps: false, tailLines };
  await streamContainerLog(file, opts, out, { signal: new AbortController().signal, isRunning: async () => true });
  return Buffer.concat(chunks).toString();
}

/** The content of every CRI line of every file, oldest file first. */
async function everyLoggedLine(log: string): Promise<string[]> {
  const lines: string[] = [];
  for (const f of await allContainerLogs(log)) {
    const raw = await readFile(f);
    const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString();
    for (const l of text.split('\n')) if (l) lines.push(l.split(' ').slice(3).join(' '));
  }
  return lines;
}

describe('log rotation with the process runtime', () => {
  let dir: string;
  let rt: ProcessRuntime;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coxswain-logrotate-proc-'));
    rt = new ProcessRuntime({ rootDir: path.join(dir, 'state') });
  });
  after(async () => {
    await stopAllAndCheck(rt);
    await rm(dir, { recursive: true, force: true });
  });

  it('rotates a container writing past the max size; kubectl logs returns the newest lines', async () => {
    const sandbox: PodSandboxConfig = {
      metadata: { name: 'chatty', namespace: 'default', uid: 'uid-chatty', attempt: 0 },
      logDirectory: path.join(dir, 'logs'),
      labels: {},
      annotations: {},
    };
    const sandboxId = await rt.runPodSandbox(sandbox);
    const go = path.join(dir, 'go');
    // Writes in batches (so rotations fall while it writes), then waits for the test's signal
    // to write one last line, and keeps running (only running containers are rotated).
    const script = [
      'i=1',
      `while [ $i -le ${LINES} ]; do`,
      `  echo "line-$i ${PADDING}"`,
      '  if [ $((i % 100)) -eq 0 ]; then sleep 0.05; fi',
      '  i=$((i+1))',
      'done',
      'echo last-line',
      `while [ ! -e '${go}' ]; do sleep 0.05; done`,
      'echo final-line',
      'exec sleep 100',
    ].join('\n');
    const id = await rt.createContainer(sandboxId, {
      metadata: { name: 'chatty', attempt: 0 }, image: 'busybox', command: ['sh', '-c', script], args: [], envs: [],
      mounts: [], logPath: 'chatty/0.log', labels: {}, annotations: {},
    }, sandbox);
    await rt.startContainer(id);
    const log = path.join(sandbox.logDirectory, 'chatty/0.log');

    // A fake clock gives every pass its own rotation timestamp; the passes themselves run as
    // fast as the test polls. maxFiles is high so that nothing is pruned and all can be checked.
    const clock = new FakeClock();
    const manager = new ContainerLogManager({ runtime: rt, clock, containerLogMaxSize: '8Ki', containerLogMaxFiles: 100 });
    await eventually(async () => {
      clock.step(10_000);
      await manager.rotateLogs();
      return (await everyLoggedLine(log)).includes('last-line');
    }, 'the container to write all its lines while being rotated', { timeoutMs: 30_000 });

    const files = await allContainerLogs(log);
    assert.ok(files.length >= 10, `rotated many times (${files.length} files)`);
    assert.ok(files.slice(0, -2).every((f) => f.endsWith('.gz')), 'older rotated files are gzipped');
    assert.ok(!files.at(-2)!.endsWith('.gz'), 'the newest rotated file is left uncompressed');

    await writeFile(go, '');
    await eventually(async () => (await kubectlLogs(log)).includes('final-line'), 'the line written after the rotations');

    assert.equal(await kubectlLogs(log, 1), 'final-line\n');
    const current = (await kubectlLogs(log)).split('\n').filter(Boolean);
    assert.equal(current.at(-1), 'final-line');
    assert.ok(!current.includes(`line-1 ${PADDING}`), 'the current file holds only what came after the last rotation');

    const expected = [...Array.from({ length: LINES }, (_, i) => `line-${i + 1} ${PADDING}`), 'last-line', 'final-line'];
    assert.deepEqual(await everyLoggedLine(log), expected, 'every line is in exactly one file, in order');
  });
});
