import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../../src/scheduler/framework/cycle-state.js';
import { newPodInfo } from '../../../src/scheduler/framework/pod-info.js';
import { DefaultBinder } from '../../../src/scheduler/plugins/default-binder.js';
import { makePod } from '../fixtures.js';

test('DefaultBinder: returns the Binding for pods/binding', () => {
  const r = new DefaultBinder().bind(new CycleState(), newPodInfo(makePod('web', { namespace: 'shop' })), 'node-a');
  assert.equal(r.status, null);
  assert.deepEqual(r.binding, {
    apiVersion: 'v1', kind: 'Binding',
    metadata: { namespace: 'shop', name: 'web', uid: 'uid-web' },
    target: { kind: 'Node', name: 'node-a' },
  });
});
