// Exec, attach and port-forward through the CRI runtime's own streaming server. Exec/Attach/
// PortForward return a URL on containerd's streaming server (127.0.0.1, random port in our
// config); we dial it as a WebSocket client with the channel.k8s.io v4 protocol that the
// kubelet streaming library vendored by containerd serves next to SPDY: one channel byte per
// message — 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status when the command ends),
// 4 resize; for port-forward, channel 2i carries port i's data and 2i+1 its errors, each
// opened by the server with the port number (uint16, little endian). Our streaming server
// then serves these sessions to kubectl like any runtime's.
import net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import type { StreamSession } from '../types.js';

const PROTOCOL = 'v4.channel.k8s.io';
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

/**
 * `onMessage` is attached before the opening: frames that arrive in the same read as the
 * handshake's answer are emitted before a promise continuation could attach it.
 */
function dial(url: string, onMessage: (data: Buffer) => void): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), [PROTOCOL]);
  ws.on('message', onMessage);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

/** The exit code in the Status the error channel carries (upstream's NonZeroExitCode cause). */
export function exitCodeFromStatus(text: string): number {
  try {
    const status = JSON.parse(text) as { status?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (status.status === 'Success') return 0;
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    return Number.isInteger(code) ? code : 1;
  } catch {
    // v1-style plain text errors.
    return text.trim() ? 1 : 0;
  }
}

/** An exec or attach session over the runtime's streaming URL. */
export async function dialCommandStream(url: string, want: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<StreamSession> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let code: number | undefined;
  const ws = await dial(url, (data) => {
    if (data.length === 0) return;
    const payload = data.subarray(1);
    if (data[0] === STDOUT) stdout.write(Buffer.from(payload));
    else if (data[0] === STDERR) stderr.write(Buffer.from(payload));
    else if (data[0] === ERROR && payload.length) code = exitCodeFromStatus(payload.toString('utf8'));
  });
  const exited = new Promise<number>((resolve) => {
    ws.once('close', () => {
      stdout.end();
      stderr.end();
      resolve(code ?? 0);
    });
  });
  ws.on('error', () => undefined);
  const send = (channel: number, payload: Buffer, cb?: () => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true }, () => cb?.());
  };
  const stdin = want.stdin
    ? new Writable({ write: (chunk: Buffer, _enc, cb) => send(STDIN, chunk, () => cb()) })
    : undefined;
  return {
    stdin,
    stdout: want.stdout ? stdout : undefined,
    stderr: want.stderr ? stderr : undefined,
    resize: (cols, rows) => send(RESIZE, Buffer.from(JSON.stringify({ Width: cols, Height: rows }))),
    exited,
    kill: () => ws.terminate(),
  };
}

/**
 * A TCP connection to `port` in the pod, through the runtime's port-forward URL. The kubelet's
 * streaming server wants a socket: we hand it one end of a loopback connection and relay the
 * other end over the WebSocket.
 */
export async function dialPortForward(url: string, port: number): Promise<net.Socket> {
  // The loopback pair first: the server's first messages (the port numbers) may follow the
  // WebSocket's opening at once, and must find their handler attached.
  const relay = net.createServer();
  await new Promise<void>((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(0, '127.0.0.1', () => resolve());
  });
  const accepted = new Promise<net.Socket>((resolve) => relay.once('connection', resolve));
  const client = net.connect((relay.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const inner = await accepted;
  relay.close();
  const withPort = new URL(url);
  withPort.searchParams.set('port', String(port));
  const seen = [false, false];
  const onMessage = (data: Buffer) => {
    const ch = data[0];
    if (ch !== 0 && ch !== 1) return;
    let payload = data.subarray(1);
    // The first message of each channel is the port number.
    if (!seen[ch]) {
      seen[ch] = true;
      payload = payload.subarray(2);
    }
    if (!payload.length) return;
    if (ch === 0) inner.write(Buffer.from(payload));
    else inner.destroy(new Error(payload.toString('utf8')));
  };
  let ws: WebSocket;
  try {
    ws = await dial(withPort.toString(), onMessage);
  } catch (err) {
    client.destroy();
    inner.destroy();
    throw err;
  }
  ws.on('error', () => inner.destroy());
  ws.once('close', () => inner.end());
  inner.on('data', (chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), chunk]), { binary: true });
  });
  inner.on('error', () => undefined);
  inner.once('close', () => ws.close());
  client.once('close', () => inner.destroy());
  return client;
}
