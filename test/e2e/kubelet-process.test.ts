// `coxswain up` with its kubelet on the process runtime, driven by the real kubectl: the node
// is Ready, pods run as host processes, and logs and exec work (issue 6's first stories).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoxswain, type RunningCoxswain } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { eventually as poll } from '../helpers/eventually.js';

function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return poll(fn, what, { timeoutMs, intervalMs: 200, accept: (v) => v !== undefined });
}

describe('coxswain up runs pods on its kubelet (process runtime)', () => {
  let tmp: string;
  let cluster: RunningCoxswain;
  let k: Kubectl;
  let k127: Kubectl;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-kubelet-'));
    cluster = await startCoxswain(join(tmp, 'data'), { kubelet: true, args: ['--controllers', 'replicaset,deployment,garbagecollector'] });
    k = kubectl('/usr/lib/google-cloud-sdk/bin/kubectl.1.33', cluster.kubeconfigPath, join(tmp, 'cache-133'));
    k127 = kubectl('/usr/lib/google-cloud-sdk/bin/kubectl.1.27', cluster.kubeconfigPath, join(tmp, 'cache-127'));
  });

  after(async () => {
    await k?.run(['delete', 'pods', '--all', '--grace-period=0', '--force']).catch(() => undefined);
    const code = await cluster?.stop();
    await rm(tmp, { recursive: true, force: true });
    assert.equal(code, 0, 'coxswain up exits cleanly');
  });

  it('registers a Ready node within 5 s of start', async () => {
    const status = await eventually('a Ready node', async () => {
      const out = await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
      return out === 'True' ? out : undefined;
    }, 5_000);
    assert.equal(status, 'True');
  });

  it('runs a pod to completion and shows its logs', async () => {
    await k.ok(['run', 'hello', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hi; sleep 1']);
    await eventually('hello Completed', async () => {
      const out = await k.ok(['get', 'pod', 'hello', '--no-headers']);
      return /Completed/.test(out) ? out : undefined;
    });
    assert.equal((await k.ok(['logs', 'hello'])).trim(), 'hi');
    assert.equal((await k127.ok(['logs', 'hello'])).trim(), 'hi');
  });

  it('execs into a running container with both kubectl versions, propagating the exit code', async () => {
    await k.ok(['run', 'srv', '--image=busybox', '--', 'sh', '-c', 'echo serving; sleep 300']);
    await eventually('srv Running', async () => {
      const out = await k.ok(['get', 'pod', 'srv', '--no-headers']);
      return /Running/.test(out) ? out : undefined;
    });
    for (const client of [k, k127]) {
      const r = await client.run(['exec', 'srv', '--', 'sh', '-c', 'echo out-$HOSTNAME; echo err >&2; exit 3']);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout.trim(), 'out-srv');
      assert.match(r.stderr, /err/);
    }
  });

  it('restarts a crashing container with back-off', async () => {
    await k.ok(['run', 'crash', '--image=busybox', '--', 'sh', '-c', 'exit 1']);
    const out = await eventually('crash restarted', async () => {
      const line = await k.ok(['get', 'pod', 'crash', '--no-headers']);
      return /CrashLoopBackOff|Error/.test(line) && /\s[1-9]\d*(\s|\s\()/.test(line) ? line : undefined;
    }, 30_000);
    assert.match(out, /crash/);
  });

  it('runs a Deployment whose pods the kubelet starts', async () => {
    await k.ok(['create', 'deployment', 'sleeper', '--image=busybox', '--replicas=2', '--', 'sleep', '300']);
    const ready = await eventually('sleeper 2/2', async () => {
      const out = await k.ok(['get', 'deployment', 'sleeper', '-o', 'jsonpath={.status.readyReplicas}']);
      return out === '2' ? out : undefined;
    }, 30_000);
    assert.equal(ready, '2');
  });
});
