// HTTP(S) to an API server with pooled keep-alive connections: client certificate and key
// with the cluster CA, or a bearer token, as a kubeconfig gives them (kubeconfig.ts).
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
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
  /** Most sockets kept per host (default 64). */
  maxSockets?: number;
}

export class HttpTransport implements Transport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  // Taken from the URL once: every request of a busy client (a scheduler binds, a simulator
  // renews thousands of leases) would otherwise parse them again.
  private readonly host: string;
  private readonly port: string | number;
  private readonly basePath: string;
  private readonly requestFn: typeof http.request;

  constructor(private readonly opts: HttpTransportOptions) {
    this.base = new URL(opts.server);
    this.secure = this.base.protocol === 'https:';
    this.host = this.base.hostname.replace(/^\[|\]$/g, '');
    this.port = this.base.port || (this.secure ? 443 : 80);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.requestFn = this.secure ? https.request : http.request;
    const common = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
    this.agent = this.secure
      ? new https.Agent({
          ...common,
          ca: opts.caPem,
          cert: opts.certPem,
          key: opts.keyPem,
          rejectUnauthorized: !opts.insecureSkipTlsVerify,
          servername: opts.tlsServerName,
        })
      : new http.Agent(common);
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const r = this.send(req, (res) => {
        // Listeners rather than an async iterator: a response is usually one or two chunks,
        // and the iterator's promises per chunk cost more than reading them.
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          headers: flatten(res.headers),
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        }));
        res.on('error', reject);
        // A connection lost mid-body ends without 'end' (and, on some paths, without 'error').
        res.on('close', () => {
          if (!res.complete) reject(new Error(`${req.method} ${req.path}: the response was cut off`));
        });
      });
      r.on('error', reject);
    });
  }

  stream(req: TransportRequest): Promise<StreamResponse> {
    return new Promise((resolve, reject) => {
      let cancelled = false;
      const r = this.send(req, (res) => {
        const cancel = () => {
          if (cancelled) return;
          cancelled = true;
          r.destroy();
        };
        resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body: quietAfterCancel(res, () => cancelled), cancel });
      });
      r.on('error', (err) => {
        if (!cancelled) reject(err);
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private send(req: TransportRequest, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const headers: Record<string, string> = { ...req.headers };
    if (this.opts.token && !hasHeader(headers, 'authorization')) headers.Authorization = `Bearer ${this.opts.token}`;
    if (this.opts.userAgent && !hasHeader(headers, 'user-agent')) headers['User-Agent'] = this.opts.userAgent;
    if (req.body) headers['Content-Length'] = String(req.body.length);
    const r = this.requestFn({
      method: req.method,
      host: this.host,
      port: this.port,
      path: this.basePath + req.path,
      headers,
      agent: this.agent,
    }, onResponse);
    r.end(req.body);
    return r;
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

/** The response body; the error a destroyed socket raises after cancel() just ends it. */
async function* quietAfterCancel(res: http.IncomingMessage, cancelled: () => boolean): AsyncIterable<Buffer> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (err) {
    if (!cancelled()) throw err;
  }
}
