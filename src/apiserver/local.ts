// In-process requests: components in the same process (controllers, scheduler, kubelet)
// reach the API server through the same pipeline as remote clients, without HTTP or TLS.
// A request and response pair is emulated with streams just far enough for the handlers.
import { PassThrough } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './authn.js';

export interface LocalRequest {
  method: string;
  /** Path with query string, e.g. /api/v1/namespaces/default/pods?watch=1. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  user: UserInfo;
  /**
   * The caller takes watch events as objects: a watch then delivers each event as a copy of
   * its object on `events` instead of JSON lines on `body`, sparing the encode and the parse.
   */
  objectMode?: boolean;
}

/** A watch event as delivered in object mode. */
export interface LocalWatchEvent {
  type: string;
  object: unknown;
}

export interface LocalResponse {
  status: number;
  headers: Record<string, string>;
  /** The response body; ends when the response ends. */
  body: NodeJS.ReadableStream;
  /** Set when the handler answered in object mode: the watch events; ends with the response. */
  events?: AsyncIterable<LocalWatchEvent>;
  /** Aborts the request (e.g. stops a watch). */
  cancel(): void;
}

/** Marks a request as local and carries its caller, for the authenticator. */
export const LOCAL_USER = Symbol('coxswain.localUser');

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Runs `handler` on an emulated request; resolves when the response headers are sent. */
export function dispatchLocal(handler: Handler, r: LocalRequest): Promise<LocalResponse> {
  const req = new PassThrough() as unknown as IncomingMessage & { [LOCAL_USER]: UserInfo };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  if (r.body) headers['content-length'] = String(r.body.length);
  Object.assign(req, { method: r.method, url: r.path, headers, socket: new EventEmitter(), [LOCAL_USER]: r.user });
  (req as unknown as PassThrough).end(r.body ?? undefined);

  const body = new PassThrough();
  return new Promise<LocalResponse>((resolve, reject) => {
    const res = new LocalServerResponse(body, r.objectMode === true, (status, h, events) => resolve({
      status,
      headers: h,
      body,
      ...(events && { events }),
      cancel: () => res.abort(),
    }));
    handler(req, res as unknown as ServerResponse).catch(reject).finally(() => {
      // A handler that returns without answering is a bug; answer rather than hang.
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
}

/** Just enough of http.ServerResponse for the API handlers. */
export class LocalServerResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  private readonly headerMap: Record<string, string> = {};
  private events: EventQueue | undefined;

  constructor(
    private readonly body: PassThrough,
    private readonly objectMode: boolean,
    private readonly onHeaders: (status: number, headers: Record<string, string>, events?: EventQueue) => void,
  ) {
    super();
    body.on('close', () => this.abort());
  }

  /**
   * Called by a watch before its headers: true when the caller takes events as objects; the
   * watch then writes them with writeEvent (and nothing on the body).
   */
  startObjectStream(): boolean {
    if (!this.objectMode || this.headersSent) return false;
    this.events ??= new EventQueue();
    return true;
  }

  /** Delivers watch events in object mode. The objects become the caller's: pass copies. */
  writeEvents(events: LocalWatchEvent[]): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.writableEnded || !this.events) return;
    this.events.push(events);
  }

  setHeader(name: string, value: string | number): this {
    this.headerMap[name.toLowerCase()] = String(value);
    return this;
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    if (this.headersSent) return this;
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    this.headersSent = true;
    this.onHeaders(status, this.headerMap, this.events);
    return this;
  }

  flushHeaders(): void {
    this.writeHead(this.statusCode);
  }

  // Writes go to an in-memory stream: there are no syscalls to batch.
  cork(): void {}
  uncork(): void {}

  write(chunk: string | Buffer): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.writableEnded) return false;
    return this.body.write(chunk);
  }

  end(chunk?: string | Buffer): this {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.writableEnded) return this;
    this.writableEnded = true;
    this.body.end(chunk);
    this.events?.end();
    this.emit('finish');
    this.emit('close');
    return this;
  }

  /** The client went away: handlers see the response close, as with a dropped connection. */
  abort(): void {
    if (this.writableEnded) return;
    this.writableEnded = true;
    this.body.end();
    this.events?.end();
    this.emit('close');
  }
}

/** Watch events waiting for their in-process reader; iteration ends after end(). */
class EventQueue implements AsyncIterable<LocalWatchEvent> {
  private queued: LocalWatchEvent[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(events: LocalWatchEvent[]): void {
    if (this.ended) return;
    for (const e of events) this.queued.push(e);
    this.wakeReader();
  }

  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  private wakeReader(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LocalWatchEvent> {
    for (;;) {
      if (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        yield* batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
