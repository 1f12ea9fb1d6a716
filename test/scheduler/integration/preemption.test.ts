// Preemption on a full cluster, several profiles, and leader election between two schedulers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pods } from '../../../src/client/resources.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { eventsFor, eventually, simplePod, startCluster, waitBound } from './cluster.js';

const priorityClasses = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false };

test('a high-priority pod preempts a lower-priority pod on a full cluster', async (t) => {
  const c = await startCluster({ sim: { count: 3, cpu: '1', memory: '4Gi' } });
  t.after(() => c.stop());
  const api = c.client.resource(pods, 'default');
  await c.client.resource(priorityClasses).create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
  const filler = (name: string) => {
    const p = simplePod(name, {}, { role: 'filler' });
    p.spec!.containers[0]!.resources = { requests: { cpu: '800m' } };
    return p;
  };
  for (let i = 0; i < 3; i++) await api.create(filler(`low-${i}`));
  const lowNodes = await Promise.all([0, 1, 2].map((i) => waitBound(c.client, `low-${i}`)));
  assert.equal(new Set(lowNodes).size, 3);

  const high = filler('high');
  high.spec!.priorityClassName = 'high';
  await api.create(high);
  assert.equal((await api.get('high')).spec?.priority, 1000);

  const node = await waitBound(c.client, 'high', 'default', 15_000);
  const victimIndex = lowNodes.indexOf(node);
  const victim = `low-${victimIndex}`;
  // The victim on that node was deleted (the simulated kubelet finished its short grace period).
  await eventually(async () => (await api.list()).items.every((p) => p.metadata?.name !== victim), 5000, 'victim gone');
  const others = (await api.list()).items.filter((p) => p.metadata?.name?.startsWith('low-'));
  assert.equal(others.length, 2);
  const preempted = await eventually(async () => (await eventsFor(c.client, victim)).find((e) => e.reason === 'Preempted'), 5000, 'Preempted event');
  assert.match(preempted.message ?? '', new RegExp(`^Preempted by pod .+ on node ${node}$`));
  // The preemptor's first attempt failed and nominated the node.
  const failed = (await eventsFor(c.client, 'high')).find((e) => e.reason === 'FailedScheduling');
  assert.equal(failed?.message, '0/3 nodes are available: 3 Insufficient cpu.');
  assert.equal((await api.get('high')).status?.nominatedNodeName, node);
});

test('pods go to the profile their schedulerName names', async (t) => {
  const c = await startCluster({ sim: { count: 2 }, scheduler: { profiles: ['default-scheduler', 'second-scheduler'] } });
  t.after(() => c.stop());
  const api = c.client.resource(pods, 'default');
  await api.create(simplePod('by-second', { schedulerName: 'second-scheduler' }));
  await waitBound(c.client, 'by-second');
  const ev = await eventually(async () => (await eventsFor(c.client, 'by-second')).find((e) => e.reason === 'Scheduled'), 5000, 'Scheduled');
  assert.equal(ev.source?.component, 'second-scheduler');
});

test('with leader election only one of two schedulers schedules, and the other takes over when it stops', async (t) => {
  const c = await startCluster({ sim: { count: 2 }, scheduler: false });
  t.after(() => c.stop());
  const le = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 };
  const a = new Scheduler({ client: c.client, leaderElect: true, leaderElection: { ...le, identity: 'a' } });
  const b = new Scheduler({ client: c.client, leaderElect: true, leaderElection: { ...le, identity: 'b' } });
  t.after(() => Promise.all([a.stop(), b.stop()]));
  await a.start();
  await eventually(async () => a.isLeader(), 5000, 'a leads');
  await b.start();
  const api = c.client.resource(pods, 'default');
  await api.create(simplePod('le-1'));
  await waitBound(c.client, 'le-1');
  assert.equal(a.stats.bound, 1);
  assert.equal(b.stats.bound, 0);
  assert.equal(b.isLeader(), false);
  await a.stop();
  await eventually(async () => b.isLeader(), 5000, 'b takes over');
  await api.create(simplePod('le-2'));
  await waitBound(c.client, 'le-2');
  assert.equal(b.stats.bound, 1);
});
