// Issue 6's "Done when" stories, runnable on either kubelet runtime against one `coxswain up`
// per runtime, driven by the real kubectl: a Ready node, run-to-completion and logs, exec with
// exit codes (kubectl 1.33 and 1.27), crash restarts and CrashLoopBackOff, a Deployment,
// readiness in rollout status and port-forward (WebSocket and SPDY), the pod environment
// (Downward API, ConfigMap, Secret), liveness restarts, preStop with the grace period.
//
// What differs per runtime is only what the runtime is: `process` runs host binaries on the
// host network (the web server is python's on a free host port, reachable on loopback);
// `cri` runs the offline busybox image in the pod's own network (busybox httpd on 8080,
// reached through port-forward). `cri` needs root and the Debian packages; it runs under
// CI=true and is skipped elsewhere only when they are missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExists, startCoxswain, type RunningCoxswain, removeClusterTmp } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { acquireCriHostLock } from './cri-host-lock.js';
import { eventually as poll } from '../helpers/eventually.js';
import { installDefaultImages } from '../../src/kubelet/runtime/cri/images/install-defaults.js';
import { managedContainerdPaths } from '../../src/kubelet/runtime/cri/containerd-config.js';
import { managedSnapshotter } from '../../src/kubelet/runtime/cri/images/import.js';
import { runReset } from '../../src/cli/reset.js';
import { freePort } from '../helpers/net.js';
export { freePort };

export const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
export const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

export type StoryRuntime = 'process' | 'cri';

export function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return poll(fn, what, { timeoutMs, intervalMs: 200, accept: (v) => v !== undefined });
}

export function httpGet(url: string): Promise<{ status: number; body: string }> {
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

export async function apply(k: Kubectl, dir: string, name: string, manifest: unknown): Promise<void> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(manifest));
  await k.ok(['apply', '-f', file]);
}

export async function podField(k: Kubectl, pod: string, jsonpath: string): Promise<string> {
  return k.ok(['get', 'pod', pod, '-o', `jsonpath=${jsonpath}`]);
}

/** PIDs of live processes whose command line contains `marker` (the process runtime's shim too, unless excluded). */
export async function processesWith(marker: string, { withShim = true } = {}): Promise<number[]> {
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

const CRI_PREREQUISITES = ['/usr/bin/containerd', '/usr/lib/cni/bridge', '/bin/busybox'];

/** Why the cri stories cannot run here (undefined: they can). Under CI=true they never skip. */
export function criUnavailable(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  if (process.getuid?.() !== 0) return 'the cri runtime needs root';
  const missing = CRI_PREREQUISITES.filter((p) => !existsSync(p));
  return missing.length ? `missing ${missing.join(', ')}: apt-get install -y containerd runc containernetworking-plugins iptables busybox-static` : undefined;
}

/** A `coxswain up` with its kubelet on `runtime`, ready for pods (cri: offline images imported). */
export interface StoryCluster {
  tmp: string;
  cluster: RunningCoxswain;
  k: Kubectl;
  k127: Kubectl;
}

export async function startStoryCluster(runtime: StoryRuntime, prefix: string): Promise<StoryCluster & { stop(): Promise<number | null> }> {
  const tmp = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(tmp, 'data');
  let release: (() => Promise<void>) | undefined;
  if (runtime === 'cri') {
    assert.equal(process.getuid?.(), 0, 'the cri runtime needs root');
    for (const p of CRI_PREREQUISITES) assert.ok(existsSync(p), `${p} missing: apt-get install -y containerd runc containernetworking-plugins iptables busybox-static`);
    release = await acquireCriHostLock();
  }
  // No ingress: its ports 80/443 are the host's, and these stories do not need it.
  // serviceaccount: pods are admitted once their namespace's `default` ServiceAccount exists.
  const args = ['--controllers', 'replicaset,deployment,garbagecollector,serviceaccount', '--no-ingress', ...(runtime === 'cri' ? ['--runtime', 'cri'] : [])];
  let cluster: RunningCoxswain;
  try {
    cluster = await startCoxswain(dataDir, { kubelet: true, args, timeoutMs: runtime === 'cri' ? 90_000 : 30_000 });
    if (runtime === 'cri') {
      const paths = managedContainerdPaths(dataDir);
      await installDefaultImages({ archiveDir: join(tmp, 'images'), endpoint: `unix://${paths.socket}`, snapshotter: managedSnapshotter(paths.dir) });
    }
  } catch (err) {
    if (runtime === 'cri') await runReset({ dataDir }).catch(() => undefined);
    await release?.();
    throw err;
  }
  const k = kubectl(KUBECTL, cluster.kubeconfigPath, join(tmp, 'cache-133'));
  const k127 = kubectl(KUBECTL_127, cluster.kubeconfigPath, join(tmp, 'cache-127'));
  await eventually('the default ServiceAccount', async () => ((await k.run(['get', 'serviceaccount', 'default'])).code === 0 ? true : undefined), 15_000);
  return {
    tmp,
    cluster,
    k,
    k127,
    async stop() {
      await k.run(['delete', 'deployments,pods', '--all', '--grace-period=0', '--force']).catch(() => undefined);
      const code = await cluster.stop();
      if (runtime === 'cri') await runReset({ dataDir }).catch(() => undefined);
      await removeClusterTmp(tmp);
      await release?.();
      return code;
    },
  };
}

/** The web server of the readiness story, per runtime. */
function webContainer(runtime: StoryRuntime, port: number) {
  const readinessProbe = { httpGet: { path: '/', port }, periodSeconds: 1 };
  if (runtime === 'process') {
    // Sleep first so that the probe has something to wait for. The server binds the pod's own
    // loopback address, where the kubelet probes it.
    return {
      name: 'web', image: 'python:3',
      command: ['sh', '-c', `sleep 1; exec python3 -m http.server ${port} --bind $(MY_POD_IP)`],
      env: [{ name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      ports: [{ containerPort: port }], readinessProbe,
    };
  }
  return {
    name: 'web', image: 'busybox',
    command: ['sh', '-c', `sleep 1; mkdir -p /w; echo web-ok > /w/index.html; exec httpd -f -p ${port} -h /w`],
    ports: [{ containerPort: port }], readinessProbe,
  };
}

/**
 * Registers the stories for `runtime` in a describe of their own, with one cluster for all.
 * `extra` registers more stories in the same describe (e.g. the cri image stories).
 */
export function defineKubeletStories(runtime: StoryRuntime, extra?: (ctx: () => StoryCluster) => void): void {
  const skip = runtime === 'cri' ? criUnavailable() : undefined;
  describe(`issue 6 stories on coxswain up (${runtime} runtime)`, { concurrency: true, skip }, () => {
    let c: (StoryCluster & { stop(): Promise<number | null> }) | undefined;
    const ctx = (): StoryCluster => c!;

    before(async () => {
      c = await startStoryCluster(runtime, `coxswain-e2e-stories-${runtime}-`);
    });

    after(async () => {
      const code = await c?.stop();
      assert.equal(code, 0, 'coxswain up exits cleanly');
    });

    it('registers a Ready node', async () => {
      const status = await eventually('a Ready node', async () => {
        const out = await ctx().k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
        return out === 'True' ? out : undefined;
      }, 5_000);
      assert.equal(status, 'True');
    });

    it('runs a pod to completion and shows its logs', async () => {
      const { k, k127 } = ctx();
      await k.ok(['run', 'hello', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hi; sleep 1']);
      await eventually('hello Completed', async () => {
        const out = await k.ok(['get', 'pod', 'hello', '--no-headers']);
        return /Completed/.test(out) ? out : undefined;
      }, 30_000);
      assert.equal((await k.ok(['logs', 'hello'])).trim(), 'hi');
      assert.equal((await k127.ok(['logs', 'hello'])).trim(), 'hi');
    });

    it('execs into a running container with both kubectl versions, propagating the exit code', async () => {
      const { k, k127 } = ctx();
      await k.ok(['run', 'srv', '--image=busybox', '--', 'sh', '-c', 'echo serving; sleep 300']);
      await eventually('srv Running', async () => {
        const out = await k.ok(['get', 'pod', 'srv', '--no-headers']);
        return /Running/.test(out) ? out : undefined;
      }, 30_000);
      for (const client of [k, k127]) {
        const r = await client.run(['exec', 'srv', '--', 'sh', '-c', 'echo out-$HOSTNAME; echo err >&2; exit 3']);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout.trim(), 'out-srv');
        assert.match(r.stderr, /err/);
      }
    });

    it('runs a Deployment whose pods the kubelet starts', async () => {
      const { k } = ctx();
      await k.ok(['create', 'deployment', 'sleeper', '--image=busybox', '--replicas=2', '--', 'sleep', '300']);
      const ready = await eventually('sleeper 2/2', async () => {
        const out = await k.ok(['get', 'deployment', 'sleeper', '-o', 'jsonpath={.status.readyReplicas}']);
        return out === '2' ? out : undefined;
      }, 30_000);
      assert.equal(ready, '2');
    });

    it('waits for readiness in rollout status and port-forwards to the deployment', async () => {
      const { k, tmp, cluster } = ctx();
      // Process pods share the host network: a free host port. CRI pods have their own.
      const port = runtime === 'process' ? await freePort() : 8080;
      await apply(k, tmp, 'web', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [webContainer(runtime, port)] } },
        },
      });
      const rollout = await k.run(['rollout', 'status', 'deployment/web', '--timeout=40s'], 45_000);
      assert.equal(rollout.code, 0, rollout.stderr);
      assert.match(rollout.stdout, /successfully rolled out/);
      // rollout status returned only once the pod was Ready, and it is.
      const podReady = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
      assert.equal(podReady, 'True');
      if (runtime === 'process') {
        const podIP = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].status.podIP}']);
        assert.match(podIP, /^127\./, 'process pods have a loopback address');
        assert.equal((await httpGet(`http://${podIP}:${port}/`)).status, 200);
      }

      // kubectl 1.33 tunnels port-forward over WebSocket, 1.27 uses SPDY.
      for (const binary of [KUBECTL, KUBECTL_127]) {
        const client = kubectl(binary, cluster.kubeconfigPath, join(tmp, `cache-pf-${binary.slice(-4)}`));
        const local = await freePort();
        const pf = client.spawn(['port-forward', 'deploy/web', `${local}:${port}`]);
        try {
          let out = '';
          pf.stdout!.on('data', (d) => (out += d));
          pf.stderr!.on('data', (d) => (out += d));
          await eventually('port-forward listening', async () => (out.includes('Forwarding from') ? true : undefined), 15_000);
          const res = await httpGet(`http://127.0.0.1:${local}/`);
          assert.equal(res.status, 200, binary);
          assert.match(res.body, runtime === 'process' ? /Directory listing/ : /web-ok/);
        } finally {
          process.kill(pf.pid!, 'SIGTERM');
        }
      }
    });

    it('shows the Downward API and ConfigMap/Secret values in exec env', async () => {
      const { k, tmp } = ctx();
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
      await eventually('envpod Running', async () => ((await podField(k, 'envpod', '{.status.phase}')) === 'Running' ? true : undefined), 30_000);
      const podIP = await podField(k, 'envpod', '{.status.podIP}');
      assert.ok(podIP, 'the pod has an IP');
      if (runtime === 'cri') assert.match(podIP, /^10\.42\./, 'a pod IP of its own');
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
      const { k, tmp } = ctx();
      await apply(k, tmp, 'unlive', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'unlive' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'c', image: 'busybox', command: ['sleep', '300'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 } }],
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
      // Events are written once the process has spare time (client/idle-gate.ts), so the
      // Killing event may come a little after the restart shows.
      let events = '';
      await eventually('the liveness Killing event', async () => {
        events = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=unlive', '-o', 'jsonpath={.items[*].message}']);
        return /failed liveness probe/.test(events) ? true : undefined;
      }, 10_000).catch((err: Error) => assert.fail(`${err.message}: ${events}`));
    });

    it('shows CrashLoopBackOff for a crashing container', async () => {
      const { k } = ctx();
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
      const { k, tmp } = ctx();
      const hooks = join(tmp, 'hooks');
      await mkdir(hooks);
      // A token in the command line finds the container's processes on the host, whatever
      // PID namespace they are in.
      const token = `stopper-${process.pid}-${Date.now()}`;
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
              command: ['sh', '-c', `trap "" TERM; echo $$$$ > /hooks/pid; : ${token}; while :; do sleep 1; done`],
              volumeMounts: [{ name: 'hooks', mountPath: '/hooks' }],
              lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopping > /hooks/prestop'] } } },
            },
          ],
        },
      });
      await eventually('stopper Running', async () => ((await podField(k, 'stopper', '{.status.phase}')) === 'Running' ? true : undefined), 30_000);
      const pid = Number(await eventually('the pid file', async () => (await readFile(join(hooks, 'pid'), 'utf8')).trim() || undefined));
      // The process runtime's PID is the host's; in a CRI pod it is the shell's own (PID 1 of its namespace).
      if (runtime === 'process') assert.ok(processExists(pid));
      else assert.equal(pid, 1);
      assert.equal((await processesWith(token, { withShim: false })).length, 1, 'the container shell runs on the host');

      const started = Date.now();
      const del = await k.run(['delete', 'pod', 'stopper'], 30_000);
      const took = Date.now() - started;
      assert.equal(del.code, 0, del.stderr);
      assert.equal((await readFile(join(hooks, 'prestop'), 'utf8')).trim(), 'stopping');
      assert.ok(took >= 2_500, `deletion waited for the 3 s grace period (took ${took} ms)`);
      assert.ok(took < 15_000, `deletion did not wait much past the grace period (took ${took} ms)`);
      if (runtime === 'process') assert.equal(processExists(pid), false, 'the container process is gone');
      assert.deepEqual(await processesWith(token, { withShim: false }), [], 'no container process is left');
    });

    extra?.(ctx);
  });
}
