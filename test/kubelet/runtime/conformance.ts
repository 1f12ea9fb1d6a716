// One suite of ContainerRuntime behaviour, run against every implementation (CONVENTIONS §6):
// sandbox and container lifecycle, label filters, exit codes and reasons, CRI logs, execSync,
// and (where the runtime persists state) adoption by a new runtime instance.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { NameReservedError, RuntimeNotFoundError } from '../../../src/kubelet/runtime/errors.js';
import { parseCriLine } from '../../../src/kubelet/runtime/process/cri-log.js';
import type { ContainerConfig, ContainerRuntime, ContainerStatus, PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_UID } from '../../../src/kubelet/runtime/types.js';

/** What a container is asked to do, in the terms of one runtime. */
export type Behaviour = Pick<ContainerConfig, 'image' | 'command' | 'args' | 'annotations'>;

export interface RuntimeFixture {
  name: string;
  /** A runtime over `stateDir` (the same directory again for a restart). */
  open(stateDir: string): ContainerRuntime;
  /** Stops every process the runtime started (not just closing it). */
  stopAll(runtime: ContainerRuntime): Promise<void>;
  /** Writes `ready` to stdout, then runs until stopped; exits on SIGTERM. */
  runsUntilStopped(): Behaviour;
  /** Writes `ready`, then ignores SIGTERM (so a stop ends in SIGKILL). */
  ignoresSigterm(): Behaviour;
  /** Writes `out` to stdout and `err` to stderr, then exits with `code`. */
  exitsWith(code: number, out: string, err: string): Behaviour;
  /** A command for execSync printing `hello` to stdout and exiting 3. */
  execHelloExit3: string[];
  /** Whether a new runtime over the same directory sees what the last one left running. */
  persistent: boolean;
}

const POLL_MS = 10;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function waitExited(rt: ContainerRuntime, id: string): Promise<ContainerStatus> {
  return waitFor(`container ${id} to exit`, async () => {
    const s = await rt.containerStatus(id);
    return s?.state === 'CONTAINER_EXITED' ? s : undefined;
  });
}

export async function readLog(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

export function waitLogLine(file: string, stream: 'stdout' | 'stderr', content: string): Promise<true> {
  return waitFor(`"${content}" on ${stream} in ${file}`, async () =>
    (await readLog(file)).split('\n').some((l) => {
      const e = parseCriLine(l);
      return e?.stream === stream && e.content === content;
    }));
}

export function runtimeConformance(fx: RuntimeFixture): void {
  describe(`ContainerRuntime conformance: ${fx.name}`, () => {
    let dir: string;
    let rt: ContainerRuntime;
    let seq = 0;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), `coxswain-rt-${fx.name}-`));
    });
    afterEach(async () => {
      await fx.stopAll(rt);
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    function fresh(): { state: string; logs: string } {
      seq += 1;
      const state = path.join(dir, `state-${seq}`);
      rt = fx.open(state);
      return { state, logs: path.join(dir, `logs-${seq}`) };
    }

    function sandboxConfig(logs: string, name = 'web', labels: Record<string, string> = {}): PodSandboxConfig {
      return {
        metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 },
        hostname: name,
        logDirectory: path.join(logs, `default_${name}_uid-${name}`),
        labels: { [LABEL_POD_NAME]: name, [LABEL_POD_UID]: `uid-${name}`, ...labels },
        annotations: { 'example.com/pod': 'yes' },
      };
    }

    function containerConfig(name: string, b: Behaviour, extra: Partial<ContainerConfig> = {}): ContainerConfig {
      return {
        metadata: { name, attempt: 0 },
        ...b,
        envs: [],
        mounts: [],
        logPath: `${name}/0.log`,
        labels: { [LABEL_CONTAINER_NAME]: name },
        ...extra,
        annotations: { ...b.annotations, ...extra.annotations },
      };
    }

    async function started(logs: string, name: string, b: Behaviour, sb?: PodSandboxConfig) {
      const sbc = sb ?? sandboxConfig(logs);
      const existing = await rt.listPodSandboxes({ labels: { [LABEL_POD_UID]: sbc.metadata.uid } });
      const sandboxId = existing[0]?.id ?? (await rt.runPodSandbox(sbc));
      const id = await rt.createContainer(sandboxId, containerConfig(name, b), sbc);
      await rt.startContainer(id);
      return { sandboxId, id, sbc };
    }

    it('reports a version', async () => {
      fresh();
      const v = await rt.version();
      assert.equal(v.runtimeApiVersion, 'v1');
      assert.ok(v.runtimeName.length > 0);
    });

    it('runs, lists, stops and removes a sandbox', async () => {
      const { logs } = fresh();
      const sbc = sandboxConfig(logs);
      const id = await rt.runPodSandbox(sbc);
      const st = await rt.podSandboxStatus(id);
      assert.equal(st?.state, 'SANDBOX_READY');
      assert.deepEqual(st?.metadata, sbc.metadata);
      assert.equal(st?.labels[LABEL_POD_NAME], 'web');
      assert.equal(st?.annotations['example.com/pod'], 'yes');
      assert.ok(st?.ip);
      await rt.stopPodSandbox(id);
      assert.equal((await rt.podSandboxStatus(id))?.state, 'SANDBOX_NOTREADY');
      await rt.stopPodSandbox(id); // idempotent, as CRI
      await rt.removePodSandbox(id);
      assert.equal(await rt.podSandboxStatus(id), undefined);
      assert.deepEqual(await rt.listPodSandboxes(), []);
      await rt.removePodSandbox(id); // idempotent, as CRI
    });

    it('refuses a second sandbox with the same metadata (name reservation)', async () => {
      const { logs } = fresh();
      const sbc = sandboxConfig(logs);
      const id = await rt.runPodSandbox(sbc);
      await assert.rejects(rt.runPodSandbox(sbc), (e: Error) => e instanceof NameReservedError && e.message.includes(id));
      await rt.removePodSandbox(id);
    });

    it('filters sandboxes and containers by labels and sandbox', async () => {
      const { logs } = fresh();
      const a = await started(logs, 'app', fx.runsUntilStopped(), sandboxConfig(logs, 'a', { tier: 'front' }));
      const b = await started(logs, 'app', fx.runsUntilStopped(), sandboxConfig(logs, 'b', { tier: 'back' }));
      const front = await rt.listPodSandboxes({ labels: { tier: 'front' } });
      assert.deepEqual(front.map((s) => s.id), [a.sandboxId]);
      assert.equal((await rt.listPodSandboxes()).length, 2);
      assert.deepEqual((await rt.listContainers({ podSandboxId: b.sandboxId })).map((c) => c.id), [b.id]);
      assert.equal((await rt.listContainers({ labels: { [LABEL_CONTAINER_NAME]: 'app' } })).length, 2);
      assert.deepEqual(await rt.listContainers({ labels: { [LABEL_CONTAINER_NAME]: 'nope' } }), []);
      await rt.removePodSandbox(a.sandboxId);
      await rt.removePodSandbox(b.sandboxId);
    });

    it('creates, starts and stops a container (SIGTERM: 143, Error)', async () => {
      const { logs } = fresh();
      const sbc = sandboxConfig(logs);
      const sandboxId = await rt.runPodSandbox(sbc);
      const id = await rt.createContainer(sandboxId, containerConfig('app', fx.runsUntilStopped()), sbc);
      const created = await rt.containerStatus(id);
      assert.equal(created?.state, 'CONTAINER_CREATED');
      assert.equal(created?.podSandboxId, sandboxId);
      assert.equal(created?.logPath, path.join(sbc.logDirectory, 'app/0.log'));
      await rt.startContainer(id);
      const running = await rt.containerStatus(id);
      assert.equal(running?.state, 'CONTAINER_RUNNING');
      assert.ok(running?.startedAt);
      await waitLogLine(running!.logPath, 'stdout', 'ready');
      await rt.stopContainer(id, 10);
      const st = await rt.containerStatus(id);
      assert.equal(st?.state, 'CONTAINER_EXITED');
      assert.equal(st?.exitCode, 143);
      assert.equal(st?.reason, 'Error');
      assert.ok(st?.finishedAt);
      await rt.stopContainer(id, 10); // stopping an exited container is fine
      await rt.removeContainer(id);
      assert.equal(await rt.containerStatus(id), undefined);
      await rt.removeContainer(id);
      await rt.removePodSandbox(sandboxId);
    });

    it('kills a container that ignores SIGTERM once the grace period ends (137)', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'stubborn', fx.ignoresSigterm());
      const st0 = await rt.containerStatus(id);
      await waitLogLine(st0!.logPath, 'stdout', 'ready');
      await rt.stopContainer(id, 0.2);
      const st = await rt.containerStatus(id);
      assert.equal(st?.exitCode, 137);
      assert.equal(st?.reason, 'Error');
      await rt.removePodSandbox(sandboxId);
    });

    it('stops with SIGKILL at once for a zero timeout (137)', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'app', fx.runsUntilStopped());
      await rt.stopContainer(id, 0);
      assert.equal((await rt.containerStatus(id))?.exitCode, 137);
      await rt.removePodSandbox(sandboxId);
    });

    for (const [code, reason] of [[0, 'Completed'], [1, 'Error']] as const) {
      it(`records exit code ${code} with reason ${reason}`, async () => {
        const { logs } = fresh();
        const { id, sandboxId } = await started(logs, `exit${code}`, fx.exitsWith(code, 'out', 'err'));
        const st = await waitExited(rt, id);
        assert.equal(st.exitCode, code);
        assert.equal(st.reason, reason);
        assert.ok(st.finishedAt! >= st.startedAt!);
        await rt.removePodSandbox(sandboxId);
      });
    }

    it('writes stdout and stderr to the log file in the CRI format', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'logger', fx.exitsWith(0, 'hello out', 'hello err'));
      const st = await waitExited(rt, id);
      const lines = (await readLog(st.logPath)).split('\n').filter(Boolean);
      const entries = lines.map((l) => parseCriLine(l));
      assert.ok(entries.every((e) => e !== undefined), `every line parses: ${lines.join(' | ')}`);
      assert.ok(entries.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(e!.time)), 'RFC3339Nano times');
      assert.deepEqual(
        entries.map((e) => `${e!.stream} ${e!.tag} ${e!.content}`).sort(),
        ['stderr F hello err', 'stdout F hello out'],
      );
      await rt.removePodSandbox(sandboxId);
    });

    it('refuses a second container with the same name and attempt in a sandbox', async () => {
      const { logs } = fresh();
      const sbc = sandboxConfig(logs);
      const sandboxId = await rt.runPodSandbox(sbc);
      await rt.createContainer(sandboxId, containerConfig('app', fx.runsUntilStopped()), sbc);
      await assert.rejects(rt.createContainer(sandboxId, containerConfig('app', fx.runsUntilStopped()), sbc), NameReservedError);
      // The next attempt is a different name.
      await rt.createContainer(sandboxId, containerConfig('app', fx.runsUntilStopped(), { metadata: { name: 'app', attempt: 1 } }), sbc);
      assert.equal((await rt.listContainers({ podSandboxId: sandboxId })).length, 2);
      await rt.removePodSandbox(sandboxId);
    });

    it('rejects unknown ids', async () => {
      fresh();
      await assert.rejects(rt.startContainer('missing'), RuntimeNotFoundError);
      await assert.rejects(rt.stopContainer('missing', 1), RuntimeNotFoundError);
      await assert.rejects(rt.execSync('missing', ['true'], 1), RuntimeNotFoundError);
      await assert.rejects(
        rt.createContainer('missing', containerConfig('x', fx.runsUntilStopped()), sandboxConfig(dir)),
        RuntimeNotFoundError,
      );
      assert.equal(await rt.containerStatus('missing'), undefined);
      assert.equal(await rt.podSandboxStatus('missing'), undefined);
    });

    it('runs execSync and returns its output and exit code', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'app', fx.runsUntilStopped());
      const res = await rt.execSync(id, fx.execHelloExit3, 10);
      assert.equal(res.stdout.toString().trim(), 'hello');
      assert.equal(res.exitCode, 3);
      await rt.removePodSandbox(sandboxId);
    });

    it('refuses execSync in a container that is not running', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'done', fx.exitsWith(0, 'x', 'y'));
      await waitExited(rt, id);
      await assert.rejects(rt.execSync(id, fx.execHelloExit3, 10), { name: 'ContainerNotRunningError' });
      await rt.removePodSandbox(sandboxId);
    });

    it('stopping a sandbox stops its containers; removing it removes them', async () => {
      const { logs } = fresh();
      const { id, sandboxId } = await started(logs, 'app', fx.runsUntilStopped());
      await rt.stopPodSandbox(sandboxId);
      assert.equal((await rt.containerStatus(id))?.state, 'CONTAINER_EXITED');
      await rt.removePodSandbox(sandboxId);
      assert.deepEqual(await rt.listContainers(), []);
    });

    it('port-forwards to a port on the pod network', async () => {
      const { logs } = fresh();
      const sandboxId = await rt.runPodSandbox(sandboxConfig(logs));
      const server = net.createServer((s) => s.end('pong'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const socket = await rt.portForward(sandboxId, port);
        const chunks: Buffer[] = [];
        for await (const c of socket) chunks.push(c as Buffer);
        assert.equal(Buffer.concat(chunks).toString(), 'pong');
      } finally {
        server.close();
        await rt.removePodSandbox(sandboxId);
      }
    });

    if (fx.persistent) {
      it('a new runtime over the same state adopts running containers, without duplicates', async () => {
        const { state, logs } = fresh();
        const { id, sandboxId } = await started(logs, 'app', fx.runsUntilStopped());
        const done = await started(logs, 'done', fx.exitsWith(2, 'bye', 'err'));
        await waitExited(rt, done.id);
        const before = await rt.containerStatus(id);
        await rt.close();

        rt = fx.open(state);
        assert.deepEqual((await rt.listPodSandboxes()).map((s) => s.id), [sandboxId]);
        const list = await rt.listContainers();
        assert.deepEqual(list.map((c) => c.id).sort(), [id, done.id].sort());
        const again = await rt.containerStatus(id);
        assert.equal(again?.state, 'CONTAINER_RUNNING');
        assert.equal(again?.startedAt, before?.startedAt);
        const exited = await rt.containerStatus(done.id);
        assert.equal(exited?.exitCode, 2);
        // The adopted container is still controlled: it stops as usual.
        await rt.stopContainer(id, 10);
        assert.equal((await rt.containerStatus(id))?.exitCode, 143);
        await rt.removePodSandbox(sandboxId);
      });
    }
  });
}
