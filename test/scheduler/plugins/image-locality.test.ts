import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageLocality, imageLocalityScore } from '../../../src/scheduler/plugins/image-locality.js';
import { makeNode, makePod } from '../fixtures.js';
import { scoreAll } from './harness.js';

const MB = 1024 * 1024;
const rows = [
  { name: 'below 23MB scores 0', sum: 10 * MB, containers: 1, want: 0 },
  { name: 'at the 1000MB cap scores 100', sum: 2000 * MB, containers: 1, want: 100 },
  { name: 'midway', sum: (23 + 977 / 2) * MB, containers: 1, want: 50 },
  { name: 'the cap grows with containers', sum: 1000 * MB, containers: 2, want: 49 },
];
for (const row of rows) {
  test(`imageLocalityScore: ${row.name}`, () => assert.equal(imageLocalityScore(row.sum, row.containers), row.want));
}

test('ImageLocality: a node holding the image scores higher, scaled by spread', () => {
  const nodes = [
    makeNode('has', { images: [{ names: ['docker.io/library/big:1.0'], sizeBytes: 800 * MB }] }),
    makeNode('lacks'),
  ];
  const scores = scoreAll(new ImageLocality(), makePod('p', { image: 'docker.io/library/big:1.0' }), { nodes });
  // 800MB × (1 of 2 nodes) = 400MB → 100 × (400 − 23) / (1000 − 23) = 38.
  assert.deepEqual(scores, { has: 38, lacks: 0 });
});

test('ImageLocality: an untagged image means :latest', () => {
  const nodes = [makeNode('has', { images: [{ names: ['redis:latest'], sizeBytes: 500 * MB }] })];
  assert.deepEqual(scoreAll(new ImageLocality(), makePod('p', { image: 'redis' }), { nodes }), { has: 48 });
});
