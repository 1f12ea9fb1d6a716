// HTTP(S) to an API server with pooled keep-alive connections: client certificate and key
// with the cluster CA, or a bearer token, as a kubeconfig gives them (kubeconfig.ts).
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { StreamResponse, Transport, TransportRequest, TransportResponse } from './transport.js';
import { readAll } from './transport.js';

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

  constructor(private readonly opts: HttpTransportOptions) {
    this.base = new URL(opts.server);
    this.secure = this.base.protocol === 'https:';
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
        readAll(res).then(
          (body) => resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body }),
          reject,
        );
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
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const options: http.RequestOptions = {
      method: req.method,
      host: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port || (this.secure ? 443 : 80),
      path: `${basePath}${req.path}`,
      headers,
      agent: this.agent,
    };
    const r = (this.secure ? https : http).request(options, onResponse);
    r.end(req.body);
    return r;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function flatten(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
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
