// SPDY/3.1 as the Kubernetes streaming protocols use it (the `SPDY/3.1` HTTP upgrade, and the
// same framing tunnelled inside WebSocket binary messages): a server-side session from
// spdy-transport over any duplex, plus the upgrade handshake.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import transport, { type SpdyConnection, type SpdyStream } from 'spdy-transport';

// Go's spdystream (the peer in every kubectl) never sends WINDOW_UPDATE frames: it does no
// flow control. Left at the SPDY default, our side would stop sending after 64 KiB on a
// stream, so the send windows are made effectively unbounded.
const UNBOUNDED_WINDOW = 2 ** 52;

export function createSpdyServerSession(socket: Duplex): SpdyConnection {
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true, windowSize: 16 * 1024 * 1024 });
  const state = conn._spdyState;
  for (const side of [state.streamWindow.send, state.window.send]) {
    side.max = UNBOUNDED_WINDOW;
    side.current = UNBOUNDED_WINDOW;
    side.limit = UNBOUNDED_WINDOW * 2;
    side.lowWaterMark = 0;
  }
  acceptStreamsWithoutRequestHeaders(state.parser);
  conn.on('error', () => undefined);
  return conn;
}

/**
 * spdy-transport expects every SYN_STREAM to carry HTTP's `:method` and `:path`, but
 * Kubernetes streams carry only their own headers (streamType, port, requestID): the parsed
 * header block is given neutral values for those two before the parser checks them.
 */
function acceptStreamsWithoutRequestHeaders(parser: any): void {
  const parseKVs = parser.parseKVs;
  parser.parseKVs = function (this: unknown, buffer: unknown, callback: (err: Error | null, headers?: Record<string, string>) => void) {
    parseKVs.call(this, buffer, (err: Error | null, headers?: Record<string, string>) => {
      if (!err && headers) {
        headers[':method'] ??= 'POST';
        headers[':path'] ??= '/';
      }
      callback(err, headers);
    });
  };
}

/** A header of a peer-opened stream (Go writes names lower-cased on the wire). */
export function streamHeader(stream: SpdyStream, name: string): string | undefined {
  const v = stream.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The protocols a client offers in X-Stream-Protocol-Version (one header or several). */
export function offeredStreamProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['x-stream-protocol-version'];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
}

/** Writes the 101 response of upstream's httpstream.Handshake and hands back the raw socket. */
export function completeSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string): void {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Connection: Upgrade\r\n' +
      'Upgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  if (head.length > 0) socket.unshift(head);
}
