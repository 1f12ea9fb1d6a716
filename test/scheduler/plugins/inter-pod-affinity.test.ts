import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { InterPodAffinity } from '../../../src/scheduler/plugins/inter-pod-affinity.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll, scoreAll } from './harness.js';

const nodes = [
  makeNode('a1', { labels: { zone: 'a' } }),
  makeNode('a2', { labels: { zone: 'a' } }),
  makeNode('b1', { labels: { zone: 'b' } }),
];
const term = (app: string, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: { app } }, topologyKey, ...extra,
});
const affinity = (...terms: PodAffinityTerm[]): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const anti = (...terms: PodAffinityTerm[]): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });

const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";
const cache = makePod('cache', { labels: { app: 'cache' }, nodeName: 'a1' });

const rows = [
  { name: 'no affinity anywhere: skipped', pod: makePod('p'), existing: [cache], want: { a1: '', a2: '', b1: '' } },
  {
    name: 'affinity to a zone follows the matching pod', existing: [cache],
    pod: makePod('p', { affinity: affinity(term('cache', 'zone')) }), want: { a1: '', a2: '', b1: AFF },
  },
  {
    name: 'affinity on hostname pins to the same node', existing: [cache],
    pod: makePod('p', { affinity: affinity(term('cache', 'kubernetes.io/hostname')) }), want: { a1: '', a2: AFF, b1: AFF },
  },
  {
    name: 'affinity with no matching pod anywhere fails everywhere', existing: [],
    pod: makePod('p', { affinity: affinity(term('cache', 'zone')) }), want: { a1: AFF, a2: AFF, b1: AFF },
  },
  {
    name: 'the first pod of a self-affine group may go anywhere', existing: [],
    pod: makePod('p', { labels: { app: 'web' }, affinity: affinity(term('web', 'zone')) }), want: { a1: '', a2: '', b1: '' },
  },
  {
    name: 'affinity in another namespace does not match by default', existing: [makePod('c', { namespace: 'other', labels: { app: 'cache' }, nodeName: 'a1' })],
    pod: makePod('p', { affinity: affinity(term('cache', 'zone')) }), want: { a1: AFF, a2: AFF, b1: AFF },
  },
  {
    name: 'namespaces lists other namespaces', existing: [makePod('c', { namespace: 'other', labels: { app: 'cache' }, nodeName: 'b1' })],
    pod: makePod('p', { affinity: affinity(term('cache', 'zone', { namespaces: ['other'] })) }), want: { a1: AFF, a2: AFF, b1: '' },
  },
  {
    name: 'an empty namespaceSelector means every namespace', existing: [makePod('c', { namespace: 'other', labels: { app: 'cache' }, nodeName: 'b1' })],
    pod: makePod('p', { affinity: affinity(term('cache', 'zone', { namespaceSelector: {} })) }), want: { a1: AFF, a2: AFF, b1: '' },
  },
  {
    name: 'anti-affinity on zone keeps out of the zone', existing: [cache],
    pod: makePod('p', { affinity: anti(term('cache', 'zone')) }), want: { a1: ANTI, a2: ANTI, b1: '' },
  },
  {
    name: 'existing pods\' anti-affinity is symmetric',
    existing: [makePod('loner', { labels: { app: 'loner' }, nodeName: 'a1', affinity: anti(term('web', 'kubernetes.io/hostname')) })],
    pod: makePod('p', { labels: { app: 'web' } }), want: { a1: EXISTING, a2: '', b1: '' },
  },
];
for (const row of rows) {
  test(`InterPodAffinity filter: ${row.name}`, () => {
    const input = { nodes, pods: row.existing, namespaces: [{ metadata: { name: 'default' } }, { metadata: { name: 'other', labels: { team: 'x' } } }] };
    assert.deepEqual(filterAll(new InterPodAffinity(), row.pod, input), row.want);
  });
}

test('InterPodAffinity score: preferred affinity and anti-affinity, min-max scaled', () => {
  const pod = makePod('p', {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('cache', 'zone') }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term('noisy', 'kubernetes.io/hostname') }] },
    },
  });
  const existing = [cache, makePod('n', { labels: { app: 'noisy' }, nodeName: 'a2' })];
  // a1: +10, a2: +10 −5 = 5, b1: 0 → scaled to 100, 50, 0.
  assert.deepEqual(scoreAll(new InterPodAffinity(), pod, { nodes, pods: existing }), { a1: 100, a2: 50, b1: 0 });
});

test('InterPodAffinity score: an existing pod\'s required affinity attracts the incoming pod (hard weight 1)', () => {
  const existing = [makePod('e', { labels: { app: 'e' }, nodeName: 'b1', affinity: affinity(term('web', 'zone')) })];
  assert.deepEqual(scoreAll(new InterPodAffinity(), makePod('p', { labels: { app: 'web' } }), { nodes, pods: existing }), { a1: 0, a2: 0, b1: 100 });
});

test('InterPodAffinity score: skipped when nothing has affinity', () => {
  assert.deepEqual(scoreAll(new InterPodAffinity(), makePod('p'), { nodes, pods: [cache] }), {});
});
