// kubectl logs, exec and port-forward, from three kubectl versions, through a real API server
// proxying to the kubelet streaming server (backed by real processes and a real TCP echo
// server). Each version speaks its own protocols: 1.27 SPDY for everything, 1.30 WebSocket
// v5 for exec, 1.31+ SPDY tunnelled in WebSocket for port-forward.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, mkdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startTestServer, type TestServer } from '../../helpers/api-server.js';
import { StreamingServer } from '../../../src/kubelet/streaming/server.js';
import { formatCriLogLine } from '../../../src/kubelet/streaming/cri-log.js';
import type { Logger } from '../../../src/logger.js';
import { FakeBackend, type FakeContainer } from './fake-backend.js';
import { KubectlCli, waitForOutput } from './kubectl-cli.js';

const VERSIONS = [
  { version: '1.27', exec: 'SPDY/3.1 v4.channel.k8s.io', portForward: 'SPDY/3.1 portforward.k8s.io' },
  { version: '1.30', exec: 'websocket v5.channel.k8s.io', portForward: 'SPDY/3.1 portforward.k8s.io' },
  { version: '1.33', exec: 'websocket v5.channel.k8s.io', portForward: 'websocket SPDY/3.1+portforward.k8s.io' },
];

const T0 = '2026-01-02T03:04:05.100000000Z';
const T1 = '2026-01-02T03:04:06.000000000Z';
const T2 = '2026-01-02T03:04:07.123456789Z';

/** Records which protocol each stream was opened with (the server logs it at debug level). */
function recordingLogger(opened: string[]): Logger {
  const logger: Logger = {
    error() {},
    warn() {},
    info() {},
    debug(msg, fields) {
      if (msg === 'stream opened') opened.push(`${fields?.kind} ${fields?.protocol}`);
    },
    child: () => logger,
  };
  return logger;
}

describe('kubectl streaming through the API server to the kubelet', () => {
  let tmp: string;
  let api: TestServer;
  let backend: FakeBackend;
  let kubelet: StreamingServer;
  let echo: net.Server;
  let echoPort: number;
  const opened: string[] = [];
  const spawned = new Set<ChildProcess>();

  async function writeLog(c: FakeContainer, attempt: number, lines: string[]): Promise<void> {
    const file = backend.logPath(c, attempt);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, lines.join(''));
  }

  async function createPod(name: string): Promise<void> {
    const created = await api.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox' }] },
    });
    assert.equal(created.status, 201, created.text);
    const status = await api.request('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(status.status, 200, status.text);
  }

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'coxswain-streaming-'));
    backend = new FakeBackend(path.join(tmp, 'logs'));
    kubelet = new StreamingServer({ backend, logger: recordingLogger(opened), logPollMs: 100 });
    await kubelet.start();
    api = await startTestServer();
    const node = await api.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    assert.equal(node.status, 201, node.text);
    const nodeStatus = await api.request('PATCH', '/api/v1/nodes/node-a/status', {
      status: {
        addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.address.port } },
      },
    }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(nodeStatus.status, 200, nodeStatus.text);

    const web: FakeContainer = { namespace: 'default', pod: 'web', name: 'app', attempt: 1, running: true };
    backend.add(web);
    await writeLog(web, 0, [formatCriLogLine(T0, 'stdout', 'before the restart')]);
    await writeLog(web, 1, [
      formatCriLogLine(T0, 'stdout', 'line one'),
      formatCriLogLine(T1, 'stderr', 'line two'),
      formatCriLogLine(T2, 'stdout', 'line ', true),
      formatCriLogLine(T2, 'stdout', 'three'),
    ]);
    await createPod('web');
    for (const { version } of VERSIONS) {
      const c: FakeContainer = { namespace: 'default', pod: `follow-${version.replace('.', '-')}`, name: 'app', attempt: 0, running: true };
      backend.add(c);
      await writeLog(c, 0, [formatCriLogLine(T0, 'stdout', 'first')]);
      await createPod(c.pod);
      backend.startMain(c, ['sh', '-c', 'while read line; do echo "got $line"; done; echo bye']);
    }

    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const child of spawned) stopByPid(child);
    backend?.stopAll();
    await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
    await kubelet?.stop();
    await api?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const { version, exec: execProtocol, portForward: portForwardProtocol } of VERSIONS) {
    describe(`kubectl ${version}`, () => {
      let cli: KubectlCli;
      before(async () => {
        const home = path.join(tmp, `home-${version}`);
        await mkdir(home, { recursive: true });
        cli = new KubectlCli(version, api.url, home);
      });

      test('logs shows the current container log, joining partial lines', async () => {
        const r = await cli.run(['logs', 'web']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'line one\nline two\nline three\n');
      });

      test('logs --tail, --previous and --timestamps', async () => {
        const tail = await cli.run(['logs', 'web', '--tail=2']);
        assert.equal(tail.stdout, 'line three\n', 'the last two file lines are the two halves of one line');
        const previous = await cli.run(['logs', 'web', '--previous']);
        assert.equal(previous.code, 0, previous.stderr);
        assert.equal(previous.stdout, 'before the restart\n');
        const stamped = await cli.run(['logs', 'web', '--timestamps']);
        assert.equal(stamped.stdout, [
          '2026-01-02T03:04:05.1Z line one',
          '2026-01-02T03:04:06Z line two',
          '2026-01-02T03:04:07.123456789Z line 2026-01-02T03:04:07.123456789Z three',
          '',
        ].join('\n'));
      });

      test('logs --previous of a container that never restarted is a BadRequest', async () => {
        const pod = `follow-${version.replace('.', '-')}`;
        const r = await cli.run(['logs', pod, '--previous']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /BadRequest.*previous terminated container "app" in pod "follow-[\d-]+" not found/);
      });

      test('logs -f streams appended lines and ends when the container stops', async () => {
        const c = backend.containers.get(`default/follow-${version.replace('.', '-')}/app`)!;
        const child = cli.spawn(['logs', '-f', c.pod]);
        spawned.add(child);
        child.stdin!.end();
        const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
        await waitForOutput(child.stdout!, /first\n/);
        const more = waitForOutput(child.stdout!, /appended later\n/);
        await appendFile(backend.logPath(c, 0), formatCriLogLine(new Date(), 'stdout', 'appended later'));
        await more;
        c.running = false;
        assert.equal(await exited, 0);
      });

      test('exec propagates stdout, stderr and the exit code', async () => {
        opened.length = 0;
        const r = await cli.run(['exec', 'web', '--', 'sh', '-c', 'echo hi; echo err >&2; exit 3']);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, 'hi\n');
        assert.match(r.stderr, /(^|\n)err\n/);
        assert.match(r.stderr, /command terminated with exit code 3/);
        assert.deepEqual(opened, [`exec ${execProtocol}`]);
      });

      test('exec -i sends stdin and closes it at its end', async () => {
        const r = await cli.run(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done'], { stdin: 'hello\nworld\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello\nworld\ndone\n');
      });

      test('exec carries large output intact', async () => {
        const r = await cli.run(['exec', 'web', '--', 'sh', '-c', 'head -c 300000 /dev/zero | tr "\\000" x']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.length, 300000);
        assert.match(r.stdout, /^x+$/);
      });

      test('attach -i talks to the container\'s main process', async () => {
        opened.length = 0;
        const pod = `follow-${version.replace('.', '-')}`;
        const r = await cli.run(['attach', '-i', pod], { stdin: 'one\ntwo\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'got one\ngot two\nbye\n');
        assert.deepEqual(opened, [`attach ${execProtocol}`]);
      });

      test('port-forward reaches a TCP server in the pod', async () => {
        opened.length = 0;
        const child = cli.spawn(['port-forward', 'pod/web', `0:${echoPort}`, '--address', '127.0.0.1']);
        spawned.add(child);
        child.stdin!.end();
        try {
          const m = await waitForOutput(child.stdout!, /Forwarding from 127\.0\.0\.1:(\d+)/);
          const localPort = Number(m[1]);
          for (const message of ['ping', 'a second connection', 'x'.repeat(1024 * 1024)]) {
            assert.equal(await roundTrip(localPort, message), message);
          }
          assert.ok(opened.length >= 1);
          assert.ok(opened.every((o) => o === `portForward ${portForwardProtocol}`), opened.join(', '));
        } finally {
          stopByPid(child);
        }
      });
    });
  }
});

/** Connects, writes `message`, and resolves with what comes back once it is as long. */
function roundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(message));
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no echo for ${message}; got ${got}`));
    }, 15_000);
    s.on('data', (c) => {
      got += c;
      if (got.length >= message.length) {
        clearTimeout(timer);
        s.end();
        resolve(got);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function stopByPid(child: ChildProcess): void {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}
