// HTTP(S) to an API server with pooled keep-alive connections: client certificate and key
// with the cluster CA, or a bearer token, as a kubeconfig gives them (kubeconfig.ts).
// undici rather than node:http: a busy client (a scheduler binding, a simulator renewing
// thousands of leases) spends about half as much CPU per request.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { StreamResponse, Transport, TransportRequest, TransportResponse } from './transport.js';

export interface HttpTransportOptions {
  /** e.g. https://127.0.0.1:6443 or http://127.0.0.1:8080. */
  server: string;
  caPem?: string | Buffer;
  certPem?: string | Buffer;
  keyPem?: string | Buffer;
  token?: string;
  /** Skip verifying the server certificate (kubeconfig insecure-skip-tls-verify). */
  insecureSkipTlsVerify?: boolean;
  /** TLS server name to verify instead of the URL's host (kubeconfig tls-server-name). */
  tlsServerName?: string;
  userAgent?: string;
  /** Most connections kept to the server (default 64). */
  maxSockets?: number;
}

export class HttpTransport implements Transport {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(private readonly opts: HttpTransportOptions) {
    const base = new URL(opts.server);
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, {
      connections: opts.maxSockets ?? 64,
      // Watches stay open and may be quiet for minutes; the server ends them (timeoutSeconds).
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: base.protocol === 'https:'
        ? {
            ca: opts.caPem,
            cert: opts.certPem,
            key: opts.keyPem,
            rejectUnauthorized: !opts.insecureSkipTlsVerify,
            ...(opts.tlsServerName && { servername: opts.tlsServerName }),
          }
        : undefined,
    });
  }

  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.send(req);
    // Listeners rather than an async iterator: a response is usually one or two chunks, and
    // the iterator's promises per chunk cost more than reading them.
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.body.on('data', (c: Buffer) => chunks.push(c));
      res.body.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      // A connection lost mid-body fails the body.
      res.body.on('error', (err) => reject(new Error(`${req.method} ${req.path}: the response was cut off (${err.message})`)));
    });
    return { status: res.statusCode, headers: flatten(res.headers), body };
  }

  async stream(req: TransportRequest): Promise<StreamResponse> {
    const res = await this.send(req);
    let cancelled = false;
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      // Aborts the request: undici closes its connection rather than reuse it mid-body.
      res.body.destroy();
    };
    return { status: res.statusCode, headers: flatten(res.headers), body: quietAfterCancel(res.body, () => cancelled), cancel };
  }

  close(): void {
    void this.pool.destroy().catch(() => undefined);
  }

  private send(req: TransportRequest): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...req.headers };
    if (this.opts.token && !hasHeader(headers, 'authorization')) headers['authorization'] = `Bearer ${this.opts.token}`;
    if (this.opts.userAgent && !hasHeader(headers, 'user-agent')) headers['user-agent'] = this.opts.userAgent;
    return this.pool.request({
      method: req.method as Dispatcher.HttpMethod,
      path: this.basePath + req.path,
      headers,
      body: req.body,
    });
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function flatten(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** The response body; the error a destroyed body raises after cancel() just ends it. */
async function* quietAfterCancel(body: Readable, cancelled: () => boolean): AsyncIterable<Buffer> {
  try {
    for await (const chunk of body) yield chunk as Buffer;
  } catch (err) {
    if (!cancelled()) throw err;
  }
}
