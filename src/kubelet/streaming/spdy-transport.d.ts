// The small part of `spdy-transport` (no published types) the streaming server uses: a
// server-side SPDY connection over any duplex stream, whose peer-opened streams arrive as
// 'stream' events.
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  export interface SpdyStream extends Duplex {
    readonly id: number;
    /** The peer's SYN_STREAM headers, names lower-cased. */
    readonly headers: Record<string, string | string[]>;
    respond(status: number, headers: Record<string, string>, callback?: (err?: Error) => void): void;
    abort(code?: string, callback?: () => void): void;
  }

  export interface SpdyConnection extends EventEmitter {
    on(event: 'stream', listener: (stream: SpdyStream) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'close', listener: (err?: Error) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
    start(version: number): void;
    end(callback?: () => void): void;
    destroyStreams(err?: Error): void;
    /** Internal state; touched only to lift send-side flow control (see spdy-session.ts). */
    _spdyState: any;
  }

  export interface ConnectionOptions {
    protocol: 'spdy' | 'http2';
    isServer: boolean;
    windowSize?: number;
    maxStreams?: number;
    autoSpdy31?: boolean;
  }

  const transport: {
    connection: { create(socket: Duplex, options: ConnectionOptions): SpdyConnection };
  };
  export default transport;
}
