// The bookkeeping that keeps the endpoint controllers honest: trigger times and the record
// of slices written, which tells a stale informer cache from a current one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { formatRFC3339Nano, TriggerTimeTracker } from '../../../src/controllers/endpoints/trigger-time-tracker.js';
import { EndpointSliceTracker } from '../../../src/controllers/endpoints/endpointslice-tracker.js';

const svc: Service = { metadata: { name: 's', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' } };
function pod(name: string, readySince: string): Pod {
  return { metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } };
}
function slice(uid: string, rv: string): EndpointSlice {
  return { metadata: { uid, resourceVersion: rv }, addressType: 'IPv4', endpoints: [] };
}

describe('TriggerTimeTracker', () => {
  it('reports the service creation first, then the earliest unseen pod change, then nothing', () => {
    const t = new TriggerTimeTracker();
    const a = pod('a', '2024-01-01T00:01:00Z');
    assert.equal(t.compute(svc, [a]), Date.parse('2024-01-01T00:00:00Z'));
    assert.equal(t.compute(svc, [a]), undefined);
    const b = pod('b', '2024-01-01T00:03:00Z');
    const a2 = pod('a', '2024-01-01T00:02:00Z');
    assert.equal(t.compute(svc, [a2, b]), Date.parse('2024-01-01T00:02:00Z'));
    assert.equal(t.compute(svc, [a2, b]), undefined);
  });

  it('formats as Go RFC3339Nano', () => {
    assert.equal(formatRFC3339Nano(Date.parse('2024-01-01T00:00:00.000Z')), '2024-01-01T00:00:00Z');
    assert.equal(formatRFC3339Nano(Date.parse('2024-01-01T00:00:00.120Z')), '2024-01-01T00:00:00.12Z');
  });
});

describe('EndpointSliceTracker', () => {
  it('tells our own echo from newer writes, and a stale cache from a current one', () => {
    const t = new EndpointSliceTracker();
    t.update('ns/s', slice('u1', '10'));
    assert.equal(t.shouldSync('ns/s', slice('u1', '10')), false, 'our own write echoed back');
    assert.equal(t.shouldSync('ns/s', slice('u1', '12')), true, 'someone else wrote after us');
    assert.equal(t.shouldSync('ns/s', slice('u2', '5')), true, 'unknown slice');
    assert.equal(t.stale('ns/s', []), true, 'the created slice is not in the cache yet');
    assert.equal(t.stale('ns/s', [slice('u1', '9')]), true, 'an older version is cached');
    assert.equal(t.stale('ns/s', [slice('u1', '10')]), false);
    t.expectDeletion('ns/s', slice('u1', '10'));
    assert.equal(t.stale('ns/s', [slice('u1', '10')]), true, 'a slice we deleted is still cached');
    assert.equal(t.stale('ns/s', []), false);
    assert.equal(t.handleDeletion('ns/s', slice('u1', '10')), true, 'we expected that deletion');
    t.update('ns/s', slice('u3', '20'));
    assert.equal(t.handleDeletion('ns/s', slice('u3', '20')), false, 'someone else deleted it');
  });
});
