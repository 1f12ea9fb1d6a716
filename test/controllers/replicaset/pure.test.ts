// The pure parts of the ReplicaSet controller: deletion ranking, slow start, expectations, status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deleteBefore, podsToDelete, rankByRelatedPodsOnSameNode } from '../../../src/controllers/replicaset/pod-deletion-ranking.js';
import { slowStartBatch, slowStartBatchSizes } from '../../../src/controllers/replicaset/slow-start.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from '../../../src/controllers/replicaset/expectations.js';
import { calculateReplicaSetStatus } from '../../../src/controllers/replicaset/replica-set-status.js';
import { isPodAvailable } from '../../../src/controllers/replicaset/pod-readiness.js';
import { FakeClock } from '../../../src/client/clock.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

interface PodOpts { node?: string; phase?: string; ready?: boolean; readyAgo?: number; createdAgo?: number; cost?: number; restarts?: number; uid?: string }
function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name, namespace: 'ns', uid: o.uid ?? name, labels: { app: 'a' },
      creationTimestamp: o.createdAgo !== undefined ? ago(o.createdAgo) : undefined,
      annotations: o.cost !== undefined ? { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } : undefined,
    },
    spec: { nodeName: o.node, containers: [{ name: 'c' }] },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readyAgo ?? 100) }] : [],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0, ready: !!o.ready, image: '', imageID: '' }],
    },
  };
}

describe('deletion ranking (upstream ActivePodsWithRanks)', () => {
  const rows: { name: string; first: Pod; second: Pod; rankFirst?: number; rankSecond?: number }[] = [
    { name: 'unscheduled before scheduled', first: pod('a'), second: pod('b', { node: 'n1' }) },
    { name: 'pending before unknown', first: pod('a', { node: 'n', phase: 'Pending' }), second: pod('b', { node: 'n', phase: 'Unknown' }) },
    { name: 'unknown before running', first: pod('a', { node: 'n', phase: 'Unknown' }), second: pod('b', { node: 'n', phase: 'Running' }) },
    { name: 'not ready before ready', first: pod('a', { node: 'n' }), second: pod('b', { node: 'n', ready: true }) },
    { name: 'lower deletion cost first', first: pod('a', { node: 'n', ready: true, cost: -5 }), second: pod('b', { node: 'n', ready: true, cost: 10 }) },
    { name: 'doubled up before alone', first: pod('a', { node: 'n1', ready: true }), second: pod('b', { node: 'n2', ready: true }), rankFirst: 2, rankSecond: 1 },
    { name: 'ready for less time first (different log2 bucket)', first: pod('a', { node: 'n', ready: true, readyAgo: 10 }), second: pod('b', { node: 'n', ready: true, readyAgo: 10_000 }) },
    { name: 'more restarts first', first: pod('a', { node: 'n', ready: true, restarts: 3 }), second: pod('b', { node: 'n', ready: true, restarts: 1 }) },
    { name: 'newer before older', first: pod('a', { node: 'n', createdAgo: 5 }), second: pod('b', { node: 'n', createdAgo: 5000 }) },
    { name: 'no creation time before any', first: pod('a', { node: 'n' }), second: pod('b', { node: 'n', createdAgo: 1 }) },
    { name: 'same log2 age bucket: lower uid first', first: pod('a', { node: 'n', createdAgo: 1000, uid: '1' }), second: pod('b', { node: 'n', createdAgo: 1001, uid: '2' }) },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const a = { pod: r.first, rank: r.rankFirst ?? 0 };
      const b = { pod: r.second, rank: r.rankSecond ?? 0 };
      assert.equal(deleteBefore(a, b, NOW), true);
      assert.equal(deleteBefore(b, a, NOW), false);
    });
  }

  it('ranks by active related pods on the same node', () => {
    const mine = [pod('a', { node: 'n1' }), pod('b', { node: 'n2' }), pod('c')];
    const related = [...mine, pod('x', { node: 'n1' }), pod('y', { node: 'n1', phase: 'Succeeded' })];
    assert.deepEqual(rankByRelatedPodsOnSameNode(mine, related).map((r) => r.rank), [2, 1, 0]);
  });

  it('picks the pods that matter least', () => {
    const all = [pod('ready-old', { node: 'n', ready: true, readyAgo: 5000, createdAgo: 6000 }), pod('pending', { node: 'n', phase: 'Pending' }), pod('unscheduled', { phase: 'Pending' }), pod('ready-new', { node: 'n', ready: true, readyAgo: 1, createdAgo: 2 })];
    assert.deepEqual(podsToDelete(all, all, 3, NOW).map((p) => p.metadata!.name), ['unscheduled', 'pending', 'ready-new']);
  });
});

describe('slow start', () => {
  const rows: [string, number, number[]][] = [
    ['one', 1, [1]],
    ['ten: 1, 2, 4, 3', 10, [1, 2, 4, 3]],
    ['five hundred', 500, [1, 2, 4, 8, 16, 32, 64, 128, 245]],
    ['none', 0, []],
  ];
  for (const [name, n, sizes] of rows) it(`batches ${name}`, () => assert.deepEqual(slowStartBatchSizes(n), sizes));

  it('stops after the first batch with a failure', async () => {
    let calls = 0;
    const res = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 3) throw new Error('quota');
    });
    // Batches 1 and 2 ran (3 calls); the third call failed, so no batch of 4 was tried.
    assert.equal(calls, 3);
    assert.equal(res.successes, 2);
    assert.equal((res.error as Error).message, 'quota');
  });
});

describe('expectations', () => {
  it('holds back until every create and delete is observed, or the record expires', () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    assert.equal(e.satisfied('ns/rs'), true);
    e.expectCreations('ns/rs', 2);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), true);
    e.expectDeletions('ns/rs', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/rs', 'ns/p1');
    e.deletionObserved('ns/rs', 'ns/p1');
    assert.equal(e.satisfied('ns/rs'), false, 'a pod is counted once');
    clock.step(EXPECTATIONS_TIMEOUT_MS + 1);
    assert.equal(e.satisfied('ns/rs'), true, 'expired');
  });
});

describe('status', () => {
  it('counts fully labeled, ready and available pods and reports a ReplicaFailure', () => {
    const rs = { metadata: { name: 'rs', generation: 2 }, spec: { replicas: 3, minReadySeconds: 60, template: { metadata: { labels: { app: 'a', extra: 'x' } } } } };
    const p1 = pod('p1', { ready: true, readyAgo: 120 });
    p1.metadata!.labels = { app: 'a', extra: 'x' };
    const pods = [p1, pod('p2', { ready: true, readyAgo: 10 }), pod('p3')];
    const st = calculateReplicaSetStatus(rs as never, pods, new Error('pods "x" is forbidden: exceeded quota'), true, NOW);
    assert.equal(st.replicas, 3);
    assert.equal(st.fullyLabeledReplicas, 1);
    assert.equal(st.readyReplicas, 2);
    assert.equal(st.availableReplicas, 1);
    assert.equal(st.conditions?.[0]?.type, 'ReplicaFailure');
    assert.equal(st.conditions?.[0]?.reason, 'FailedCreate');
    const cleared = calculateReplicaSetStatus({ ...rs, status: { replicas: 3, conditions: st.conditions } } as never, pods, undefined, false, NOW);
    assert.equal(cleared.conditions, undefined);
  });

  it('is available only strictly after minReadySeconds', () => {
    const p = pod('p', { ready: true, readyAgo: 10 });
    assert.equal(isPodAvailable(p, 10, NOW), false);
    assert.equal(isPodAvailable(p, 9, NOW), true);
    assert.equal(isPodAvailable(p, 0, NOW), true);
  });
});
