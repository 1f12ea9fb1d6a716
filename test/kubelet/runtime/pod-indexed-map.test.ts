import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodIndexedMap } from '../../../src/kubelet/runtime/process/pod-indexed-map.js';
import { LABEL_POD_UID } from '../../../src/kubelet/runtime/types.js';

interface Rec { id: string; labels: Record<string, string> }
const rec = (id: string, uid?: string, extra: Record<string, string> = {}): Rec => ({ id, labels: { ...(uid ? { [LABEL_POD_UID]: uid } : {}), ...extra } });
const ids = (rs: Rec[]) => rs.map((r) => r.id).sort();
const all = () => true;

test('a pod uid filter is answered from the index, and follows set, replace and delete', () => {
  const m = new PodIndexedMap<Rec>((r) => r.labels);
  m.set('a', rec('a', 'u1')).set('b', rec('b', 'u1')).set('c', rec('c', 'u2')).set('d', rec('d'));
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u1' }, all)), ['a', 'b']);
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u3' }, all)), []);
  // Without a pod uid, every value is considered.
  assert.deepEqual(ids(m.matching(undefined, all)), ['a', 'b', 'c', 'd']);
  assert.deepEqual(ids(m.matching({ role: 'x' }, (r) => r.labels.role === 'x')), []);
  // Replacing a value moves it to its new pod; deleting drops it.
  m.set('b', rec('b', 'u2'));
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u1' }, all)), ['a']);
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u2' }, all)), ['b', 'c']);
  assert.equal(m.delete('a'), true);
  assert.equal(m.delete('a'), false);
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u1' }, all)), []);
  assert.equal(m.size, 3);
  // The other labels still filter within a pod.
  m.set('e', rec('e', 'u2', { role: 'x' }));
  assert.deepEqual(ids(m.matching({ [LABEL_POD_UID]: 'u2', role: 'x' }, (r) => r.labels.role === 'x')), ['e']);
});
