// Pure pieces of the Job controller: completed-index intervals, pending indexes, duplicate
// index removal, the pod failure back-off and pod failure policy matching.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  OrderedIntervals, duplicatedIndexPodsForRemoval, firstPendingIndexes, podGenerateNameWithIndex,
} from '../../../src/controllers/job/indexed-job.js';
import { PodFailureBackoffStore, remainingBackoffMs } from '../../../src/controllers/job/pod-failure-backoff.js';
import { matchPodFailurePolicy } from '../../../src/controllers/job/pod-failure-policy.js';

function indexedPod(name: string, index: number | undefined, extra: Partial<Pod['status']> = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: name, annotations: index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': String(index) } },
    status: { phase: 'Running', ...extra },
  };
}

describe('completed indexes', () => {
  it('parses, merges and prints intervals as upstream', () => {
    const i = OrderedIntervals.parse('0,2-3,7', 10);
    assert.equal(i.total(), 4);
    assert.equal(i.withOrderedIndexes([1, 4, 9]).toString(), '0-4,7,9');
    assert.ok(i.has(3) && !i.has(4));
  });

  it('drops indexes beyond completions', () => {
    assert.equal(OrderedIntervals.parse('1,3-8', 5).toString(), '1,3-4');
  });

  it('hands out the lowest indexes neither succeeded nor running', () => {
    const running = [indexedPod('a', 1)];
    assert.deepEqual(firstPendingIndexes(running, OrderedIntervals.parse('0,3', 6), 3, 6), [2, 4, 5]);
  });

  it('removes pods without a valid index and all but one pod per index', () => {
    const pods = [indexedPod('none', undefined), indexedPod('big', 9), indexedPod('a', 1), indexedPod('b', 1, { conditions: [{ type: 'Ready', status: 'True' }] }), indexedPod('c', 2)];
    const { rm, left } = duplicatedIndexPodsForRemoval(pods, 3);
    assert.deepEqual(rm.map((p) => p.metadata?.name).sort(), ['a', 'big', 'none']);
    // The ready pod of index 1 is kept.
    assert.deepEqual(left.map((p) => p.metadata?.name).sort(), ['b', 'c']);
  });

  it('names indexed pods <job>-<index>-, cutting long job names', () => {
    assert.equal(podGenerateNameWithIndex('work', 3), 'work-3-');
    const long = 'x'.repeat(70);
    assert.equal(podGenerateNameWithIndex(long, 12), `${'x'.repeat(54)}-12-`);
  });
});

describe('pod failure back-off', () => {
  const failedAt = (name: string, ms: number): Pod => ({
    metadata: { name, uid: name },
    status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: new Date(ms).toISOString() } } }] },
  });

  it('doubles from the base per failure since the last success, up to the cap', () => {
    const store = new PodFailureBackoffStore();
    const t0 = Date.UTC(2024, 0, 1);
    const rec1 = store.next('ns/j', [], [failedAt('p1', t0)], t0);
    assert.equal(remainingBackoffMs(rec1, t0, 10_000, 360_000), 10_000);
    store.update(rec1);
    const rec3 = store.next('ns/j', [], [failedAt('p2', t0 + 1000), failedAt('p3', t0 + 2000)], t0 + 2000);
    assert.equal(rec3.failuresAfterLastSuccess, 3);
    assert.equal(remainingBackoffMs(rec3, t0 + 2000, 10_000, 360_000), 40_000);
    assert.equal(remainingBackoffMs(rec3, t0 + 50_000, 10_000, 360_000), 0);
    assert.equal(remainingBackoffMs({ key: 'k', failuresAfterLastSuccess: 20, lastFailureTime: t0 }, t0, 10_000, 360_000), 360_000);
  });

  it('resets on a success, keeping only failures after it', () => {
    const store = new PodFailureBackoffStore();
    const t0 = Date.UTC(2024, 0, 1);
    store.update(store.next('ns/j', [], [failedAt('p1', t0)], t0));
    const success: Pod = { metadata: { name: 's', uid: 's' }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date(t0 + 5000).toISOString() } } }] } };
    const rec = store.next('ns/j', [success], [failedAt('early', t0 + 4000), failedAt('late', t0 + 6000)], t0 + 6000);
    assert.equal(rec.failuresAfterLastSuccess, 1);
    assert.equal(rec.lastFailureTime, t0 + 6000);
  });
});

describe('pod failure policy', () => {
  const failed = (exitCode: number, conditions: NonNullable<Pod['status']>['conditions'] = []): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    status: { phase: 'Failed', conditions, containerStatuses: [{ name: 'main', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } }] },
  });
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [42, 43] } },
    ],
  };

  it('FailJob on a listed exit code, with the upstream message', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed(42)), {
      failJobMessage: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
      countFailed: true,
      action: 'FailJob',
    });
  });

  it('Ignore on a pod condition: not counted', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed(42, [{ type: 'DisruptionTarget', status: 'True' }])), { countFailed: false, action: 'Ignore' });
  });

  it('Count on NotIn; no rule matched still counts', () => {
    assert.deepEqual(matchPodFailurePolicy(policy, failed(1)), { countFailed: true, action: 'Count' });
    assert.deepEqual(matchPodFailurePolicy(policy, failed(43)), { countFailed: true });
  });

  it('a FailJob rule on a pod condition names the condition', () => {
    const p = { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] };
    assert.equal(matchPodFailurePolicy(p, failed(1, [{ type: 'ConfigIssue', status: 'True' }])).failJobMessage, 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0');
  });
});
