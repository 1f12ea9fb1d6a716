// Requests to an API server in the same process, through its full pipeline (authorization,
// admission, watch cache) but without HTTP or TLS: the embedded components of `coxswain up`
// use the same client as remote ones, only this transport differs (DESIGN §1).
import type { StreamResponse, Transport, TransportRequest, TransportResponse } from './transport.js';
import { readAll } from './transport.js';

/** The caller as the server's authorizer sees it. */
export interface LocalUser {
  name: string;
  groups: string[];
}

/** The shape of ApiServer.handleLocal's request and response (see apiserver/local.ts). */
export interface LocalRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  user: LocalUser;
  /** Watch events are wanted as objects (see apiserver/local.ts). */
  objectMode?: boolean;
}

export interface LocalResponse {
  status: number;
  headers: Record<string, string>;
  body: NodeJS.ReadableStream;
  /** The watch events as objects, when the server answered in object mode. */
  events?: AsyncIterable<unknown>;
  cancel(): void;
}

export type LocalHandler = (req: LocalRequest) => Promise<LocalResponse>;

export class InProcessTransport implements Transport {
  constructor(private readonly handle: LocalHandler, private readonly user: LocalUser) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    // Yield to the event loop first: in-process callers would otherwise keep the loop busy
    // and starve the server's network clients.
    await yieldToEventLoop();
    const res = await this.handle({ ...req, user: this.user });
    const body = await readAll(res.body as AsyncIterable<Buffer>);
    return { status: res.status, headers: lowerCase(res.headers), body };
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    await yieldToEventLoop();
    // Same process: watch events can come as objects, without JSON in between.
    const res = await this.handle({ ...req, user: this.user, objectMode: true });
    let cancelled = false;
    return {
      status: res.status,
      headers: lowerCase(res.headers),
      body: res.body as AsyncIterable<Buffer>,
      ...(res.events && { events: res.events }),
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        res.cancel();
      },
    };
  }
}

function lowerCase(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
