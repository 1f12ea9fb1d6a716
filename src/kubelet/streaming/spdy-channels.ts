// The SPDY form of exec and attach (kubectl before 1.30, and the fallback after): the client
// opens one SPDY stream per channel, named by its `streamType` header (error, stdin, stdout,
// stderr, resize); the server waits until every stream the request asked for has arrived
// (upstream's waitStreamReply with streamCreationTimeout) before running the command.
import type { Readable } from 'node:stream';
import type { SpdyConnection, SpdyStream } from 'spdy-transport';
import type { CommandChannels, TerminalSize } from './remote-command.js';
import type { ExecStatus } from './exec-status.js';
import { streamHeader } from './spdy-session.js';

/** The remote-command protocols served over SPDY (v4 reports a Status JSON on the error stream). */
export const REMOTE_COMMAND_SPDY_PROTOCOLS = ['v4.channel.k8s.io'];

export interface SpdyChannelRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export class StreamCreationTimeout extends Error {
  override name = 'StreamCreationTimeout';
}

/** Collects the client's streams; rejects if they do not all arrive in time. */
export function spdyCommandChannels(conn: SpdyConnection, want: SpdyChannelRequest, timeoutMs: number): Promise<CommandChannels> {
  const expected = new Set(['error']);
  if (want.stdin) expected.add('stdin');
  if (want.stdout) expected.add('stdout');
  if (want.stderr) expected.add('stderr');
  if (want.tty) expected.add('resize');
  const streams = new Map<string, SpdyStream>();
  const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new StreamCreationTimeout('timed out waiting for client to create streams')), timeoutMs);
    closed.then(() => {
      clearTimeout(timer);
      reject(new StreamCreationTimeout('connection closed before all streams were created'));
    });
    conn.on('stream', (stream: SpdyStream) => {
      stream.on('error', () => undefined);
      stream.respond(200, {});
      const type = streamHeader(stream, 'streamType') ?? '';
      if (!expected.has(type) || streams.has(type)) {
        stream.abort();
        return;
      }
      streams.set(type, stream);
      // The client only reads the error, stdout and stderr streams; stdin and resize are ours to read.
      if (type !== 'stdin' && type !== 'resize') stream.resume();
      if (streams.size < expected.size) return;
      clearTimeout(timer);
      resolve(channelsFrom(conn, streams, closed));
    });
  });
}

function channelsFrom(conn: SpdyConnection, streams: Map<string, SpdyStream>, closed: Promise<void>): CommandChannels {
  const resize = streams.get('resize');
  return {
    stdin: streams.get('stdin'),
    stdout: streams.get('stdout'),
    stderr: streams.get('stderr'),
    closed,
    onResize(listener) {
      if (resize) readJsonLines(resize, listener);
    },
    async finish(status: ExecStatus) {
      const ours = [...streams.values()];
      const flushed = Promise.all(ours.map((s) => new Promise<void>((resolve) => {
        if (s.writableFinished) return resolve();
        s.once('finish', () => resolve());
        s.once('close', () => resolve());
      })));
      streams.get('error')!.end(JSON.stringify(status));
      // Our halves of every stream end, so the streams close as soon as the client's do.
      for (const s of ours) s.end();
      await flushed;
      // Only then GOAWAY: the client closes the connection once it has read everything.
      conn.end();
    },
  };
}

/** client-go writes one JSON TerminalSize per line on the resize stream. */
function readJsonLines(stream: Readable, listener: (size: TerminalSize) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const v = JSON.parse(line) as { Width?: number; Height?: number };
        if (typeof v.Width === 'number' && typeof v.Height === 'number') listener({ width: v.Width, height: v.Height });
      } catch {
        // ignored, as upstream
      }
    }
  });
}
