// The reverse proxy: routes each request by the route table, picks a ready endpoint and relays
// the exchange with streaming bodies both ways. Upgrade requests (WebSocket) are relayed as
// raw bytes once the backend answers 101. Timeouts and status codes follow ingress-nginx's
// defaults: connect 5 s (504), read 60 s (504), connection failure 502 (after up to three
// tries when the request can be resent), no endpoint 503, no rule 404.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Logger } from '../logger.js';
import type { BackendResolver, Endpoint } from './backend-resolver.js';
import { errorPage, rawErrorResponse } from './error-pages.js';
import type { ForwardContext } from './forwarded-headers.js';
import { upstreamRequestHeaders, withoutHopByHop } from './forwarded-headers.js';
import { normalizeHost } from './host-match.js';
import type { RouteTable } from './route-table.js';

export interface ProxyOptions {
  routes(): RouteTable;
  resolver: BackendResolver;
  /** Keep-alive agent for backend connections. */
  agent: http.Agent;
  logger: Logger;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

type Target =
  | { ok: true; endpoint: Endpoint; pick(): ReturnType<BackendResolver['pick']> }
  | { ok: false; status: number; reason: string };

class ProxyTimeoutError extends Error {
  override readonly name = 'ProxyTimeoutError';
  constructor(readonly phase: 'connect' | 'read') {
    super(`backend ${phase} timed out`);
  }
}

/** As ingress-nginx's proxy-next-upstream-tries. */
const MAX_TRIES = 3;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Whether another endpoint may be tried (ingress-nginx's proxy-next-upstream "error timeout"):
 * always when the connection was never made; for a pooled connection the backend closed
 * under us, only for idempotent methods, since the backend may have seen the request.
 */
function retriable(err: Error, upstream: http.ClientRequest, method: string | undefined): boolean {
  if (err instanceof ProxyTimeoutError) return err.phase === 'connect';
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (CONNECT_ERRORS.has(code)) return true;
  return code === 'ECONNRESET' && upstream.reusedSocket && IDEMPOTENT.has(method ?? 'GET');
}

export class IngressProxy {
  /** Sockets taken over by upgrades (both ends): the HTTP servers no longer track them, yet wait for them to close. */
  private readonly tunnels = new Set<Duplex>();
  private readonly connectTimeoutMs: number;
  private readonly readTimeoutMs: number;

  constructor(private readonly opts: ProxyOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? 60_000;
  }

  handleRequest(scheme: ForwardContext['scheme'], req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = this.target(req);
    if (!target.ok) {
      this.opts.logger.debug('no backend', { host: req.headers.host, url: req.url, status: target.status, reason: target.reason });
      sendError(res, target.status);
      return;
    }
    const headers = upstreamRequestHeaders(req, { scheme, serverPort: req.socket.localPort ?? 0 });
    // Node's server has already answered `Expect: 100-continue`; the backend must not wait for it.
    delete headers.expect;
    // Only a request without a body can be sent again: a streamed body is consumed by the first try.
    const bodiless = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0';
    let current: http.ClientRequest | undefined;
    // The client went away before the answer was complete: stop the backend request too.
    res.on('close', () => {
      if (!res.writableFinished) current?.destroy();
    });

    const attempt = (tryNumber: number, endpoint: Endpoint) => {
      const upstream = http.request({ host: endpoint.host, port: endpoint.port, method: req.method, path: req.url, headers, agent: this.opts.agent });
      current = upstream;
      this.applyTimeouts(upstream, true);
      upstream.on('response', (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, withoutHopByHop(upRes.headers));
        pipeline(upRes, res, () => {});
      });
      upstream.on('error', (err) => {
        this.opts.logger.debug('backend request failed', { endpoint: `${endpoint.host}:${endpoint.port}`, try: tryNumber, error: err.message });
        if (res.destroyed) return;
        if (!res.headersSent && bodiless && tryNumber < MAX_TRIES && retriable(err, upstream, req.method)) {
          const next = target.pick();
          if (next.ok) {
            attempt(tryNumber + 1, next.endpoint);
            return;
          }
        }
        if (res.headersSent) res.destroy();
        else sendError(res, err instanceof ProxyTimeoutError ? 504 : 502);
      });
      if (bodiless) upstream.end();
      else req.pipe(upstream);
    };
    if (bodiless) req.resume();
    attempt(1, target.endpoint);
  }

  handleUpgrade(scheme: ForwardContext['scheme'], req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.track(socket);
    const target = this.target(req);
    if (!target.ok) {
      socket.end(rawErrorResponse(target.status));
      return;
    }
    const headers = upstreamRequestHeaders(req, { scheme, serverPort: (socket as Socket).localPort ?? 0, upgrade: true });
    const upstream = http.request({
      host: target.endpoint.host,
      port: target.endpoint.port,
      method: req.method,
      path: req.url,
      headers,
      // A tunnel leaves the pool anyway; a dedicated connection keeps the agent's sockets clean.
      agent: false,
    });
    this.applyTimeouts(upstream, false);
    let answered = false;
    upstream.on('upgrade', (upRes, upSocket, upHead) => {
      answered = true;
      this.tunnel(socket, upSocket, upRes, upHead, head);
    });
    upstream.on('response', (upRes) => {
      // The backend declined the upgrade: relay its answer and close (the body is delimited by the close).
      answered = true;
      const resHeaders = { ...withoutHopByHop(upRes.headers), connection: 'close' };
      socket.write(statusLine(upRes) + headerLines(Object.entries(resHeaders)));
      pipeline(upRes, socket, () => {});
    });
    upstream.on('error', (err) => {
      this.opts.logger.debug('backend upgrade failed', { endpoint: `${target.endpoint.host}:${target.endpoint.port}`, error: err.message });
      if (answered) socket.destroy();
      else socket.end(rawErrorResponse(err instanceof ProxyTimeoutError ? 504 : 502));
    });
    socket.on('close', () => {
      if (!answered) upstream.destroy();
    });
    upstream.end();
  }

  private track(socket: Duplex): void {
    this.tunnels.add(socket);
    socket.once('close', () => this.tunnels.delete(socket));
  }

  /** Closes every upgraded connection (on stop; the servers close the rest). */
  closeTunnels(): void {
    for (const s of this.tunnels) s.destroy();
    this.tunnels.clear();
  }

  private tunnel(client: Duplex, backend: Duplex, upRes: http.IncomingMessage, upHead: Buffer, clientHead: Buffer): void {
    const raw: [string, string][] = [];
    for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2) raw.push([upRes.rawHeaders[i]!, upRes.rawHeaders[i + 1]!]);
    client.write(statusLine(upRes) + headerLines(raw));
    if (upHead.length > 0) client.write(upHead);
    if (clientHead.length > 0) backend.write(clientHead);
    this.track(backend);
    const close = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('close', close);
    backend.on('close', close);
    backend.on('error', close);
    backend.pipe(client);
    client.pipe(backend);
  }

  private applyTimeouts(upstream: http.ClientRequest, readTimeout: boolean): void {
    upstream.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => upstream.destroy(new ProxyTimeoutError('connect')), this.connectTimeoutMs);
      const clear = () => clearTimeout(timer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    if (readTimeout) upstream.setTimeout(this.readTimeoutMs, () => upstream.destroy(new ProxyTimeoutError('read')));
  }

  private target(req: http.IncomingMessage): Target {
    let path: string;
    try {
      // Routing uses the normalized path (dot segments resolved), as nginx does; the backend gets the original URI.
      path = new URL(req.url ?? '/', 'http://ingress.invalid').pathname;
    } catch {
      return { ok: false, status: 400, reason: 'bad request target' };
    }
    const match = this.opts.routes().match(normalizeHost(req.headers.host), path);
    if (!match) return { ok: false, status: 404, reason: 'no rule matches' };
    const backend = match.backend;
    if (backend.kind !== 'service') return { ok: false, status: 503, reason: `backend of ${backend.ingress} is not a service` };
    const pick = () => this.opts.resolver.pick(backend);
    const picked = pick();
    if (!picked.ok) return { ok: false, status: 503, reason: picked.reason };
    return { ok: true, endpoint: picked.endpoint, pick };
  }
}

function sendError(res: http.ServerResponse, status: number): void {
  const { body, headers } = errorPage(status);
  res.writeHead(status, headers);
  res.end(body);
}

function statusLine(res: http.IncomingMessage): string {
  return `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
}

function headerLines(entries: Iterable<[string, unknown]>): string {
  let out = '';
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out += `${name}: ${String(v)}\r\n`;
  }
  return `${out}\r\n`;
}
