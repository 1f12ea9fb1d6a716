// Which upstream resolvers the cluster DNS forwards to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseUpstream, selectUpstreams } from '../../src/dns/index.js';

describe('upstream resolvers', () => {
  it('parses addresses with and without ports', () => {
    assert.deepEqual(parseUpstream('192.0.2.1'), { address: '192.0.2.1', port: 53 });
    assert.deepEqual(parseUpstream('192.0.2.1:5353'), { address: '192.0.2.1', port: 5353 });
    assert.deepEqual(parseUpstream('2001:db8::1'), { address: '2001:db8::1', port: 53 });
    assert.deepEqual(parseUpstream('[2001:db8::1]:5353'), { address: '2001:db8::1', port: 5353 });
    assert.equal(parseUpstream('dns.example.com'), undefined);
  });

  it('drops its own listen addresses so it cannot forward to itself', () => {
    const listen = [{ address: '10.43.0.10', port: 53 }, { address: '127.0.0.1', port: 53 }];
    assert.deepEqual(selectUpstreams(['10.43.0.10', '127.0.0.1', '127.0.0.53', '192.0.2.1', '127.0.0.1:5353'], listen), [
      { address: '127.0.0.53', port: 53 },
      { address: '192.0.2.1', port: 53 },
      { address: '127.0.0.1', port: 5353 },
    ]);
    assert.deepEqual(selectUpstreams(['127.0.0.1', '192.0.2.1'], [{ address: '0.0.0.0', port: 53 }]), [{ address: '192.0.2.1', port: 53 }]);
  });
});
