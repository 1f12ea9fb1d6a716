import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock } from '../../../src/client/clock.js';
import { ContainerStartError } from '../../../src/kubelet/runtime/errors.js';
import {
  SIM_ANNOTATION_EXIT_AFTER_MS, SIM_ANNOTATION_EXIT_CODE, SIM_ANNOTATION_IGNORE_SIGTERM, SIM_ANNOTATION_STDERR, SIM_ANNOTATION_STDOUT, SimRuntime,
} from '../../../src/kubelet/runtime/sim/sim-runtime.js';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { runtimeConformance } from './conformance.js';

const image = 'busybox';
runtimeConformance({
  name: 'sim',
  open: () => new SimRuntime({ exec: (_c, cmd) => (cmd.join(' ') === 'say-hello'
    ? { stdout: Buffer.from('hello\n'), stderr: Buffer.alloc(0), exitCode: 3 } : undefined) }),
  stopAll: (rt) => (rt as SimRuntime).stopAll(),
  runsUntilStopped: () => ({ image, command: [], args: [], annotations: { [SIM_ANNOTATION_STDOUT]: 'ready' } }),
  ignoresSigterm: () => ({
    image, command: [], args: [], annotations: { [SIM_ANNOTATION_STDOUT]: 'ready', [SIM_ANNOTATION_IGNORE_SIGTERM]: 'true' },
  }),
  exitsWith: (code, out, err) => ({ image, command: [], args: [], annotations: { [SIM_ANNOTATION_EXIT_CODE]: String(code), [SIM_ANNOTATION_STDOUT]: out, [SIM_ANNOTATION_STDERR]: err } }),
  execHelloExit3: ['say-hello'],
  persistent: false,
});

function sandbox(annotations: Record<string, string> = {}): PodSandboxConfig {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u', attempt: 0 }, logDirectory: '', labels: {}, annotations };
}

function container(name: string, annotations: Record<string, string> = {}): ContainerConfig {
  return {
    metadata: { name, attempt: 0 }, image, command: [], args: [], envs: [], mounts: [], logPath: `${name}/0.log`,
    labels: {}, annotations,
  };
}

describe('SimRuntime', () => {
  it('exits after the annotated delay on the injected clock', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ clock });
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container('c', { [SIM_ANNOTATION_EXIT_CODE]: '1', [SIM_ANNOTATION_EXIT_AFTER_MS]: '5000' }), sb);
    await rt.startContainer(id);
    clock.step(4999);
    assert.equal((await rt.containerStatus(id))?.state, 'CONTAINER_RUNNING');
    clock.step(1);
    const st = await rt.containerStatus(id);
    assert.equal(st?.state, 'CONTAINER_EXITED');
    assert.equal(st?.exitCode, 1);
    assert.equal(st?.finishedAt, clock.now());
  });

  it('reads per-container behaviour from the pod (sandbox) annotations', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ clock });
    const sb = sandbox({ [`${SIM_ANNOTATION_EXIT_CODE}.init`]: '0' });
    const sid = await rt.runPodSandbox(sb);
    const init = await rt.createContainer(sid, container('init'), sb);
    const app = await rt.createContainer(sid, container('app'), sb);
    await rt.startContainer(init);
    await rt.startContainer(app);
    assert.equal((await rt.containerStatus(init))?.state, 'CONTAINER_RUNNING'); // the fake clock has not moved
    clock.step(0);
    assert.equal((await rt.containerStatus(init))?.reason, 'Completed');
    assert.equal((await rt.containerStatus(app))?.state, 'CONTAINER_RUNNING');
  });

  it('takes behaviour from an injected function', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ clock, behaviour: (c) => (c.metadata.name === 'crash' ? { exitCode: 2, exitAfterMs: 10 } : undefined) });
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container('crash'), sb);
    await rt.startContainer(id);
    clock.step(10);
    assert.equal((await rt.containerStatus(id))?.exitCode, 2);
  });

  it('waits out the grace period on the clock when SIGTERM is ignored', async () => {
    const clock = new FakeClock();
    const rt = new SimRuntime({ clock });
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container('c', { [SIM_ANNOTATION_IGNORE_SIGTERM]: 'true' }), sb);
    await rt.startContainer(id);
    let stopped = false;
    const stop = rt.stopContainer(id, 30).then(() => (stopped = true));
    clock.step(29_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false);
    clock.step(1);
    await stop;
    assert.equal((await rt.containerStatus(id))?.exitCode, 137);
  });

  it('fails a start as told, with StartError', async () => {
    const rt = new SimRuntime({ failStart: (c) => (c.metadata.name === 'bad' ? 'exec: "x": executable file not found in $PATH' : undefined) });
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container('bad'), sb);
    await assert.rejects(rt.startContainer(id), ContainerStartError);
    const st = await rt.containerStatus(id);
    assert.equal(st?.reason, 'StartError');
    assert.equal(st?.exitCode, 128);
  });

  it('answers simple exec commands without a handler', async () => {
    const rt = new SimRuntime();
    const sb = sandbox();
    const sid = await rt.runPodSandbox(sb);
    const id = await rt.createContainer(sid, container('c'), sb);
    await rt.startContainer(id);
    assert.equal((await rt.execSync(id, ['false'], 1)).exitCode, 1);
    assert.equal((await rt.execSync(id, ['echo', 'a', 'b'], 1)).stdout.toString(), 'a b\n');
    assert.equal((await rt.execSync(id, ['sh', '-c', 'exit 7'], 1)).exitCode, 7);
    rt.exitContainer(id, 1);
    assert.equal((await rt.containerStatus(id))?.reason, 'Error');
  });
});
