import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { PodTopologySpread } from '../../../src/scheduler/plugins/pod-topology-spread.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll, scoreAll } from './harness.js';

const nodes = [
  makeNode('a1', { labels: { zone: 'a' } }),
  makeNode('a2', { labels: { zone: 'a' } }),
  makeNode('b1', { labels: { zone: 'b' } }),
  makeNode('nozone'),
];
const spread = (o: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint[] => [{
  maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } }, ...o,
}];
const mine = (name: string, nodeName: string) => makePod(name, { labels: { app: 's' }, nodeName });
const SKEW = "Unschedulable: node(s) didn't match pod topology spread constraints";
const LABEL = "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";

const rows = [
  { name: 'balanced zones: any zoned node', existing: [mine('e1', 'a1'), mine('e2', 'b1')], pod: makePod('p', { labels: { app: 's' }, spread: spread() }), want: { a1: '', a2: '', b1: '', nozone: LABEL } },
  { name: 'zone a ahead by one: only zone b', existing: [mine('e1', 'a1')], pod: makePod('p', { labels: { app: 's' }, spread: spread() }), want: { a1: SKEW, a2: SKEW, b1: '', nozone: LABEL } },
  { name: 'maxSkew 2 tolerates it', existing: [mine('e1', 'a1')], pod: makePod('p', { labels: { app: 's' }, spread: spread({ maxSkew: 2 }) }), want: { a1: '', a2: '', b1: '', nozone: LABEL } },
  {
    name: 'a pod not matching its own selector does not count itself', existing: [mine('e1', 'a1')],
    pod: makePod('p', { labels: { app: 'other' }, spread: spread() }), want: { a1: '', a2: '', b1: '', nozone: LABEL },
  },
  {
    name: 'minDomains above the domain count makes the global minimum 0', existing: [mine('e1', 'b1')],
    pod: makePod('p', { labels: { app: 's' }, spread: spread({ minDomains: 3 }) }), want: { a1: '', a2: '', b1: SKEW, nozone: LABEL },
  },
  {
    name: 'nodeAffinityPolicy Honor: domains outside the pod\'s selector do not count', existing: [mine('e1', 'a1')],
    pod: makePod('p', { labels: { app: 's' }, nodeSelector: { zone: 'a' }, spread: spread() }), want: { a1: '', a2: '', b1: '', nozone: LABEL },
  },
  {
    name: 'ScheduleAnyway never filters', existing: [mine('e1', 'a1'), mine('e2', 'a2')],
    pod: makePod('p', { labels: { app: 's' }, spread: spread({ whenUnsatisfiable: 'ScheduleAnyway' }) }), want: { a1: '', a2: '', b1: '', nozone: '' },
  },
  {
    name: 'pods in other namespaces do not count', existing: [makePod('x', { namespace: 'other', labels: { app: 's' }, nodeName: 'a1' })],
    pod: makePod('p', { labels: { app: 's' }, spread: spread() }), want: { a1: '', a2: '', b1: '', nozone: LABEL },
  },
];
for (const row of rows) {
  test(`PodTopologySpread filter: ${row.name}`, () => {
    assert.deepEqual(filterAll(new PodTopologySpread(), row.pod, { nodes, pods: row.existing }), row.want);
  });
}

test('PodTopologySpread score: ScheduleAnyway prefers the emptier zone, ignores nodes without the key', () => {
  const pod = makePod('p', { labels: { app: 's' }, spread: spread({ whenUnsatisfiable: 'ScheduleAnyway' }) });
  const scores = scoreAll(new PodTopologySpread(), pod, { nodes, pods: [mine('e1', 'a1'), mine('e2', 'a2')] });
  // zone a: 2 × log(4) ≈ 2.77 → 3; zone b: 0 → 0. Normalized: a = 100 × (3 + 0 − 3)/3 = 0, b = 100.
  assert.deepEqual(scores, { a1: 0, a2: 0, b1: 100, nozone: 0 });
});

test('PodTopologySpread score: system defaults spread a Service\'s pods over hostnames', () => {
  const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 's' } } };
  const two = [makeNode('h1'), makeNode('h2')];
  const scores = scoreAll(new PodTopologySpread(), makePod('p', { labels: { app: 's' } }), { nodes: two, pods: [mine('e1', 'h1')], services: [svc] });
  assert.ok(scores['h2']! > scores['h1']!, JSON.stringify(scores));
});

test('PodTopologySpread: a pod without constraints and nothing selecting it is skipped', () => {
  assert.deepEqual(scoreAll(new PodTopologySpread(), makePod('p', { labels: { app: 's' } }), { nodes }), {});
});
