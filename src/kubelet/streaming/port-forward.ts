// Port forwarding over SPDY (`portforward.k8s.io`), over a plain upgrade or tunnelled in a
// WebSocket: for each forwarded connection the client opens an error stream and a data
// stream carrying the same `requestID` and `port` headers; the server connects to the port
// in the pod and copies bytes both ways, reporting failures as text on the error stream
// (upstream's kubelet portforward/httpstream.go).
import type { Socket } from 'node:net';
import type { SpdyConnection, SpdyStream } from 'spdy-transport';
import { streamHeader } from './spdy-session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of SPDY tunnelled in WebSocket messages (kubectl ≥ 1.31). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

export interface PortForwardTarget {
  /** For error messages, as upstream: "pod <namespace>/<name>, uid <uid>". */
  podName: string;
  uid: string;
  dial(port: number): Promise<Socket>;
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForwardSpdy(conn: SpdyConnection, target: PortForwardTarget, streamCreationTimeoutMs: number): void {
  const pairs = new Map<string, StreamPair>();
  const live = new Set<Socket>();
  conn.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    for (const s of live) s.destroy();
  });
  conn.on('stream', (stream: SpdyStream) => {
    stream.on('error', () => undefined);
    stream.respond(200, {});
    const type = streamHeader(stream, 'streamType');
    if (type !== 'data' && type !== 'error') {
      stream.abort();
      return;
    }
    const id = requestId(stream, type);
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        // As upstream: a pair left incomplete is given up after streamCreationTimeout.
        pairs.delete(id);
        pair?.data?.abort();
        pair?.error?.end('timed out waiting for streams');
      }, streamCreationTimeoutMs);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) {
      stream.abort();
      return;
    }
    pair[type] = stream;
    if (type === 'error') stream.resume(); // the client writes nothing on it
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(id);
      void forward(pair.data, pair.error, target, live);
    }
  });
}

/**
 * Old clients send no requestID: upstream pairs streams by id then (error = id, data = id - 2,
 * since a client opens the error stream first).
 */
function requestId(stream: SpdyStream, type: 'data' | 'error'): string {
  const header = streamHeader(stream, 'requestID');
  if (header) return header;
  return String(type === 'error' ? stream.id : stream.id - 2);
}

async function forward(data: SpdyStream, error: SpdyStream, target: PortForwardTarget, live: Set<Socket>): Promise<void> {
  const portText = streamHeader(data, 'port') ?? '';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    error.end(`invalid port header: "${portText}"`);
    data.end();
    return;
  }
  let socket: Socket;
  try {
    socket = await target.dial(port);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    error.end(`error forwarding port ${port} to pod ${target.podName}, uid ${target.uid}: ${reason}`);
    data.end();
    return;
  }
  live.add(socket);
  socket.on('error', () => undefined);
  socket.once('close', () => {
    live.delete(socket);
    if (!data.writableEnded) data.end();
    if (!error.writableEnded) error.end();
  });
  // The client half-closes the data stream when its local connection has no more to send.
  data.on('close', () => socket.destroy());
  data.pipe(socket);
  socket.pipe(data);
}
