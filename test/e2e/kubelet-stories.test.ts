// Issue 6's "Done when" stories against `coxswain up` with its process-runtime kubelet, driven
// by the real kubectl: readiness and port-forward, the pod environment, liveness restarts,
// CrashLoopBackOff, preStop with the grace period, and adoption of running pods across a
// kubelet (i.e. `coxswain up`) restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExists, startCoxswain, type RunningCoxswain } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { eventually as poll } from '../helpers/eventually.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return poll(fn, what, { timeoutMs, intervalMs: 200, accept: (v) => v !== undefined });
}

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function apply(k: Kubectl, dir: string, name: string, manifest: unknown): Promise<void> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(manifest));
  await k.ok(['apply', '-f', file]);
}

async function podField(k: Kubectl, pod: string, jsonpath: string): Promise<string> {
  return k.ok(['get', 'pod', pod, '-o', `jsonpath=${jsonpath}`]);
}

/** PIDs of live processes whose command line contains `marker` (the runtime's shim too, unless excluded). */
async function processesWith(marker: string, { withShim = true } = {}): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // zombies are already dead
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      if (!withShim && cmdline.includes('coxswain-shim')) continue;
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

describe('issue 6 stories on coxswain up (process runtime)', { concurrency: true }, () => {
  let tmp: string;
  let cluster: RunningCoxswain;
  let k: Kubectl;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-stories-'));
    cluster = await startCoxswain(join(tmp, 'data'), { kubelet: true, args: ['--controllers', 'replicaset,deployment,garbagecollector'] });
    k = kubectl(KUBECTL, cluster.kubeconfigPath, join(tmp, 'cache'));
  });

  after(async () => {
    await k?.run(['delete', 'deployments,pods', '--all', '--grace-period=0', '--force']).catch(() => undefined);
    const code = await cluster?.stop();
    await rm(tmp, { recursive: true, force: true });
    assert.equal(code, 0, 'coxswain up exits cleanly');
  });

  it('waits for readiness in rollout status and port-forwards to the deployment', async () => {
    const port = await freePort();
    await apply(k, tmp, 'web', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'python:3',
                // Sleep first so that the probe has something to wait for.
                command: ['sh', '-c', `sleep 1; exec python3 -m http.server ${port} --bind 127.0.0.1`],
                ports: [{ containerPort: port }],
                readinessProbe: { httpGet: { path: '/', port }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    });
    const rollout = await k.run(['rollout', 'status', 'deployment/web', '--timeout=40s'], 45_000);
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /successfully rolled out/);
    // rollout status returned only once the pod was Ready, and it is: the server answers.
    const podReady = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(podReady, 'True');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).status, 200);

    // kubectl 1.33 tunnels port-forward over WebSocket, 1.27 uses SPDY.
    for (const binary of [KUBECTL, KUBECTL_127]) {
      const client = kubectl(binary, cluster.kubeconfigPath, join(tmp, `cache-pf-${binary.slice(-4)}`));
      const local = await freePort();
      const pf = client.spawn(['port-forward', 'deploy/web', `${local}:${port}`]);
      try {
        let out = '';
        pf.stdout!.on('data', (c) => (out += c));
        pf.stderr!.on('data', (c) => (out += c));
        await eventually('port-forward listening', async () => (out.includes('Forwarding from') ? true : undefined), 15_000);
        const res = await httpGet(`http://127.0.0.1:${local}/`);
        assert.equal(res.status, 200, binary);
        assert.match(res.body, /Directory listing/);
      } finally {
        process.kill(pf.pid!, 'SIGTERM');
      }
    }
  });

  it('shows the Downward API and ConfigMap/Secret values in exec env', async () => {
    await k.ok(['create', 'configmap', 'envcm', '--from-literal=CM_KEY=cm-value', '--from-literal=CM_ALL=cm-all']);
    await k.ok(['create', 'secret', 'generic', 'envsec', '--from-literal=SEC_KEY=sec-value', '--from-literal=SEC_ALL=sec-all']);
    await apply(k, tmp, 'envpod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'envpod' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '300'],
            env: [
              { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'envcm', key: 'CM_KEY' } } },
              { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'envsec', key: 'SEC_KEY' } } },
            ],
            envFrom: [{ configMapRef: { name: 'envcm' } }, { prefix: 'S_', secretRef: { name: 'envsec' } }],
          },
        ],
      },
    });
    await eventually('envpod Running', async () => ((await podField(k, 'envpod', '{.status.phase}')) === 'Running' ? true : undefined));
    const podIP = await podField(k, 'envpod', '{.status.podIP}');
    assert.ok(podIP, 'the pod has an IP');
    const env = new Map(
      (await k.ok(['exec', 'envpod', '--', 'env']))
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    assert.equal(env.get('MY_POD_NAME'), 'envpod');
    assert.equal(env.get('MY_POD_IP'), podIP);
    assert.equal(env.get('FROM_CM'), 'cm-value');
    assert.equal(env.get('FROM_SECRET'), 'sec-value');
    assert.equal(env.get('CM_KEY'), 'cm-value');
    assert.equal(env.get('CM_ALL'), 'cm-all');
    assert.equal(env.get('S_SEC_KEY'), 'sec-value');
    assert.equal(env.get('S_SEC_ALL'), 'sec-all');
  });

  it('restarts a container whose liveness probe fails, counting RESTARTS up', async () => {
    await apply(k, tmp, 'unlive', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'unlive' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '300'],
            livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    const line = await eventually('unlive restarted', async () => {
      const out = await k.ok(['get', 'pod', 'unlive', '--no-headers']);
      // NAME READY STATUS RESTARTS AGE
      const restarts = Number(out.trim().split(/\s+/)[3]);
      return restarts >= 1 ? out : undefined;
    }, 30_000);
    assert.match(line, /^unlive\s/);
    const lastState = await podField(k, 'unlive', '{.status.containerStatuses[0].lastState.terminated.exitCode}');
    // The kubelet kills the container (SIGTERM: sleep dies with 143, or 137 after the grace period).
    assert.match(lastState, /^(137|143)$/);
    const events = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=unlive', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /failed liveness probe/);
  });

  it('shows CrashLoopBackOff for a crashing container', async () => {
    await k.ok(['run', 'crasher', '--image=busybox', '--', 'sh', '-c', 'exit 2']);
    const line = await eventually('crasher in CrashLoopBackOff', async () => {
      const out = await k.ok(['get', 'pod', 'crasher', '--no-headers']);
      return /CrashLoopBackOff/.test(out) ? out : undefined;
    }, 30_000);
    assert.match(line, /0\/1\s+CrashLoopBackOff\s+[1-9]/);
    assert.equal(await podField(k, 'crasher', '{.status.containerStatuses[0].lastState.terminated.exitCode}'), '2');
    const waiting = await podField(k, 'crasher', '{.status.containerStatuses[0].state.waiting.message}');
    assert.match(waiting, /back-off \d+s restarting failed container=crasher/);
  });

  it('runs preStop on kubectl delete pod and honours the grace period', async () => {
    const hooks = join(tmp, 'hooks');
    await mkdir(hooks);
    await apply(k, tmp, 'stopper', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stopper' },
      spec: {
        terminationGracePeriodSeconds: 3,
        volumes: [{ name: 'hooks', hostPath: { path: hooks, type: 'Directory' } }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            // `$$$$` is the shell's `$$`: Kubernetes expands `$$` in commands to `$`.
            // Ignores SIGTERM (the ignore is inherited by sleep), so only the SIGKILL at the end
            // of the grace period stops it.
            command: ['sh', '-c', 'trap "" TERM; echo $$$$ > /hooks/pid; while :; do sleep 1; done'],
            volumeMounts: [{ name: 'hooks', mountPath: '/hooks' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopping > /hooks/prestop'] } } },
          },
        ],
      },
    });
    await eventually('stopper Running', async () => ((await podField(k, 'stopper', '{.status.phase}')) === 'Running' ? true : undefined));
    const pid = Number(await eventually('the pid file', async () => (await readFile(join(hooks, 'pid'), 'utf8')).trim() || undefined));
    assert.ok(processExists(pid));

    const started = Date.now();
    const del = await k.run(['delete', 'pod', 'stopper'], 30_000);
    const took = Date.now() - started;
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await readFile(join(hooks, 'prestop'), 'utf8')).trim(), 'stopping');
    assert.ok(took >= 2_500, `deletion waited for the 3 s grace period (took ${took} ms)`);
    assert.ok(took < 15_000, `deletion did not wait much past the grace period (took ${took} ms)`);
    assert.equal(processExists(pid), false, 'the container process is gone');
  });
});

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
    await rm(tmp, { recursive: true, force: true });
  });

  it('keeps the same container process across SIGKILL and restart, and leaves none after SIGTERM', async () => {
    const dataDir = join(tmp, 'data');
    const state = join(tmp, 'state');
    await mkdir(state);
    cluster = await startCoxswain(dataDir, { kubelet: true });
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

    cluster = await startCoxswain(dataDir, { kubelet: true });
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
