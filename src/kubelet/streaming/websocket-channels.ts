// The channel.k8s.io WebSocket protocols for exec and attach: every binary message starts
// with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 error (a Status JSON in v4 and v5),
// 4 resize ({"Width","Height"}) — and v5 adds 255, a client message [255, channel] that
// half-closes one channel (how kubectl ≥ 1.30 signals the end of stdin).
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { CommandChannels, TerminalSize } from './remote-command.js';
import type { ExecStatus } from './exec-status.js';

export const CHANNEL_V5 = 'v5.channel.k8s.io';
export const CHANNEL_V4 = 'v4.channel.k8s.io';
/** In the order this server prefers them; the client's order decides among these. */
export const REMOTE_COMMAND_WEBSOCKET_PROTOCOLS = [CHANNEL_V5, CHANNEL_V4];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

export interface ChannelRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export function websocketCommandChannels(ws: WebSocket, protocol: string, want: ChannelRequest): CommandChannels {
  const stdin = want.stdin ? new PassThrough() : undefined;
  const resizeListeners: ((size: TerminalSize) => void)[] = [];
  // The client sends its terminal size as soon as the socket opens, often before the session
  // (and its listener) exists: the latest size is kept and given to listeners that come later.
  let lastSize: TerminalSize | undefined;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  closed.then(() => stdin?.end());

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (channel === STDIN) {
      if (stdin && !stdin.writableEnded) stdin.write(Buffer.from(payload));
    } else if (channel === RESIZE) {
      const size = parseResize(payload);
      if (size) {
        lastSize = size;
        for (const l of resizeListeners) l(size);
      }
    } else if (channel === CLOSE && protocol === CHANNEL_V5) {
      if (payload[0] === STDIN) stdin?.end();
    }
  });
  ws.on('error', () => undefined);

  return {
    stdin,
    stdout: want.stdout ? channelWriter(ws, STDOUT) : undefined,
    stderr: want.stderr ? channelWriter(ws, STDERR) : undefined,
    onResize: (l) => {
      resizeListeners.push(l);
      if (lastSize) l(lastSize);
    },
    closed,
    finish: (status: ExecStatus) =>
      new Promise<void>((resolve) => {
        if (ws.readyState !== ws.OPEN) return resolve();
        ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(status))]), { binary: true }, () => {
          // A normal closure tells the client every channel has ended.
          ws.close(1000);
          resolve();
        });
      }),
  };
}

/** A writable that frames each chunk as a message on `channel`, with the socket's backpressure. */
export function channelWriter(ws: WebSocket, channel: number): Writable {
  const prefix = Buffer.from([channel]);
  return new Writable({
    write(chunk: Buffer, _enc, callback) {
      if (ws.readyState !== ws.OPEN) return callback();
      ws.send(Buffer.concat([prefix, chunk]), { binary: true }, () => callback());
    },
  });
}

/** A resize message: JSON {"Width":n,"Height":n}, as client-go's TerminalSize. */
export function parseResize(payload: Buffer): TerminalSize | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (typeof v.Width === 'number' && typeof v.Height === 'number') return { width: v.Width, height: v.Height };
  } catch {
    // not a resize document: ignored, as upstream logs and carries on
  }
  return undefined;
}
