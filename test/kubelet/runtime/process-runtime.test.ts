import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';

import { ContainerStartError, ExecStartError, ExecTimeoutError } from '../../../src/kubelet/runtime/errors.js';
import { ProcessRuntime } from '../../../src/kubelet/runtime/process/process-runtime.js';
import { RAW_RELEASE_STEP_BYTES } from '../../../src/kubelet/runtime/process/output-pump.js';
import { sessionMembers } from '../../../src/kubelet/runtime/process/proc.js';
import { readPids } from '../../../src/kubelet/runtime/process/shim.js';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { readLog, runtimeConformance, waitExited, waitFor, waitLogLine } from './conformance.js';
import { pidAlive, stopAllAndCheck } from './helpers.js';

const sh = (script: string) => ({ image: 'busybox', command: ['sh', '-c', script], args: [], annotations: {} });

const processBehaviours = {
  stopAll: (rt: unknown) => stopAllAndCheck(rt as ProcessRuntime),
  runsUntilStopped: () => sh('echo ready; exec sleep 100'),
  ignoresSigterm: () => sh('trap "" TERM; echo ready; sleep 100'),
  exitsWith: (code: number, out: string, err: string) => sh(`echo '${out}'; echo '${err}' >&2; exit ${code}`),
  execHelloExit3: ['sh', '-c', 'echo hello; exit 3'],
  persistent: true,
};

runtimeConformance({ name: 'process', open: (stateDir) => new ProcessRuntime({ rootDir: stateDir }), ...processBehaviours });

// As under `coxswain up`: records and pid files in one directory (memory-backed there), the
// containers' output and working directories in another.
runtimeConformance({
  name: 'process-apart',
  open: (stateDir) => new ProcessRuntime({ rootDir: stateDir, outputDir: `${stateDir}-output` }),
  ...processBehaviours,
});

describe('ProcessRuntime', () => {
  let dir: string;
  let rt: ProcessRuntime;
  let n = 0;
  let sbc: PodSandboxConfig;
  let sandboxId: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coxswain-process-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function setup(): Promise<void> {
    n += 1;
    rt = new ProcessRuntime({ rootDir: path.join(dir, `state-${n}`) });
    sbc = {
      metadata: { name: `pod${n}`, namespace: 'default', uid: `uid${n}`, attempt: 0 },
      logDirectory: path.join(dir, `logs-${n}`),
      labels: {},
      annotations: {},
    };
    sandboxId = await rt.runPodSandbox(sbc);
  }
  afterEach(async () => {
    await stopAllAndCheck(rt);
  });

  function config(name: string, c: Partial<ContainerConfig>): ContainerConfig {
    return {
      metadata: { name, attempt: 0 }, image: 'busybox', command: [], args: [], envs: [], mounts: [],
      logPath: `${name}/0.log`, labels: {}, annotations: {}, ...c,
    };
  }

  async function start(name: string, c: Partial<ContainerConfig>): Promise<string> {
    const id = await rt.createContainer(sandboxId, config(name, c), sbc);
    await rt.startContainer(id);
    return id;
  }

  const logOf = (name: string) => path.join(sbc.logDirectory, `${name}/0.log`);

  it('stops the whole process group: sh -c "sleep 100 & sleep 100" leaves nothing', async () => {
    await setup();
    const id = await start('tree', { command: ['sh', '-c', 'sleep 100 & sleep 100'] });
    const leader = (await rt.containerPid(id))!;
    const sleeps = await waitFor('both sleeps', async () => {
      const pids = (await sessionMembers(leader)).map((p) => p.pid);
      return pids.length >= 2 ? pids : undefined;
    });
    await rt.stopContainer(id, 5);
    assert.equal((await rt.containerStatus(id))?.exitCode, 143);
    for (const pid of [leader, ...sleeps]) assert.equal(await pidAlive(pid), false, `pid ${pid} is gone`);
  });

  it('ends what the main process left behind when it exits', async () => {
    await setup();
    const id = await start('orphans', { command: ['sh', '-c', 'sleep 100 & echo $! > bg.pid; echo started'] });
    await waitLogLine(logOf('orphans'), 'stdout', 'started');
    const st = await waitExited(rt, id);
    assert.equal(st.exitCode, 0);
    const workdir = path.join(dir, `state-${n}`, 'containers', id, 'workdir');
    const bg = Number((await readFile(path.join(workdir, 'bg.pid'), 'utf8')).trim());
    assert.ok(bg > 0);
    assert.equal(await pidAlive(bg), false);
  });

  it('removePodSandbox leaves no process behind', async () => {
    await setup();
    const id = await start('app', { command: ['sh', '-c', 'sleep 100 & exec sleep 100'] });
    const leader = (await rt.containerPid(id))!;
    const members = await waitFor('two processes', async () => {
      const m = await sessionMembers(leader);
      return m.length >= 2 ? m.map((p) => p.pid) : undefined;
    });
    await rt.removePodSandbox(sandboxId);
    for (const pid of members) assert.equal(await pidAlive(pid), false);
    assert.deepEqual(await rt.listContainers(), []);
  });

  it('realises mounts: env var, paths in the command line and env, working directory', async () => {
    await setup();
    const host = path.join(dir, `volume-${n}`);
    await mkdir(host, { recursive: true });
    await writeFile(path.join(host, 'key'), 'value-from-volume');
    await start('mounts', {
      command: ['sh', '-c', 'cat /etc/config/key; echo; echo "mount=$COXSWAIN_MOUNT_ETC_CONFIG"; echo "file=$CONFIG_FILE"; echo "pwd=$(pwd)"'],
      envs: [{ key: 'CONFIG_FILE', value: '/etc/config/key' }],
      workingDir: '/etc/config',
      mounts: [{ containerPath: '/etc/config', hostPath: host, readonly: true }],
    });
    const file = logOf('mounts');
    await waitLogLine(file, 'stdout', `pwd=${host}`);
    const log = await readLog(file);
    assert.match(log, / stdout F value-from-volume\n/);
    assert.match(log, new RegExp(` stdout F mount=${host}\\n`));
    assert.match(log, new RegExp(` stdout F file=${host}/key\\n`));
  });

  it('runs execSync with the container environment, mounts and working directory', async () => {
    await setup();
    const host = path.join(dir, `volume-exec-${n}`);
    await mkdir(host, { recursive: true });
    await writeFile(path.join(host, 'token'), 'secret');
    const id = await start('app', {
      command: ['sleep', '100'],
      envs: [{ key: 'GREETING', value: 'hi there' }],
      workingDir: '/data',
      mounts: [{ containerPath: '/data', hostPath: host }],
    });
    const res = await rt.execSync(id, ['sh', '-c', 'echo "$GREETING"; cat /data/token; echo; pwd'], 5);
    assert.equal(res.stdout.toString(), `hi there\nsecret\n${host}\n`);
    assert.equal(res.exitCode, 0);
    await assert.rejects(rt.execSync(id, ['no-such-binary-here'], 5), ExecStartError);
  });

  it('kills an execSync past its timeout', async () => {
    await setup();
    const id = await start('app', { command: ['sleep', '100'] });
    await assert.rejects(rt.execSync(id, ['sh', '-c', 'echo $$ > exec.pid; sleep 100'], 0.3), ExecTimeoutError);
    const workdir = path.join(dir, `state-${n}`, 'containers', id, 'workdir');
    const pid = Number((await readFile(path.join(workdir, 'exec.pid'), 'utf8')).trim());
    assert.equal(await pidAlive(pid), false);
  });

  it('streams an exec with stdin', async () => {
    await setup();
    const id = await start('app', { command: ['sleep', '100'] });
    const session = await rt.exec(id, { cmd: ['cat'], stdin: true, stdout: true, stderr: true, tty: false });
    const out: Buffer[] = [];
    session.stdout!.on('data', (b: Buffer) => out.push(b));
    session.stdin!.end('through the pipe');
    assert.equal(await session.exited, 0);
    assert.equal(Buffer.concat(out).toString(), 'through the pipe');
  });

  it('attaches to a container stdin; with stdinOnce, ending the session closes it', async () => {
    await setup();
    const id = await start('cat', { command: ['cat'], stdin: true, stdinOnce: true });
    const session = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
    const out: Buffer[] = [];
    session.stdout!.on('data', (b: Buffer) => out.push(b));
    session.stdin!.write('hello attach\n');
    await waitLogLine(logOf('cat'), 'stdout', 'hello attach');
    session.stdin!.end();
    assert.equal(await session.exited, 0);
    assert.equal((await rt.containerStatus(id))?.reason, 'Completed');
    assert.equal(Buffer.concat(out).toString(), 'hello attach\n');
  });

  it('resumes copying output after a restart without repeating lines', async () => {
    await setup();
    const state = path.join(dir, `state-${n}`);
    const id = await start('cat', { command: ['cat'], stdin: true });
    const s1 = await rt.attach(id, { stdin: true, stdout: false, stderr: false, tty: false });
    s1.stdin!.write('one\n');
    await waitLogLine(logOf('cat'), 'stdout', 'one');
    const pid = await rt.containerPid(id);
    await rt.close();
    assert.equal(await pidAlive(pid!), true, 'closing the runtime leaves containers running');

    rt = new ProcessRuntime({ rootDir: state });
    const s2 = await rt.attach(id, { stdin: true, stdout: false, stderr: false, tty: false });
    s2.stdin!.write('two\n');
    await waitLogLine(logOf('cat'), 'stdout', 'two');
    const contents = (await readLog(logOf('cat'))).split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
    assert.deepEqual(contents, ['one', 'two']);
  });

  it('gives the disk of copied raw output back, keeping every line in the log', async () => {
    await setup();
    // 40 MiB of 4 KiB lines: more than two release steps.
    const id = await start('chatty', { command: ['sh', '-c', "head -c 41943040 /dev/zero | tr '\\0' a | fold -w 4096; echo; echo done; exec sleep 100"] });
    // The log is large: only its end is read while waiting.
    const tail = async (file: string) => {
      const h = await open(file, 'r').catch(() => undefined);
      if (!h) return '';
      try {
        const { size } = await h.stat();
        const buf = Buffer.alloc(Math.min(size, 64));
        await h.read(buf, 0, buf.length, size - buf.length);
        return buf.toString();
      } finally {
        await h.close();
      }
    };
    await waitFor('the last line in the log', async () => (await tail(logOf('chatty'))).endsWith(' stdout F done\n'), 60_000);
    const raw = path.join(dir, `state-${n}`, 'containers', id, 'stdout');
    await waitFor('copied raw output to be released', async () => {
      const st = await stat(raw);
      return st.blocks * 512 <= st.size - RAW_RELEASE_STEP_BYTES;
    });
    const lines = (await readLog(logOf('chatty'))).split('\n').filter(Boolean);
    assert.equal(lines.length, 10241);
    assert.ok(lines.slice(0, -1).every((l) => l.endsWith(` stdout F ${'a'.repeat(4096)}`)), 'no line was lost or read from a hole');
  });

  it('a closed runtime still kills its containers on stopAll; the next one records the exit', async () => {
    await setup();
    const state = path.join(dir, `state-${n}`);
    const id = await start('app', { command: ['sleep', '100'] });
    const pid = (await rt.containerPid(id))!;
    await rt.close();
    await rt.stopAll();
    assert.equal(await pidAlive(pid), false);
    rt = new ProcessRuntime({ rootDir: state });
    const st = await waitExited(rt, id);
    assert.equal(st.exitCode, 137);
  });

  it('reports a container whose shim died as exited, and kills it', async () => {
    await setup();
    const id = await start('app', { command: ['sleep', '100'] });
    const pids = (await readPids(path.join(dir, `state-${n}`, 'containers', id)))!;
    process.kill(pids.shim, 'SIGKILL');
    const st = await waitExited(rt, id);
    assert.equal(st.exitCode, 255);
    assert.equal(await pidAlive(pids.container), false);
  });

  it('reports CPU and memory from /proc', async () => {
    await setup();
    const id = await start('busy', { command: ['sh', '-c', 'while :; do :; done'] });
    const stats = await waitFor('CPU use', async () => {
      const s = await rt.containerStats(id);
      return s && s.cpuUsageCoreNanoSeconds > 0 ? s : undefined;
    });
    assert.equal(stats.containerId, id);
    assert.ok(stats.memoryWorkingSetBytes > 0);
    await rt.stopContainer(id, 0);
    assert.equal(await rt.containerStats(id), undefined);
  });

  it('runs args alone for a busybox image (kubectl run … -- sh -c …)', async () => {
    await setup();
    const id = await start('hello', { image: 'busybox:1.36', args: ['sh', '-c', 'echo hi'] });
    const st = await waitExited(rt, id);
    assert.equal(st.reason, 'Completed');
    assert.match(await readLog(st.logPath), / stdout F hi\n$/);
  });

  it('fails to start a missing executable with StartError (128)', async () => {
    await setup();
    const id = await rt.createContainer(sandboxId, config('bad', { command: ['no-such-binary-here'] }), sbc);
    await assert.rejects(rt.startContainer(id), (e: Error) =>
      e instanceof ContainerStartError && e.message === 'exec: "no-such-binary-here": executable file not found in $PATH');
    const st = await rt.containerStatus(id);
    assert.equal(st?.state, 'CONTAINER_EXITED');
    assert.equal(st?.exitCode, 128);
    assert.equal(st?.reason, 'StartError');
  });

  it('fails to start an image without a command: its default is unknown', async () => {
    await setup();
    const id = await rt.createContainer(sandboxId, config('nginx', { image: 'nginx:1.27' }), sbc);
    await assert.rejects(rt.startContainer(id), /cannot run image "nginx:1.27" without a command/);
  });

  it('sets HOSTNAME and the configured environment', async () => {
    await setup();
    const id = await start('env', { command: ['sh', '-c', 'echo "$HOSTNAME $FOO"'], envs: [{ key: 'FOO', value: 'bar' }] });
    const st = await waitExited(rt, id);
    assert.match(await readLog(st.logPath), new RegExp(` stdout F pod${n} bar\\n`));
  });
});
