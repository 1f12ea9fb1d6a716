// The kubelet's streaming server: container logs, exec, attach and port-forward over
// HTTP(S), as upstream's kubelet serves them to the API server's proxy. Protocols:
//   exec/attach  — WebSocket v5.channel.k8s.io / v4.channel.k8s.io, or SPDY/3.1 with
//                  X-Stream-Protocol-Version v4.channel.k8s.io
//   port-forward — SPDY/3.1 portforward.k8s.io, the same tunnelled in WebSocket
//                  (SPDY/3.1+portforward.k8s.io), or WebSocket v4.channel.k8s.io
import http from 'node:http';
import https from 'node:https';
import { stat } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import type { StreamingBackend } from './backend.js';
import { matchStreamingRoute, type StreamingRoute } from './routes.js';
import { LogOptionsError, parseLogOptions, streamContainerLog } from './container-logs.js';
import { parseRemoteCommandOptions, RemoteCommandOptionsError, serveRemoteCommand, type RemoteCommandOptions } from './remote-command.js';
import { REMOTE_COMMAND_WEBSOCKET_PROTOCOLS, websocketCommandChannels } from './websocket-channels.js';
import { REMOTE_COMMAND_SPDY_PROTOCOLS, spdyCommandChannels } from './spdy-channels.js';
import { completeSpdyUpgrade, createSpdyServerSession, isSpdyUpgrade, offeredStreamProtocols } from './spdy-session.js';
import { PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, servePortForwardSpdy, type PortForwardTarget } from './port-forward.js';
import { parsePorts, PortForwardOptionsError, PORT_FORWARD_WEBSOCKET_PROTOCOL, servePortForwardWebSocket } from './websocket-port-forward.js';

export interface StreamingServerOptions {
  backend: StreamingBackend;
  bindAddress?: string;
  /** 0 picks a free port (upstream's kubelet listens on 10250). */
  port?: number;
  /** Serve HTTPS; with `caPem`, clients must present a certificate it signed (the API server's). */
  tls?: { certPem: string; keyPem: string; caPem?: string };
  logger?: Logger;
  /** Wall clock for sinceSeconds (ms). */
  now?: () => number;
  /** How long a SPDY client may take to open its streams (upstream: 30s). */
  streamCreationTimeoutMs?: number;
  /** How often `logs -f` re-checks the file when no change is signalled. */
  logPollMs?: number;
}

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

class HttpError extends Error {
  override name = 'HttpError';
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 422: 'Unprocessable Entity', 500: 'Internal Server Error' };

export class StreamingServer {
  private readonly server: http.Server | https.Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (_offered, req) => (req as PendingUpgrade).chosenProtocol ?? false });
  private readonly sockets = new Set<Socket>();
  private readonly logger: Logger;
  private state: State = 'INITIALIZED';

  constructor(private readonly opts: StreamingServerOptions) {
    this.logger = opts.logger ?? nullLogger;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void this.handleRequest(req, res);
    this.server = opts.tls
      ? https.createServer({
          cert: opts.tls.certPem,
          key: opts.tls.keyPem,
          ...(opts.tls.caPem ? { ca: opts.tls.caPem, requestCert: true, rejectUnauthorized: true } : {}),
        }, onRequest)
      : http.createServer(onRequest);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`cannot start a streaming server that is ${this.state}`);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.opts.bindAddress ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.state = 'RUNNING';
    this.logger.info('streaming server listening', { url: this.url });
  }

  async stop(): Promise<void> {
    if (this.state !== 'RUNNING') {
      this.state = 'STOPPED';
      return;
    }
    this.state = 'STOPPED';
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    this.wss.close();
  }

  get address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  get url(): string {
    const { host, port } = this.address;
    return `${this.opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  // ---- plain requests: logs ----

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      const route = matchStreamingRoute(url.pathname);
      if (!route) throw new HttpError(404, '404 page not found');
      if (route.kind === 'healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
        return;
      }
      if (route.kind !== 'containerLogs') {
        // As upstream's httpstream.Handshake for a request that is not an upgrade.
        throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
      }
      if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
      await this.serveLogs(route, url.searchParams, req, res);
    } catch (err) {
      const e = toHttpError(err);
      if (e.code >= 500) this.logger.error('streaming request failed', { path: req.url, error: String(err) });
      // Once a log has started streaming, an error can only cut it short.
      if (res.headersSent) res.end();
      else res.writeHead(e.code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(e.message);
    }
  }

  private async serveLogs(route: Extract<StreamingRoute, { kind: 'containerLogs' }>, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let opts;
    try {
      opts = parseLogOptions(query, (this.opts.now ?? Date.now)());
    } catch (err) {
      if (err instanceof LogOptionsError) throw new HttpError(422, err.message);
      throw err;
    }
    const { backend } = this.opts;
    const c = await backend.resolveContainer(route.namespace, route.pod, route.container);
    if (!c) throw new HttpError(404, `container "${route.container}" in pod "${route.pod}" is not available`);
    const attempt = opts.previous ? c.attempt - 1 : c.attempt;
    const path = attempt >= 0 ? c.logPath(attempt) : undefined;
    const exists = path !== undefined && (await stat(path).then(() => true, () => false));
    if (opts.previous && !exists) {
      throw new HttpError(400, `previous terminated container "${route.container}" in pod "${route.pod}" not found`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders();
    if (!exists || !path) {
      res.end();
      return;
    }
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const isRunning = async () => {
      if (opts.previous) return false;
      const status = await backend.runtime.containerStatus(c.containerId);
      return status?.state === 'CONTAINER_RUNNING';
    };
    try {
      await streamContainerLog(path, opts, res, { signal: abort.signal, isRunning, pollMs: this.opts.logPollMs });
    } finally {
      res.end();
    }
  }

  // ---- upgrades: exec, attach, port-forward ----

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    try {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      const route = matchStreamingRoute(url.pathname);
      if (!route || route.kind === 'healthz' || route.kind === 'containerLogs') throw new HttpError(404, '404 page not found');
      if (route.kind === 'portForward') await this.servePortForward(route, url.searchParams, req as PendingUpgrade, socket, head);
      else await this.serveCommand(route, url.searchParams, req as PendingUpgrade, socket, head);
    } catch (err) {
      const e = toHttpError(err);
      if (e.code >= 500) this.logger.error('streaming upgrade failed', { path: req.url, error: String(err) });
      rejectUpgrade(socket, e);
    }
  }

  private async serveCommand(
    route: Extract<StreamingRoute, { kind: 'exec' | 'attach' }>,
    query: URLSearchParams,
    req: PendingUpgrade,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    let opts: RemoteCommandOptions;
    try {
      opts = parseRemoteCommandOptions(query);
    } catch (err) {
      if (err instanceof RemoteCommandOptionsError) throw new HttpError(400, err.message);
      throw err;
    }
    const { backend } = this.opts;
    const c = await backend.resolveContainer(route.namespace, route.pod, route.container, route.uid);
    if (!c) throw new HttpError(404, `container not found ("${route.container}")`);
    const start = () =>
      route.kind === 'exec'
        ? backend.runtime.exec(c.containerId, { cmd: opts.command, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, tty: opts.tty })
        : backend.runtime.attach(c.containerId, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, tty: opts.tty });
    const command = route.kind === 'exec' ? opts.command : [];

    if (isWebSocketUpgrade(req)) {
      const ws = await this.acceptWebSocket(req, socket, head, REMOTE_COMMAND_WEBSOCKET_PROTOCOLS);
      this.logger.debug('stream opened', { kind: route.kind, pod: `${route.namespace}/${route.pod}`, protocol: `websocket ${ws.protocol}` });
      await serveRemoteCommand(websocketCommandChannels(ws, ws.protocol, opts), start, command);
      return;
    }
    if (!isSpdyUpgrade(req)) throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
    const protocol = negotiateSpdy(req, REMOTE_COMMAND_SPDY_PROTOCOLS);
    completeSpdyUpgrade(socket, head, protocol);
    this.logger.debug('stream opened', { kind: route.kind, pod: `${route.namespace}/${route.pod}`, protocol: `SPDY/3.1 ${protocol}` });
    const conn = createSpdyServerSession(socket);
    let channels;
    try {
      channels = await spdyCommandChannels(conn, opts, this.opts.streamCreationTimeoutMs ?? 30_000);
    } catch {
      socket.destroy();
      return;
    }
    await serveRemoteCommand(channels, start, command);
    // The client closes the connection after reading the status; make sure it does go away.
    setTimeout(() => socket.destroy(), 10_000).unref();
  }

  private async servePortForward(
    route: Extract<StreamingRoute, { kind: 'portForward' }>,
    query: URLSearchParams,
    req: PendingUpgrade,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const { backend } = this.opts;
    const pod = await backend.resolvePod(route.namespace, route.pod, route.uid);
    if (!pod) throw new HttpError(404, 'pod does not exist');
    const target: PortForwardTarget = {
      podName: `${route.namespace}/${route.pod}`,
      uid: pod.uid ?? route.uid ?? '',
      dial: (port) => backend.runtime.portForward(pod.sandboxId, port),
    };
    const timeout = this.opts.streamCreationTimeoutMs ?? 30_000;
    if (isWebSocketUpgrade(req)) {
      const offered = offeredWebSocketProtocols(req);
      // Validate the ports of the channel protocol before upgrading, so errors are plain HTTP.
      const tunnel = offered.find((p) => p === PORT_FORWARD_TUNNEL_PROTOCOL || p === PORT_FORWARD_WEBSOCKET_PROTOCOL) === PORT_FORWARD_TUNNEL_PROTOCOL;
      let ports: number[] = [];
      if (!tunnel) {
        try {
          ports = parsePorts(query);
        } catch (err) {
          if (err instanceof PortForwardOptionsError) throw new HttpError(400, err.message);
          throw err;
        }
      }
      const ws = await this.acceptWebSocket(req, socket, head, [PORT_FORWARD_TUNNEL_PROTOCOL, PORT_FORWARD_WEBSOCKET_PROTOCOL]);
      this.logger.debug('stream opened', { kind: route.kind, pod: `${route.namespace}/${route.pod}`, protocol: `websocket ${ws.protocol}` });
      if (ws.protocol === PORT_FORWARD_TUNNEL_PROTOCOL) {
        const duplex = createWebSocketStream(ws);
        duplex.on('error', () => undefined);
        servePortForwardSpdy(createSpdyServerSession(duplex), target, timeout);
      } else {
        servePortForwardWebSocket(ws, ports, target);
      }
      return;
    }
    if (!isSpdyUpgrade(req)) throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
    const protocol = negotiateSpdy(req, [PORT_FORWARD_PROTOCOL]);
    completeSpdyUpgrade(socket, head, protocol);
    this.logger.debug('stream opened', { kind: route.kind, pod: `${route.namespace}/${route.pod}`, protocol: `SPDY/3.1 ${protocol}` });
    servePortForwardSpdy(createSpdyServerSession(socket), target, timeout);
  }

  /** Completes a WebSocket handshake with the client's first offered protocol we support. */
  private acceptWebSocket(req: PendingUpgrade, socket: Duplex, head: Buffer, supported: string[]): Promise<WebSocket> {
    const offered = offeredWebSocketProtocols(req);
    const chosen = offered.find((p) => supported.includes(p));
    if (!chosen) {
      // As upstream's wsstream handshake.
      throw new HttpError(403, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
    }
    req.chosenProtocol = chosen;
    // `ws` accepts only RFC 6455 token characters in the offer, and the tunnelling protocol
    // (SPDY/3.1+portforward.k8s.io) has a '/': the choice is made above, so the offer is
    // replaced by a plain token and handleProtocols answers with the real name.
    req.headers['sec-websocket-protocol'] = 'negotiated';
    return new Promise((resolve) => this.wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  }
}

interface PendingUpgrade extends IncomingMessage {
  chosenProtocol?: string;
}

function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function offeredWebSocketProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/** As upstream's httpstream.Handshake: the first protocol the client offers that we serve. */
function negotiateSpdy(req: IncomingMessage, supported: string[]): string {
  const offered = offeredStreamProtocols(req);
  const chosen = offered.find((p) => supported.includes(p));
  if (!chosen) {
    throw new HttpError(403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`);
  }
  return chosen;
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return new HttpError(500, err instanceof Error ? err.message : String(err));
}

function rejectUpgrade(socket: Duplex, e: HttpError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(e.message);
  socket.end(
    `HTTP/1.1 ${e.code} ${STATUS_TEXT[e.code] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n' +
      body.toString(),
  );
}
