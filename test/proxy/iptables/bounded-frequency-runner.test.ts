// The sync runner's rate limit, as upstream's BoundedFrequencyRunner: a burst of 2, then
// one run per minInterval; requests coalesce; a run at least every maxInterval.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../src/client/clock.js';
import { BoundedFrequencyRunner } from '../../../src/proxy/iptables/bounded-frequency-runner.js';

/** Lets the runner's promise callbacks settle. */
const settle = () => new Promise((r) => setImmediate(r));

function setup() {
  const clock = new FakeClock();
  const runs: number[] = [];
  const runner = new BoundedFrequencyRunner(async () => {
    runs.push(clock.now());
  }, { minIntervalMs: 1000, maxIntervalMs: 60_000, burst: 2, clock });
  return { clock, runs, runner };
}

describe('BoundedFrequencyRunner', () => {
  it('runs a burst of two at once, then once per min interval', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    const t0 = clock.now();
    for (let i = 0; i < 3; i++) {
      runner.run();
      clock.step(0);
      await settle();
    }
    assert.deepEqual(runs.map((t) => t - t0), [0, 0]);
    clock.step(999);
    await settle();
    assert.equal(runs.length, 2);
    clock.step(1);
    await settle();
    assert.deepEqual(runs.map((t) => t - t0), [0, 0, 1000]);
    await runner.stop();
  });

  it('coalesces requests made in one tick into one run', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    for (let i = 0; i < 50; i++) runner.run();
    clock.step(0);
    await settle();
    assert.equal(runs.length, 1);
    await runner.stop();
  });

  it('runs at least every max interval, and on retryAfter', async () => {
    const { clock, runs, runner } = setup();
    runner.start();
    clock.step(60_000);
    await settle();
    assert.equal(runs.length, 1);
    runner.retryAfter(5000);
    clock.step(5000);
    await settle();
    assert.equal(runs.length, 2);
    await runner.stop();
    clock.step(120_000);
    await settle();
    assert.equal(runs.length, 2, 'no run after stop');
  });

  it('holds requests made before start until start', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    clock.step(10);
    await settle();
    assert.equal(runs.length, 0);
    runner.start();
    clock.step(0);
    await settle();
    assert.equal(runs.length, 1);
    await runner.stop();
  });
});
