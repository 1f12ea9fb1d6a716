// The kubelet streaming server spoken to directly: the protocols kubectl does not use
// (v4.channel.k8s.io exec and port-forward, as client libraries speak them), negotiation
// failures, and log options.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { StreamingServer } from '../../../src/kubelet/streaming/server.js';
import { formatCriLogLine, parseCriLogLine } from '../../../src/kubelet/streaming/cri-log.js';
import { FakeBackend } from './fake-backend.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

/** Collects the messages of a channel.k8s.io WebSocket until the server closes it. */
function collect(ws: WebSocket): Promise<{ channel: number; data: Buffer }[]> {
  const messages: { channel: number; data: Buffer }[] = [];
  ws.on('message', (m: Buffer) => messages.push({ channel: m[0], data: m.subarray(1) }));
  return new Promise((resolve, reject) => {
    ws.once('close', () => resolve(messages));
    ws.once('error', reject);
  });
}

describe('kubelet streaming server', () => {
  let tmp: string;
  let backend: FakeBackend;
  let kubelet: StreamingServer;
  let echo: net.Server;
  let echoPort: number;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'coxswain-kubelet-streaming-'));
    backend = new FakeBackend(path.join(tmp, 'logs'));
    const c = { namespace: 'ns', pod: 'p', name: 'c', attempt: 0, running: true };
    backend.add(c);
    const file = backend.logPath(c, 0);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, [
      formatCriLogLine('2026-01-01T00:00:01Z', 'stdout', 'one'),
      formatCriLogLine('2026-01-01T00:00:02Z', 'stdout', 'two'),
      formatCriLogLine('2026-01-01T00:00:03Z', 'stderr', 'three'),
    ].join(''));
    kubelet = new StreamingServer({ backend, now: () => Date.parse('2026-01-01T00:00:04Z') });
    await kubelet.start();
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  after(async () => {
    backend.stopAll();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
    await kubelet.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  test('CRI log lines: full lines get their newline back, partial ones do not', () => {
    const full = parseCriLogLine(Buffer.from('2026-01-01T00:00:01.5Z stderr F hello world'));
    assert.equal(full?.stream, 'stderr');
    assert.equal(full?.content.toString(), 'hello world\n');
    assert.equal(full?.nanos, BigInt(Date.parse('2026-01-01T00:00:01Z')) * 1_000_000n + 500_000_000n);
    assert.equal(parseCriLogLine(Buffer.from('2026-01-01T00:00:01Z stdout P part'))?.content.toString(), 'part');
    assert.equal(parseCriLogLine(Buffer.from('not a log line')), undefined);
  });

  const logCases: [string, string, string][] = [
    ['everything', '', 'one\ntwo\nthree\n'],
    ['tailLines=0', 'tailLines=0', ''],
    ['tailLines=2', 'tailLines=2', 'two\nthree\n'],
    ['limitBytes cuts mid-line', 'limitBytes=6', 'one\ntw'],
    ['sinceTime', 'sinceTime=2026-01-01T00:00:02Z', 'two\nthree\n'],
    ['sinceSeconds against the injected clock', 'sinceSeconds=2', 'two\nthree\n'],
  ];
  for (const [name, query, want] of logCases) {
    test(`containerLogs: ${name}`, async () => {
      const r = await get(`${kubelet.url}/containerLogs/ns/p/c?${query}`);
      assert.equal(r.status, 200);
      assert.equal(r.text, want);
    });
  }

  test('containerLogs rejects invalid options and unknown containers', async () => {
    assert.equal((await get(`${kubelet.url}/containerLogs/ns/p/c?tailLines=-1`)).status, 422);
    assert.equal((await get(`${kubelet.url}/containerLogs/ns/p/c?sinceSeconds=1&sinceTime=2026-01-01T00:00:00Z`)).status, 422);
    assert.equal((await get(`${kubelet.url}/containerLogs/ns/p/nope`)).status, 404);
  });

  test('exec without an upgrade is refused as upstream does', async () => {
    const r = await get(`${kubelet.url}/exec/ns/p/c?command=true&stdout=1`);
    assert.equal(r.status, 400);
    assert.match(r.text, /missing upgrade headers/);
  });

  test('exec over v4.channel.k8s.io reports the exit code as a Status on channel 3', async () => {
    const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/ns/p/c?command=sh&command=-c&command=echo+out%3B+exit+7&stdout=1&stderr=1`, ['v4.channel.k8s.io']);
    const messages = await collect(ws);
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    const stdout = Buffer.concat(messages.filter((m) => m.channel === 1).map((m) => m.data)).toString();
    assert.equal(stdout, 'out\n');
    const status = JSON.parse(messages.find((m) => m.channel === 3)!.data.toString());
    assert.deepEqual(status, {
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; exit 7], exit code 7',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
  });

  test('a WebSocket offering no supported protocol is refused with 403', async () => {
    const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/exec/ns/p/c?command=true&stdout=1`, ['base64.channel.k8s.io']);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 403);
  });

  test('port-forward over v4.channel.k8s.io: port prefix on both channels, then echoed data', async () => {
    const ws = new WebSocket(`${kubelet.url.replace('http', 'ws')}/portForward/ns/p?port=${echoPort}`, ['v4.channel.k8s.io']);
    const received: { channel: number; data: Buffer }[] = [];
    const echoed = new Promise<void>((resolve) => {
      ws.on('message', (m: Buffer) => {
        received.push({ channel: m[0], data: Buffer.from(m.subarray(1)) });
        const data = Buffer.concat(received.filter((r) => r.channel === 0).map((r) => r.data).slice(1));
        if (data.toString() === 'hello') resolve();
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    await echoed;
    const portPrefix = Buffer.alloc(2);
    portPrefix.writeUInt16LE(echoPort);
    assert.deepEqual(received.filter((r) => r.channel === 0)[0].data, portPrefix);
    assert.deepEqual(received.filter((r) => r.channel === 1)[0].data, portPrefix);
    ws.close();
  });
});
