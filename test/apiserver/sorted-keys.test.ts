import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lowerBound, SortedKeySet } from '../../src/apiserver/sorted-keys.js';

test('keys come out in code-unit order, whatever order they were added in', () => {
  const set = new SortedKeySet();
  for (const k of ['/pods/b/2', '/pods/a/10', '/pods/a/9', '/pods/a/1']) set.add(k);
  assert.deepEqual(set.ordered(), ['/pods/a/1', '/pods/a/10', '/pods/a/9', '/pods/b/2']);
});

test('changes after a read are merged into the next read', () => {
  const set = new SortedKeySet();
  set.add('b');
  set.add('d');
  assert.deepEqual(set.ordered(), ['b', 'd']);
  set.add('a');
  set.delete('d');
  set.add('c');
  assert.deepEqual(set.ordered(), ['a', 'b', 'c']);
});

test('a key deleted and added again before a read appears once; one added and deleted not at all', () => {
  const set = new SortedKeySet();
  set.add('x');
  set.add('y');
  assert.deepEqual(set.ordered(), ['x', 'y']);
  set.delete('x');
  set.add('x');
  set.add('z');
  set.delete('z');
  assert.deepEqual(set.ordered(), ['x', 'y']);
});

test('a random mix of adds and deletes with reads in between matches a sorted reference', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const set = new SortedKeySet();
  const reference = new Set<string>();
  for (let step = 0; step < 5000; step++) {
    const key = `/registry/pods/ns${Math.floor(random() * 3)}/pod-${Math.floor(random() * 400)}`;
    if (reference.has(key)) {
      reference.delete(key);
      set.delete(key);
    } else {
      reference.add(key);
      set.add(key);
    }
    if (random() < 0.05) assert.deepEqual(set.ordered(), [...reference].sort());
  }
  assert.deepEqual(set.ordered(), [...reference].sort());
});

test('lowerBound finds the first key at or above the one asked for', () => {
  const keys = ['a', 'c', 'e'];
  assert.equal(lowerBound(keys, ''), 0);
  assert.equal(lowerBound(keys, 'c'), 1);
  assert.equal(lowerBound(keys, 'd'), 2);
  assert.equal(lowerBound(keys, 'z'), 3);
});
