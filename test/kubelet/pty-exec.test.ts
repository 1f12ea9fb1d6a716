// `exec -t` on the process runtime: a pseudo-terminal for the command (prompt, echo, size,
// resize), and the real `kubectl exec -it` (1.27 over SPDY, 1.33 over WebSocket v5) through
// the API server and the kubelet's streaming server, driven from a pty as a user would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn as spawnPty, type IPty } from 'node-pty';

import { ProcessRuntime } from '../../src/kubelet/runtime/process/process-runtime.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type PodSandboxConfig, type StreamSession } from '../../src/kubelet/runtime/types.js';
import { RuntimeStreamingBackend } from '../../src/kubelet/runtime-streaming-backend.js';
import { StreamingServer } from '../../src/kubelet/streaming/server.js';
import { pidAlive, stopAllAndCheck } from './runtime/helpers.js';
import { startTestServer, type TestServer } from '../helpers/api-server.js';
import { eventually } from '../helpers/eventually.js';

/** Collects a session's terminal output so a test can wait for a pattern in it. */
function screen(stream: NodeJS.ReadableStream): { text: () => string; waitFor: (re: RegExp) => Promise<RegExpMatchArray> } {
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { text: () => text, waitFor: (re) => eventually(() => text.match(re), `terminal output matching ${re}`) };
}

describe('exec with a tty on the process runtime', () => {
  let dir: string;
  let rt: ProcessRuntime;
  let containerId: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'coxswain-pty-'));
    rt = new ProcessRuntime({ rootDir: path.join(dir, 'state') });
    const sbc: PodSandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid: 'uid-web', attempt: 0 },
      logDirectory: path.join(dir, 'logs'),
      labels: { [LABEL_POD_NAME]: 'web', [LABEL_POD_NAMESPACE]: 'default', [LABEL_POD_UID]: 'uid-web' },
      annotations: {},
    };
    const sandbox = await rt.runPodSandbox(sbc);
    containerId = await rt.createContainer(sandbox, {
      metadata: { name: 'app', attempt: 0 }, image: 'busybox', command: ['sh', '-c', 'exec sleep 300'], args: [],
      envs: [{ key: 'GREETING', value: 'ahoy' }], mounts: [], logPath: 'app/0.log',
      labels: { [LABEL_CONTAINER_NAME]: 'app' }, annotations: {},
    }, sbc);
    await rt.startContainer(containerId);
  });
  after(async () => {
    await stopAllAndCheck(rt);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the command a terminal: interactive shell, container env, size and resize', async () => {
    const s: StreamSession = await rt.exec(containerId, { cmd: ['sh', '-i'], stdin: true, stdout: true, stderr: true, tty: true });
    assert.equal(s.stderr, undefined, 'a terminal has one output stream');
    const out = screen(s.stdout!);
    s.stdin!.write('[ -t 0 ] && echo "tty:yes $GREETING"; echo $((6*7))\n');
    await out.waitFor(/tty:yes ahoy\r\n42\r\n/);
    s.resize!(100, 30);
    s.stdin!.write('stty size\n');
    await out.waitFor(/30 100\r\n/);
    s.stdin!.write('exit 3\n');
    assert.equal(await s.exited, 3);
  });

  it('ends the command on end of input and kills its process group on kill()', async () => {
    const cat = await rt.exec(containerId, { cmd: ['cat'], stdin: true, stdout: true, stderr: false, tty: true });
    cat.stdin!.end();
    assert.equal(await cat.exited, 0, 'EOF (^D) ends cat');

    const s = await rt.exec(containerId, { cmd: ['sh', '-c', 'sleep 300 & echo "child $!"; wait'], stdin: false, stdout: true, stderr: false, tty: true });
    const out = screen(s.stdout!);
    const child = Number((await out.waitFor(/child (\d+)/))[1]);
    s.kill();
    assert.equal(await s.exited, 137);
    await eventually(async () => !(await pidAlive(child)), 'the background child is gone');
    s.resize!(80, 24); // after the exit: ignored, not thrown
  });

  describe('kubectl exec -it through the API server', () => {
    let api: TestServer;
    let kubelet: StreamingServer;
    let home: string;
    const terminals = new Set<IPty>();

    before(async () => {
      home = await mkdtemp(path.join(os.tmpdir(), 'coxswain-pty-kubectl-'));
      kubelet = new StreamingServer({ backend: new RuntimeStreamingBackend(rt) });
      await kubelet.start();
      api = await startTestServer();
      assert.equal((await api.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } })).status, 201);
      const node = await api.request('PATCH', '/api/v1/nodes/node-a/status', { status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.address.port } },
      } }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(node.status, 200, node.text);
      const pod = await api.request('POST', '/api/v1/namespaces/default/pods', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox' }] },
      });
      assert.equal(pod.status, 201, pod.text);
      const running = await api.request('PATCH', '/api/v1/namespaces/default/pods/web/status', { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(running.status, 200, running.text);
    });
    after(async () => {
      for (const t of terminals) {
        try {
          process.kill(t.pid, 'SIGKILL');
        } catch { /* already gone */ }
      }
      await api.stop();
      await kubelet.stop();
      await rm(home, { recursive: true, force: true });
    });

    for (const version of ['1.27', '1.33']) {
      it(`kubectl ${version}: an interactive shell that computes, follows the terminal size, and exits`, async () => {
        const term = spawnPty(`/usr/lib/google-cloud-sdk/bin/kubectl.${version}`,
          ['-s', api.url, '--cache-dir', path.join(home, 'cache'), 'exec', '-it', 'web', '-c', 'app', '--', 'sh'],
          { name: 'xterm', cols: 120, rows: 40, env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig', HOME: home, TERM: 'xterm', PS1: '$ ' } });
        terminals.add(term);
        let text = '';
        term.onData((d) => {
          text += d;
          // Answer cursor-position queries (busybox ash line editing sends them) as a terminal would.
          if (d.includes('\x1b[6n')) term.write('\x1b[1;1R');
        });
        const exit = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
        // Like a user, type only at a prompt: busybox ash discards input typed before it draws one.
        const prompts = () => (text.match(/ # /g) ?? []).length;
        const atPrompt = (n: number) => eventually(() => prompts() >= n, `kubectl ${version}: prompt ${n}\n${text}`, { timeoutMs: 20_000 });
        // A command's output ends at the first prompt after its echoed line: a prompt redrawn in
        // place (the shell does so when the terminal size arrives) has no line break before it.
        const run = async (cmd: string): Promise<string> => {
          const from = text.length;
          term.write(`${cmd}\r`);
          const answered = () => {
            const since = text.slice(from);
            const eol = since.indexOf('\r\n');
            return eol >= 0 && since.slice(eol).includes(' # ');
          };
          await eventually(answered, `kubectl ${version}: the answer to ${cmd}\n${text}`, { timeoutMs: 20_000 });
          return text.slice(from);
        };
        await atPrompt(1);
        assert.match(await run('echo $((6*7))'), /\r\n42\r\n/);
        // The client reports its size after the stream opens; the shell sees it once it arrives.
        await eventually(async () => /\r\n40 120\r\n/.test(await run('stty size')), 'the initial size reached the shell', { timeoutMs: 10_000 });
        term.resize(90, 33);
        await eventually(async () => /\r\n33 90\r\n/.test(await run('stty size')), 'the resize reached the shell', { timeoutMs: 10_000 });
        term.write('exit\r');
        assert.equal(await exit, 0, text);
        terminals.delete(term);
      });
    }
  });
});
