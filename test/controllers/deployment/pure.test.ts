// The pure parts of the Deployment controller: template hashing, surge/unavailable math,
// ReplicaSet annotations and selection, status conditions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { canonicalJson, computePodTemplateHash, fnv32a, safeEncodeString } from '../../../src/controllers/deployment/pod-template-hash.js';
import { maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts, scaledValueFromIntOrPercent } from '../../../src/controllers/deployment/rolling-math.js';
import { equalIgnoreHash, findActiveOrLatest, findNewReplicaSet, setNewReplicaSetAnnotations } from '../../../src/controllers/deployment/replica-sets.js';
import { deploymentTimedOut, newCondition, setCondition } from '../../../src/controllers/deployment/deployment-status.js';
import { oldPodsRunning } from '../../../src/controllers/deployment/recreate.js';

describe('pod-template-hash', () => {
  it('uses FNV-32a (published test vectors)', () => {
    assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
    assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
    assert.equal(fnv32a(Buffer.from('foobar')), 0xbf9cf968);
  });

  it('renders digits with the safe alphabet, as rand.SafeEncodeString', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  it('is stable, at most 10 safe characters, independent of key order, and changes with collisionCount', () => {
    const a = { metadata: { labels: { app: 'web', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const b = { spec: { containers: [{ image: 'busybox', name: 'c' }] }, metadata: { labels: { tier: 'x', app: 'web' } } };
    const h = computePodTemplateHash(a);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(computePodTemplateHash(b), h);
    assert.equal(computePodTemplateHash(a), h);
    assert.notEqual(computePodTemplateHash(a, 1), h);
    assert.notEqual(computePodTemplateHash(a, 1), computePodTemplateHash(a, 2));
    assert.notEqual(computePodTemplateHash({ ...a, spec: { containers: [{ name: 'c', image: 'nginx' }] } }), h);
    assert.equal(canonicalJson({ b: 1, a: [{ d: undefined, c: 2 }] }), '{"a":[{"c":2}],"b":1}');
  });
});

function rolling(replicas: number, surge: number | string | undefined, unavailable: number | string | undefined): Deployment {
  return { spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } } };
}

describe('surge and unavailability (ResolveFenceposts)', () => {
  const rows: { name: string; replicas: number; surge: number | string; unavailable: number | string; want: [number, number] }[] = [
    { name: 'defaults 25%/25% of 3: surge rounds up, unavailable down', replicas: 3, surge: '25%', unavailable: '25%', want: [1, 0] },
    { name: '25%/25% of 10', replicas: 10, surge: '25%', unavailable: '25%', want: [3, 2] },
    { name: '50%/50% of 5', replicas: 5, surge: '50%', unavailable: '50%', want: [3, 2] },
    { name: 'integers as given', replicas: 4, surge: 2, unavailable: 1, want: [2, 1] },
    { name: 'both zero: unavailable becomes 1', replicas: 4, surge: 0, unavailable: '0%', want: [0, 1] },
    { name: 'percentages rounding both to zero', replicas: 1, surge: '0%', unavailable: '10%', want: [0, 1] },
    { name: 'maxUnavailable capped at replicas', replicas: 3, surge: 0, unavailable: 5, want: [0, 3] },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const d = rolling(r.replicas, r.surge, r.unavailable);
      assert.deepEqual([maxSurge(d), maxUnavailable(d)], r.want);
    });
  }

  it('Recreate has neither', () => {
    const d: Deployment = { spec: { replicas: 3, selector: {}, template: {}, strategy: { type: 'Recreate' } } };
    assert.deepEqual([maxSurge(d), maxUnavailable(d)], [0, 0]);
  });

  it('rejects a string that is not a percentage', () => {
    assert.throws(() => scaledValueFromIntOrPercent('3', 10, true), /not a percentage/);
    assert.deepEqual(resolveFenceposts('10%', '10%', 9), { surge: 1, unavailable: 0 });
  });
});

function rs(name: string, replicas: number, opts: { image?: string; hash?: string; created?: string; statusReplicas?: number; available?: number; revision?: string } = {}): ReplicaSet {
  return {
    metadata: { name, uid: name, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z', annotations: opts.revision ? { 'deployment.kubernetes.io/revision': opts.revision } : {} },
    spec: {
      replicas, selector: {},
      template: { metadata: { labels: { app: 'a', 'pod-template-hash': opts.hash ?? name } }, spec: { containers: [{ name: 'c', image: opts.image ?? 'old' }] } },
    },
    status: { replicas: opts.statusReplicas ?? replicas, availableReplicas: opts.available ?? replicas },
  };
}

describe('new ReplicaSet growth (NewRSNewReplicas)', () => {
  const d = rolling(4, 1, 1);
  const rows: { name: string; old: ReplicaSet; cur: ReplicaSet; want: number }[] = [
    { name: 'room for one surge pod', old: rs('old', 4), cur: rs('new', 0), want: 1 },
    { name: 'at replicas + surge: no growth', old: rs('old', 3), cur: rs('new', 2), want: 2 },
    { name: 'old pods still terminating count against the surge', old: rs('old', 2, { statusReplicas: 3 }), cur: rs('new', 2), want: 2 },
    { name: 'never beyond replicas', old: rs('old', 0), cur: rs('new', 3), want: 4 },
  ];
  for (const r of rows) it(r.name, () => assert.equal(newRSNewReplicas(d, [r.old, r.cur], r.cur), r.want));
});

describe('ReplicaSet selection and annotations', () => {
  it('compares templates ignoring the hash label and nil-versus-empty', () => {
    const a = rs('a', 1).spec!.template;
    const b = structuredClone(a);
    b!.metadata!.labels!['pod-template-hash'] = 'other';
    (b!.spec as unknown as Record<string, unknown>).volumes = [];
    assert.equal(equalIgnoreHash(a, b), true);
    b!.spec!.containers[0]!.image = 'new';
    assert.equal(equalIgnoreHash(a, b), false);
  });

  it('finds the oldest ReplicaSet with the Deployment template as the new one', () => {
    const d: Deployment = { spec: { selector: {}, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'new' }] } } } };
    const list = [rs('x', 1, { image: 'new', created: '2024-01-02T00:00:00Z' }), rs('y', 1, { image: 'new', created: '2024-01-01T00:00:00Z' }), rs('z', 1)];
    assert.equal(findNewReplicaSet(d, list)?.metadata?.name, 'y');
  });

  it('raises the revision of a reused ReplicaSet and records the old one in revision-history', () => {
    const d: Deployment = { metadata: { annotations: { 'kubernetes.io/change-cause': 'undo', 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas: 3, selector: {}, template: {} } };
    const old = rs('a', 0, { revision: '1' });
    assert.equal(setNewReplicaSetAnnotations(d, old, 3, true, 1), true);
    assert.equal(old.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(old.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(old.metadata!.annotations!['kubernetes.io/change-cause'], 'undo');
    assert.equal(old.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], undefined, 'only fresh ReplicaSets get replicas annotations here');
    const fresh = rs('b', 0);
    setNewReplicaSetAnnotations(d, fresh, 4, false, 1);
    assert.equal(fresh.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(fresh.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  });

  it('finds the one active ReplicaSet, or none when several have pods', () => {
    assert.equal(findActiveOrLatest(rs('n', 0), [rs('o', 2)])?.metadata?.name, 'o');
    assert.equal(findActiveOrLatest(rs('n', 1), [rs('o', 2)]), undefined);
    assert.equal(findActiveOrLatest(rs('n', 0), [rs('o', 0)])?.metadata?.name, 'n');
  });

  it('sees old pods running until every old pod has finished', () => {
    const pod = (phase: string) => ({ status: { phase } });
    assert.equal(oldPodsRunning(rs('n', 1), [rs('o', 0, { statusReplicas: 0 })], new Map([['o', [pod('Succeeded')]], ['n', [pod('Running')]]])), false);
    assert.equal(oldPodsRunning(rs('n', 1), [rs('o', 0, { statusReplicas: 0 })], new Map([['o', [pod('Pending')]]])), true);
    assert.equal(oldPodsRunning(undefined, [rs('o', 0, { statusReplicas: 1 })], new Map()), true);
  });
});

describe('conditions', () => {
  const T0 = Date.UTC(2024, 0, 1);
  it('keeps lastTransitionTime when only the reason changes, and ignores a same-reason update', () => {
    const status = {};
    setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', T0));
    setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'b', T0 + 5000));
    assert.equal((status as any).conditions[0].message, 'a');
    setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'c', T0 + 9000));
    const c = (status as any).conditions[0];
    assert.equal(c.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(c.lastUpdateTime, '2024-01-01T00:00:09Z');
  });

  it('times out progressDeadlineSeconds after the last progress', () => {
    const d: Deployment = { spec: { selector: {}, template: {}, progressDeadlineSeconds: 10 } };
    const status = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'x', T0)] };
    assert.equal(deploymentTimedOut(d, status, T0 + 10_000), false);
    assert.equal(deploymentTimedOut(d, status, T0 + 10_001), true);
    const done = { conditions: [newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'x', T0)] };
    assert.equal(deploymentTimedOut(d, done, T0 + 60_000), false);
  });
});
