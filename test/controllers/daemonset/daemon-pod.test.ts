// Node eligibility of daemon pods and the rolling-update arithmetic, as upstream's tables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { nodeShouldRunDaemonPod, pinToNode, targetNodeName } from '../../../src/controllers/daemonset/daemon-pod.js';
import { planRollingUpdate } from '../../../src/controllers/daemonset/rolling-update.js';
import { controllerRevisionName, fnv32, hashData, safeEncodeString } from '../../../src/controllers/history/controller-revision.js';

function ds(podSpec: Record<string, unknown> = {}, strategy?: NonNullable<DaemonSet['spec']>['updateStrategy']): DaemonSet {
  return {
    metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }], ...podSpec } }, updateStrategy: strategy },
  };
}
function node(name: string, labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = []): Node {
  return { metadata: { name, labels }, spec: { taints } };
}

describe('nodeShouldRunDaemonPod', () => {
  const rows: [string, DaemonSet, Node, boolean, boolean][] = [
    ['plain node', ds(), node('n'), true, true],
    ['nodeSelector mismatch', ds({ nodeSelector: { disk: 'ssd' } }), node('n'), false, false],
    ['required affinity match', ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), node('n', { zone: 'a' }), true, true],
    ['template pinned elsewhere', ds({ nodeName: 'other' }), node('n'), false, false],
    ['untolerated NoSchedule: no new pod, the old may stay', ds(), node('n', {}, [{ key: 'k', effect: 'NoSchedule' }]), false, true],
    ['untolerated NoExecute: evicted', ds(), node('n', {}, [{ key: 'k', effect: 'NoExecute' }]), false, false],
    ['PreferNoSchedule is ignored', ds(), node('n', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), true, true],
    ['automatic toleration: cordoned node', ds(), node('n', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), true, true],
    ['automatic toleration: not-ready NoExecute', ds(), node('n', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), true, true],
    ['network-unavailable only with hostNetwork', ds(), node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), false, true],
    ['network-unavailable tolerated with hostNetwork', ds({ hostNetwork: true }), node('n', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), true, true],
  ];
  for (const [name, d, n, run, stay] of rows) {
    it(name, () => assert.deepEqual(nodeShouldRunDaemonPod(n, d), { shouldRun: run, shouldContinueRunning: stay }));
  }

  it('pins a pod to its node, replacing required terms and keeping preferred ones', () => {
    const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }];
    const a = pinToNode({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'z', operator: 'Exists' }] }] }, preferredDuringSchedulingIgnoredDuringExecution: preferred } }, 'n1');
    assert.deepEqual(a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
    assert.deepEqual(a.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
    assert.equal(targetNodeName({ spec: { containers: [], affinity: a } }), 'n1');
    assert.equal(targetNodeName({ spec: { containers: [], nodeName: 'bound', affinity: a } }), 'bound');
  });
});

function pod(name: string, nodeName: string, hash: string, ready: boolean): Pod {
  return {
    metadata: { name, labels: { 'controller-revision-hash': hash }, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { containers: [], nodeName },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

describe('planRollingUpdate', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const byNode = (pods: Pod[]) => new Map(pods.map((p) => [p.spec!.nodeName!, [p]]));

  it('without surge deletes old available pods up to maxUnavailable', () => {
    const d = ds({}, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } });
    const step = planRollingUpdate(d, nodes, byNode(nodes.map((n, i) => pod(`p${i}`, n.metadata!.name!, 'old', true))), 'new', Date.now());
    assert.deepEqual(step, { podsToDelete: ['p0', 'p1'], nodesToCreate: [] });
  });

  it('counts unavailable new pods against maxUnavailable, but always replaces unavailable old pods', () => {
    const d = ds({}, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const pods = [pod('p0', 'n1', 'new', false), pod('p1', 'n2', 'old', false), pod('p2', 'n3', 'old', true), pod('p3', 'n4', 'old', true)];
    assert.deepEqual(planRollingUpdate(d, nodes, byNode(pods), 'new', Date.now()), { podsToDelete: ['p1'], nodesToCreate: [] });
  });

  it('with surge creates new pods beside old ones and deletes an old pod once its new one is available', () => {
    const d = ds({}, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const map = byNode([pod('p1', 'n2', 'old', true), pod('p2', 'n3', 'old', true), pod('p3', 'n4', 'old', true)]);
    map.set('n1', [pod('p0', 'n1', 'old', true), pod('q0', 'n1', 'new', true)]);
    assert.deepEqual(planRollingUpdate(d, nodes, map, 'new', Date.now()), { podsToDelete: ['p0'], nodesToCreate: ['n2'] });
    const waiting = byNode([pod('p1', 'n2', 'old', true), pod('p2', 'n3', 'old', true), pod('p3', 'n4', 'old', true)]);
    waiting.set('n1', [pod('p0', 'n1', 'old', true), pod('q0', 'n1', 'new', false)]);
    assert.deepEqual(planRollingUpdate(d, nodes, waiting, 'new', Date.now()), { podsToDelete: [], nodesToCreate: [] }, 'the surge is used up');
  });
});

describe('revision names', () => {
  it('hashes with FNV-1 32 (Go hash/fnv New32 test vectors) and encodes with the safe alphabet', () => {
    assert.equal(fnv32(''), 0x811c9dc5);
    assert.equal(fnv32('a'), 0x050c5d7e);
    assert.equal(fnv32('foobar'), 0x31f0b262);
    // '0' is char 48, 48 % 27 = 21, the 22nd safe character '4'; and so on.
    assert.equal(safeEncodeString('0123'), '4567');
  });
  it('is independent of key order and changes with the collision count', () => {
    assert.equal(hashData({ a: 1, b: [1, { c: 2, d: 3 }] }), hashData({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(hashData({ a: 1 }, 0), hashData({ a: 1 }, 1));
    assert.match(controllerRevisionName('web', hashData({ a: 1 })), /^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(controllerRevisionName('x'.repeat(300), 'h').length, 225);
  });
});
