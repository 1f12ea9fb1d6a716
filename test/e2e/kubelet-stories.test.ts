// Issue 6's stories on the process runtime (kubelet-stories.ts holds the stories shared with
// the cri runtime, see kubelet-stories-cri.test.ts), plus one that is the process runtime's
// own: host processes outlive a killed `coxswain up` and the next one adopts them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExists, startCoxswain, type RunningCoxswain, removeClusterTmp } from './coxswain-process.js';
import { kubectl } from './kubectl-runner.js';
import { apply, defineKubeletStories, eventually, KUBECTL, podField, processesWith } from './kubelet-stories.js';

defineKubeletStories('process');

describe('coxswain up adopts running pods after a restart (process runtime)', () => {
  let tmp: string;
  let cluster: RunningCoxswain | undefined;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-adopt-'));
  });

  after(async () => {
    if (cluster && cluster.child.exitCode === null && cluster.child.signalCode === null) await cluster.stop();
    // Should a check below have failed, leave no pod process behind.
    for (const pid of await processesWith(join(tmp, 'state', 'pid'))) process.kill(pid, 'SIGKILL');
    await removeClusterTmp(tmp);
  });

  it('keeps the same container process across SIGKILL and restart, and leaves none after SIGTERM', async () => {
    const dataDir = join(tmp, 'data');
    const state = join(tmp, 'state');
    await mkdir(state);
    cluster = await startCoxswain(dataDir, { kubelet: true, args: ['--no-ingress'] });
    let k = kubectl(KUBECTL, cluster.kubeconfigPath, join(tmp, 'cache-1'));
    await apply(k, tmp, 'keeper', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'keeper' },
      spec: {
        terminationGracePeriodSeconds: 2,
        volumes: [{ name: 'state', hostPath: { path: state, type: 'Directory' } }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            // `$$$$` is the shell's `$$`: Kubernetes expands `$$` in commands to `$`.
            command: ['sh', '-c', 'echo $$$$ > /state/pid; while :; do sleep 1; done'],
            volumeMounts: [{ name: 'state', mountPath: '/state' }],
          },
        ],
      },
    });
    await eventually('keeper Running', async () => ((await podField(k, 'keeper', '{.status.phase}')) === 'Running' ? true : undefined));
    const pidFile = join(state, 'pid');
    const pid = Number(await eventually('the pid file', async () => (await readFile(pidFile, 'utf8')).trim() || undefined));
    // The mount path is rewritten to the host path, so the container's command line names it.
    assert.deepEqual(await processesWith(pidFile, { withShim: false }), [pid]);

    const first = cluster;
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    process.kill(first.pid, 'SIGKILL');
    await exited;
    assert.ok(processExists(pid), 'the container outlives a killed coxswain up');

    cluster = await startCoxswain(dataDir, { kubelet: true, args: ['--no-ingress'] });
    k = kubectl(KUBECTL, cluster.kubeconfigPath, join(tmp, 'cache-2'));
    // Give the new kubelet time to sync the pod (several sync periods), then check that it
    // adopted the running container rather than starting another.
    await eventually('keeper Ready after the restart', async () =>
      (await podField(k, 'keeper', '{.status.conditions[?(@.type=="Ready")].status}')) === 'True' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await podField(k, 'keeper', '{.status.containerStatuses[0].restartCount}'), '0');
    assert.equal((await readFile(pidFile, 'utf8')).trim(), String(pid), 'the container did not start again');
    assert.deepEqual(await processesWith(pidFile, { withShim: false }), [pid], 'one container process, the original');

    assert.equal(await cluster.stop(), 0, 'coxswain up exits cleanly');
    await eventually('the container process gone', async () => (processExists(pid) ? undefined : true), 10_000);
    assert.deepEqual(await processesWith(pidFile), []);
  });
});
