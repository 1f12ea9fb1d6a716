// Table tests for the PodDisruptionBudget status arithmetic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { countHealthyPods, DELETION_TIMEOUT_MS, failSafeStatus, metaTime, nextStatus, pendingDisruptions, scaledValue } from '../../../src/controllers/endpoints/pdb-status.js';

const NOW = Date.UTC(2024, 0, 1, 12);

function pod(name: string, o: { ready?: boolean; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, ...(o.deleting ? { deletionTimestamp: metaTime(NOW) } : {}) },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

describe('pdb status', () => {
  it('scales ints and percentages as GetScaledValueFromIntOrPercent', () => {
    const rows: [number | string, number, boolean, number][] = [
      [2, 10, true, 2], ['50%', 3, true, 2], ['50%', 3, false, 1], ['0%', 5, true, 0], ['100%', 7, true, 7], ['25%', 4, true, 1],
    ];
    for (const [v, total, up, want] of rows) assert.equal(scaledValue(v, total, up), want, `${v} of ${total}`);
    assert.throws(() => scaledValue('5', 10, true), /not a percentage/);
    assert.throws(() => scaledValue('x%', 10, true), /invalid value "x%"/);
  });

  it('counts ready pods that are neither deleted nor recently disrupted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
    const disrupted = { d: metaTime(NOW - 1000), e: metaTime(NOW - DELETION_TIMEOUT_MS - 1000) };
    // d was evicted a second ago (not healthy); e's eviction is overdue (counts again).
    assert.equal(countHealthyPods(pods, disrupted, NOW), 2);
  });

  it('keeps pending disruptions and tells when to look again', () => {
    const pdb: PodDisruptionBudget = { status: { disruptedPods: { d: metaTime(NOW - 1000), e: metaTime(NOW - DELETION_TIMEOUT_MS - 1000), gone: metaTime(NOW) }, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 } };
    const r = pendingDisruptions(pdb, [pod('d'), pod('e')], NOW);
    assert.deepEqual(r.pending, { d: metaTime(NOW - 1000) });
    assert.deepEqual(r.overdue.map((p) => p.metadata?.name), ['e']);
    assert.equal(r.recheckAt, Date.parse(metaTime(NOW - 1000)) + DELETION_TIMEOUT_MS);
  });

  it('allows no disruption while nothing is expected, and writes nothing when up to date', () => {
    const pdb: PodDisruptionBudget = { metadata: { generation: 1 } };
    const zero = nextStatus(pdb, { currentHealthy: 2, desiredHealthy: 0, expectedPods: 0, disruptedPods: {} }, NOW)!;
    assert.equal(zero.disruptionsAllowed, 0);
    const s = nextStatus(pdb, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: {} }, NOW)!;
    assert.equal(s.disruptionsAllowed, 1);
    assert.equal(s.observedGeneration, 1);
    assert.deepEqual(s.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: metaTime(NOW) }]);
    assert.equal(nextStatus({ ...pdb, status: s }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: {} }, NOW + 5000), undefined);
    // A flip changes the condition and its transition time.
    const flipped = nextStatus({ ...pdb, status: s }, { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptedPods: {} }, NOW + 5000)!;
    assert.equal(flipped.conditions![0]!.reason, 'InsufficientPods');
    assert.equal(flipped.conditions![0]!.lastTransitionTime, metaTime(NOW + 5000));
  });

  it('fails safe with the error as the condition message', () => {
    const s = failSafeStatus({ status: { disruptionsAllowed: 3, currentHealthy: 3, desiredHealthy: 0, expectedPods: 3 } }, new Error('boom'), NOW);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.conditions![0]!.reason, 'SyncFailed');
    assert.equal(s.conditions![0]!.message, 'boom');
  });
});
