// The request headers a backend receives, after ingress-nginx's defaults
// (use-forwarded-headers: false): hop-by-hop headers dropped (RFC 9110 §7.6.1), Host kept,
// and X-Forwarded-* / X-Real-IP describing the client connection we accepted. Client-sent
// X-Forwarded-For is not trusted; it is passed on as X-Original-Forwarded-For.
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** Headers without the hop-by-hop ones, including those the Connection header names. */
export function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The client's address without the IPv4-mapped IPv6 prefix. */
export function clientAddress(req: IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? '';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

export interface ForwardContext {
  scheme: 'http' | 'https';
  /** The port the client connected to. */
  serverPort: number;
  /** Keep Connection/Upgrade for a protocol upgrade (WebSocket). */
  upgrade?: boolean;
}

export function upstreamRequestHeaders(req: IncomingMessage, ctx: ForwardContext): OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  const client = clientAddress(req);
  const original = req.headers['x-forwarded-for'];
  if (original) headers['x-original-forwarded-for'] = original;
  // As ingress-nginx: a client's X-Request-ID is kept, otherwise one is made.
  headers['x-request-id'] = req.headers['x-request-id'] || randomBytes(16).toString('hex');
  headers['x-real-ip'] = client;
  headers['x-forwarded-for'] = client;
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-port'] = String(ctx.serverPort);
  headers['x-forwarded-proto'] = ctx.scheme;
  headers['x-forwarded-scheme'] = ctx.scheme;
  headers['x-scheme'] = ctx.scheme;
  if (ctx.upgrade && req.headers.upgrade) {
    headers.connection = 'upgrade';
    headers.upgrade = req.headers.upgrade;
  }
  return headers;
}
