// Pods bound to the node, through the kubelet and the sim runtime on a FakeClock: run to
// completion, CrashLoopBackOff, probes, deletion with preStop and grace, kubelet restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecResult } from '../../src/kubelet/runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_UID } from '../../src/kubelet/runtime/types.js';
import { pods } from '../../src/client/resources.js';
import { SIM_ANNOTATION_EXIT_AFTER_MS, SIM_ANNOTATION_EXIT_CODE, SIM_ANNOTATION_IGNORE_SIGTERM } from '../../src/kubelet/runtime/sim/index.js';
import { boundPod, eventsOf, eventually, getPod, type Harness, startHarness, waitPod } from './harness.js';

/** Exec answers the tests control: `check <name>` succeeds while healthy has <name>. */
const healthy = new Set<string>();
const execLog: string[][] = [];
function exec(_c: unknown, cmd: string[]): ExecResult | undefined {
  execLog.push(cmd);
  if (cmd[0] === 'check') return { stdout: Buffer.from(''), stderr: Buffer.from(healthy.has(cmd[1]!) ? '' : `${cmd[1]} is unwell`), exitCode: healthy.has(cmd[1]!) ? 0 : 1 };
  return undefined;
}

let h: Harness;
before(async () => {
  h = await startHarness({ sim: { exec } });
});
after(async () => {
  await h.stop();
});

async function containersOf(podName: string) {
  return h.runtime.listContainers({ labels: { [LABEL_POD_NAME]: podName } });
}

test('a pod goes Running, then Succeeded with Completed when its container exits 0 (restartPolicy Never)', async () => {
  await h.client.resource(pods, 'default').create(boundPod('done', 'node-a', { restartPolicy: 'Never' }));
  const running = await waitPod(h, 'done', (p) => p.status?.phase === 'Running', 'Running');
  const cs = running.status!.containerStatuses![0]!;
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.ok(cs.state?.running?.startedAt);
  assert.match(cs.containerID ?? '', /^coxswain-sim:\/\//);
  assert.equal(running.status?.podIP, '127.0.0.1');
  assert.equal(running.status?.hostIP, '127.0.0.1');
  assert.ok(running.status?.startTime);
  const conds = Object.fromEntries((running.status?.conditions ?? []).map((c) => [c.type, c.status]));
  assert.deepEqual({ ...conds, PodScheduled: undefined }, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: undefined });

  const [c] = await containersOf('done');
  h.runtime.exitContainer(c!.id, 0);
  const done = await waitPod(h, 'done', (p) => p.status?.phase === 'Succeeded', 'Succeeded');
  const t = done.status!.containerStatuses![0]!.state?.terminated;
  assert.equal(t?.exitCode, 0);
  assert.equal(t?.reason, 'Completed');
  assert.ok(t?.startedAt && t.finishedAt);
  const ready = done.status?.conditions?.find((x) => x.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'PodCompleted');
  assert.equal((await containersOf('done')).length, 1, 'not restarted');

  const reasons = (await eventsOf(h, 'done')).map((e) => `${e.reason}: ${e.message}`);
  assert.ok(reasons.includes('Pulled: Container image "busybox" already present on machine'), reasons.join('\n'));
  assert.ok(reasons.includes('Created: Created container app'));
  assert.ok(reasons.includes('Started: Started container app'));
});

test('init containers run in order before the app container', async () => {
  await h.client.resource(pods, 'default').create(boundPod('inits', 'node-a', {
    initContainers: [{ name: 'one', image: 'busybox' }, { name: 'two', image: 'busybox' }],
  }, { [`${SIM_ANNOTATION_EXIT_CODE}.one`]: '0', [`${SIM_ANNOTATION_EXIT_CODE}.two`]: '0' }));
  await waitPod(h, 'inits', (p) => p.status?.initContainerStatuses?.length === 2, 'statuses');
  const first = await getPod(h, 'inits');
  assert.equal(first.status?.phase, 'Pending');
  assert.equal(first.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  for (let i = 0; i < 3; i++) {
    await h.step(0);
    await h.settle();
  }
  const p = await waitPod(h, 'inits', (x) => x.status?.phase === 'Running', 'Running');
  assert.deepEqual(p.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason), ['Completed', 'Completed']);
  const started = (await containersOf('inits')).sort((a, b) => a.createdAt - b.createdAt || a.metadata.attempt - b.metadata.attempt).map((c) => c.labels[LABEL_CONTAINER_NAME]);
  assert.deepEqual(started, ['one', 'two', 'app']);
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
});

test('a crashing container shows CrashLoopBackOff with back-off growing 10s, 20s, 40s', async () => {
  await h.client.resource(pods, 'default').create(boundPod('crash', 'node-a', {}, { [SIM_ANNOTATION_EXIT_CODE]: '1', [SIM_ANNOTATION_EXIT_AFTER_MS]: '0' }));
  await waitPod(h, 'crash', (p) => p.status?.phase === 'Running', 'Running');
  const uid = (await getPod(h, 'crash')).metadata!.uid!;
  const waitingMessage = async () => (await getPod(h, 'crash')).status?.containerStatuses?.[0];

  // The first exit restarts at once; the second one starts the back-off.
  await h.step(0);
  await h.settle();
  await h.step(0);
  await h.settle();
  let cs = await waitingMessage();
  assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs?.state?.waiting?.message, `back-off 10s restarting failed container=app pod=crash_default(${uid})`);
  assert.equal(cs?.restartCount, 1);
  assert.equal(cs?.lastState?.terminated?.exitCode, 1);
  assert.equal(cs?.lastState?.terminated?.reason, 'Error');

  for (const [waitS, nextMsg, restarts] of [[10, '20s', 2], [20, '40s', 3], [40, '1m20s', 4]] as const) {
    await h.step(waitS * 1000 - 1);
    await h.settle();
    assert.equal((await waitingMessage())?.restartCount, restarts - 1, `no restart before ${waitS}s`);
    await h.step(1);
    await h.step(0); // the restarted container exits
    await h.settle();
    cs = await waitingMessage();
    assert.equal(cs?.restartCount, restarts, `restarted after ${waitS}s`);
    assert.equal(cs?.state?.waiting?.message, `back-off ${nextMsg} restarting failed container=app pod=crash_default(${uid})`);
  }
  const backoffs = (await eventsOf(h, 'crash')).filter((e) => e.reason === 'BackOff');
  assert.ok(backoffs.length >= 1);
  assert.equal(backoffs[0]!.type, 'Warning');
  assert.equal(backoffs[0]!.message, `Back-off restarting failed container app in pod crash_default(${uid})`);
  assert.ok((await containersOf('crash')).length <= 2, 'old exited containers are removed');
});

test('a failing liveness probe restarts the container and the restart count goes up', async () => {
  healthy.add('live');
  await h.client.resource(pods, 'default').create(boundPod('live', 'node-a', {
    containers: [{ name: 'app', image: 'busybox', livenessProbe: { exec: { command: ['check', 'live'] }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 } }],
  }));
  await waitPod(h, 'live', (p) => p.status?.phase === 'Running', 'Running');
  for (let i = 0; i < 3; i++) await h.step(1000);
  assert.equal((await getPod(h, 'live')).status?.containerStatuses?.[0]?.restartCount, 0, 'healthy: no restart');
  healthy.delete('live');
  for (let i = 0; i < 3; i++) await h.step(1000);
  const p = await waitPod(h, 'live', (x) => x.status?.containerStatuses?.[0]?.restartCount === 1, 'restartCount 1');
  assert.ok(p.status?.containerStatuses?.[0]?.state?.running);
  assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 143);
  const evs = await eventsOf(h, 'live');
  const unhealthy = evs.find((e) => e.reason === 'Unhealthy');
  assert.equal(unhealthy?.message, 'Liveness probe failed: live is unwell');
  assert.equal(unhealthy?.type, 'Warning');
  assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'));
});

test('readiness gates the Ready condition', async () => {
  await h.client.resource(pods, 'default').create(boundPod('ready', 'node-a', {
    containers: [{ name: 'app', image: 'busybox', readinessProbe: { exec: { command: ['check', 'ready'] }, periodSeconds: 1, successThreshold: 1, failureThreshold: 1 } }],
  }));
  await waitPod(h, 'ready', (p) => p.status?.phase === 'Running', 'Running');
  await h.step(1000);
  let p = await getPod(h, 'ready');
  assert.equal(p.status?.containerStatuses?.[0]?.ready, false);
  const notReady = p.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(notReady?.status, 'False');
  assert.equal(notReady?.reason, 'ContainersNotReady');
  assert.equal(notReady?.message, 'containers with unready status: [app]');
  healthy.add('ready');
  await h.step(1000);
  p = await waitPod(h, 'ready', (x) => x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 'Ready');
  assert.equal(p.status?.containerStatuses?.[0]?.ready, true);
  healthy.delete('ready');
  await h.step(1000);
  await waitPod(h, 'ready', (x) => x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False', 'not Ready again');
});

test('deletion runs preStop, waits out the grace period, then removes the pod', async () => {
  await h.client.resource(pods, 'default').create(boundPod('bye', 'node-a', {
    terminationGracePeriodSeconds: 30,
    containers: [{ name: 'app', image: 'busybox', lifecycle: { preStop: { exec: { command: ['drain', 'now'] } } } }],
  }, { [SIM_ANNOTATION_IGNORE_SIGTERM]: 'true' }));
  await waitPod(h, 'bye', (p) => p.status?.phase === 'Running', 'Running');
  const [c] = await containersOf('bye');
  await h.client.resource(pods, 'default').delete('bye', { gracePeriodSeconds: 5 });
  // The kubelet is now waiting out the grace period: do not wait for it to be idle.
  await eventually(async () => execLog.some((cmd) => cmd.join(' ') === 'drain now'), 'preStop ran');
  await new Promise((r) => setTimeout(r, 50));
  await h.step(4000, false);
  assert.equal((await h.runtime.containerStatus(c!.id))?.state, 'CONTAINER_RUNNING', 'still within the grace period');
  assert.ok(await getPod(h, 'bye'), 'the pod waits for the kubelet');
  await h.step(1000, false);
  await eventually(async () => {
    try {
      await getPod(h, 'bye');
      return false;
    } catch {
      return true;
    }
  }, 'pod deleted');
  const st = await h.runtime.containerStatus(c!.id);
  assert.ok(!st || st.exitCode === 137, 'killed after the grace period');
  const evs = await eventsOf(h, 'bye');
  assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Stopping container app'));
});

test('a restarted kubelet adopts running containers and removes orphans', async () => {
  await h.client.resource(pods, 'default').create(boundPod('keep', 'node-a'));
  await waitPod(h, 'keep', (p) => p.status?.phase === 'Running', 'Running');
  const before = (await containersOf('keep')).map((c) => c.id);
  // An orphan: a sandbox of a pod that is not bound here.
  const orphan = await h.runtime.runPodSandbox({
    metadata: { name: 'ghost', namespace: 'default', uid: 'ghost-uid', attempt: 0 }, logDirectory: '',
    labels: { [LABEL_POD_UID]: 'ghost-uid', [LABEL_POD_NAME]: 'ghost' }, annotations: {},
  });
  await h.restartKubelet();
  await h.settle();
  await h.settle();
  const after = (await containersOf('keep')).map((c) => c.id);
  assert.deepEqual(after, before, 'the same container, not a duplicate');
  assert.equal((await getPod(h, 'keep')).status?.phase, 'Running');
  assert.equal(await h.runtime.podSandboxStatus(orphan), undefined, 'the orphaned sandbox is removed');
});
