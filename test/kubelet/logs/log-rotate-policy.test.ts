import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LogRotatePolicyError, logRotatePolicy } from '../../../src/kubelet/logs/log-rotate-policy.js';
import { rotatedLogName } from '../../../src/kubelet/logs/rotated-logs.js';

process.env.TZ = 'UTC';

describe('logRotatePolicy', () => {
  it('defaults to upstream: 10Mi, 5 files, 1 worker, every 10 s', () => {
    assert.deepEqual(logRotatePolicy(), { maxSize: 10 * 1024 * 1024, maxFiles: 5, maxWorkers: 1, monitorIntervalMs: 10_000 });
  });

  const sizes: [string | number, number][] = [['500Ki', 512_000], ['1M', 1_000_000], [2048, 2048], ['-1', -1]];
  for (const [input, bytes] of sizes) {
    it(`reads containerLogMaxSize ${JSON.stringify(input)} as ${bytes} bytes`, () => {
      assert.equal(logRotatePolicy({ containerLogMaxSize: input }).maxSize, bytes);
    });
  }

  const invalid: [string, object, RegExp][] = [
    ['maxFiles 1', { containerLogMaxFiles: 1 }, /invalid MaxFiles 1, must be > 1/],
    ['an unparsable size', { containerLogMaxSize: '10 megs' }, /failed to parse container log max size "10 megs"/],
    ['a fractional byte count', { containerLogMaxSize: '1.5' }, /invalid max log size/],
    ['no workers', { containerLogMaxWorkers: 0 }, /containerLogMaxWorkers/],
  ];
  for (const [name, settings, message] of invalid) {
    it(`rejects ${name}`, () => {
      assert.throws(() => logRotatePolicy(settings), (err: unknown) => err instanceof LogRotatePolicyError && message.test(err.message));
    });
  }
});

describe('rotatedLogName', () => {
  it('appends the time as YYYYMMDD-HHMMSS', () => {
    assert.equal(rotatedLogName('/var/log/pods/x/app/0.log', Date.UTC(2025, 11, 31, 23, 59, 58, 999)), '/var/log/pods/x/app/0.log.20251231-235958');
  });
});
