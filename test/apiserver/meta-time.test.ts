import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metaTimeText } from '../../src/apiserver/meta-time.js';

describe('metaTimeText (metav1.Time as JSON)', () => {
  it('is RFC 3339 to the second, the fraction dropped rather than rounded', () => {
    assert.equal(metaTimeText(new Date('2026-01-02T03:04:05.999Z')), '2026-01-02T03:04:05Z');
    assert.equal(metaTimeText(new Date('2026-01-02T03:04:06.000Z')), '2026-01-02T03:04:06Z');
  });

  it('gives each second its own text, also when going back in time', () => {
    assert.equal(metaTimeText(new Date('2026-01-02T03:04:07.100Z')), '2026-01-02T03:04:07Z');
    assert.equal(metaTimeText(new Date('2026-01-02T03:04:07.900Z')), '2026-01-02T03:04:07Z');
    assert.equal(metaTimeText(new Date('2025-12-31T23:59:59.500Z')), '2025-12-31T23:59:59Z');
  });

  it('throws on an invalid date, as toISOString does', () => {
    assert.throws(() => metaTimeText(new Date('not a date')), RangeError);
  });
});
