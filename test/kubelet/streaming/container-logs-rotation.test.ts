// `kubectl logs -f` across a log rotation: the follower reads the old file to its end, then
// carries on in the new file the rotation put at the same path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { streamContainerLog } from '../../../src/kubelet/streaming/container-logs.js';
import { eventually } from '../../helpers/eventually.js';

const line = (text: string) => `2026-11-22T08:00:00.000000000Z stdout F ${text}\n`;

test('follow continues in the new file after a rotation, losing nothing written before it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coxswain-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  await writeFile(path, line('one'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  const abort = new AbortController();
  let running = true;
  const done = streamContainerLog(path, { follow: true, previous: false, timestamps: false }, out, {
    signal: abort.signal, isRunning: async () => running, pollMs: 20,
  });
  await eventually(() => text.includes('one'), 'the first line');
  // Written just before the rename: still in the old file, and must not be lost.
  await appendFile(path, line('two'));
  await rename(path, `${path}.20261122-080000`);
  await writeFile(path, line('three'));
  await eventually(() => text.includes('three'), 'a line of the new file');
  await appendFile(path, line('four'));
  await eventually(() => text.includes('four'), 'a later line of the new file');
  running = false;
  await done;
  assert.equal(text, 'one\ntwo\nthree\nfour\n');
});
