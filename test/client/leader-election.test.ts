import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/api-server.js';
import type { TestServer } from '../helpers/api-server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { LeaderElector } from '../../src/client/leader-election.js';
import { leases } from '../../src/client/resources.js';

let server: TestServer;
let transport: HttpTransport;
let client: ApiClient;

before(async () => {
  server = await startTestServer();
  transport = new HttpTransport({ server: server.url });
  client = new ApiClient(transport);
});

after(async () => {
  transport.close();
  await server.stop();
});

interface Candidate {
  elector: LeaderElector;
  started: Promise<void>;
  stoppedLeading: Promise<void>;
  log: string[];
}

/** Short periods keep the story quick; their ratios are upstream's (15 / 10 / 2). */
function candidate(identity: string, lease: string, releaseOnStop = true): Candidate {
  const log: string[] = [];
  let onStart!: () => void;
  let onStop!: () => void;
  const started = new Promise<void>((r) => (onStart = r));
  const stoppedLeading = new Promise<void>((r) => (onStop = r));
  const elector = new LeaderElector(client, {
    namespace: 'kube-system', name: lease, identity, releaseOnStop,
    leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200,
    onStartedLeading: () => { log.push('started'); onStart(); },
    onStoppedLeading: () => { log.push('stopped'); onStop(); },
    onNewLeader: (id) => log.push(`leader ${id}`),
  });
  return { elector, started, stoppedLeading, log };
}

test('one of two candidates leads; the other takes over once the first stops and releases', async (t) => {
  const a = candidate('a', 'release-story');
  const b = candidate('b', 'release-story');
  t.after(() => Promise.all([a.elector.stop(), b.elector.stop()]));
  a.elector.start();
  await a.started;
  b.elector.start();
  // While a renews, b sees a as leader and does not lead.
  const lease = await client.resource(leases, 'kube-system').get('release-story');
  assert.equal(lease.spec?.holderIdentity, 'a');
  assert.equal(lease.spec?.leaseDurationSeconds, 2);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(b.elector.isLeader(), false);
  assert.deepEqual(b.log, ['leader a']);

  await a.elector.stop();
  assert.deepEqual(a.log, ['started', 'stopped']);
  await b.started;
  assert.equal(b.elector.isLeader(), true);
  const after = await client.resource(leases, 'kube-system').get('release-story');
  assert.equal(after.spec?.holderIdentity, 'b');
  assert.equal(after.spec?.leaseTransitions, 1);
});

test('a leader that vanishes without releasing is replaced once its lease expires', async (t) => {
  const a = candidate('a', 'crash-story', false);
  const b = candidate('b', 'crash-story');
  t.after(() => Promise.all([a.elector.stop(), b.elector.stop()]));
  a.elector.start();
  await a.started;
  b.elector.start();
  await a.elector.stop();
  const stoppedAt = Date.now();
  await b.started;
  assert.ok(Date.now() - stoppedAt >= 1000, 'b waited for the lease to expire');
  const lease = await client.resource(leases, 'kube-system').get('crash-story');
  assert.equal(lease.spec?.holderIdentity, 'b');
});
