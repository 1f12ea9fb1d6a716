// pods/binding assigns a node once; pods/eviction deletes unless a disruption budget forbids it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('pod subresources', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
  });

  it('binds a pod to a node once and marks it scheduled', async () => {
    await t.request('POST', '/api/v1/namespaces/default/pods', pod('b1'));
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } };
    const r = await t.request('POST', '/api/v1/namespaces/default/pods/b1/binding', binding);
    assert.equal(r.status, 201, r.text);
    const got = (await t.request('GET', '/api/v1/namespaces/default/pods/b1')).json;
    assert.equal(got.spec.nodeName, 'node-a');
    assert.equal(got.status.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
    const again = await t.request('POST', '/api/v1/namespaces/default/pods/b1/binding', { ...binding, target: { kind: 'Node', name: 'node-b' } });
    assert.equal(again.status, 409);
    assert.match(again.json.message, /already assigned to node "node-a"/);
  });

  it('evicts a pod without a budget', async () => {
    await t.request('POST', '/api/v1/namespaces/default/pods', pod('e1'));
    const r = await t.request('POST', '/api/v1/namespaces/default/pods/e1/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'e1' } });
    assert.equal(r.status, 201, r.text);
    assert.equal((await t.request('GET', '/api/v1/namespaces/default/pods/e1')).status, 404);
  });

  it('refuses an eviction that would break a disruption budget with 429', async () => {
    await t.request('POST', '/api/v1/namespaces/default/pods', pod('e2', { app: 'db' }));
    const p = (await t.request('GET', '/api/v1/namespaces/default/pods/e2')).json;
    await t.request('PUT', '/api/v1/namespaces/default/pods/e2/status', { ...p, status: { phase: 'Running' } });
    const pdb = await t.request('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    assert.equal(pdb.status, 201, pdb.text);
    await t.request('PUT', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/db/status', {
      ...pdb.json, status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
    });
    const r = await t.request('POST', '/api/v1/namespaces/default/pods/e2/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'e2' } });
    assert.equal(r.status, 429);
    assert.equal(r.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal((await t.request('GET', '/api/v1/namespaces/default/pods/e2')).status, 200);
  });
  it('spends one allowed disruption per eviction, so concurrent evictions cannot both pass', async () => {
    for (const name of ['c1', 'c2']) {
      await t.request('POST', '/api/v1/namespaces/default/pods', pod(name, { app: 'cache' }));
      const p = (await t.request('GET', `/api/v1/namespaces/default/pods/${name}`)).json;
      await t.request('PUT', `/api/v1/namespaces/default/pods/${name}/status`, { ...p, status: { phase: 'Running' } });
    }
    const pdb = await t.request('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'cache' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'cache' } } },
    });
    await t.request('PUT', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/cache/status', {
      ...pdb.json, status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
    });
    const evict = (name: string, query = '') => t.request('POST', `/api/v1/namespaces/default/pods/${name}/eviction${query}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } });

    // A dry run checks the budget without spending it.
    assert.equal((await evict('c1', '?dryRun=All')).status, 201);
    assert.equal((await t.request('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/cache')).json.status.disruptionsAllowed, 1);

    const answers = await Promise.all([evict('c1'), evict('c2')]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [201, 429]);
    const status = (await t.request('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/cache')).json.status;
    assert.equal(status.disruptionsAllowed, 0);
    const evicted = answers[0].status === 201 ? 'c1' : 'c2';
    assert.deepEqual(Object.keys(status.disruptedPods), [evicted]);
    assert.equal(status.conditions.find((c: any) => c.type === 'DisruptionAllowed').reason, 'InsufficientPods');
  });
});
