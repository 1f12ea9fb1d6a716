// A TCP listener that splices each accepted connection to a backend, as upstream's userspace
// proxier's TCP proxySocket did: dial the chosen endpoint with a growing timeout, and when a
// dial fails move on to the next endpoint (at most four tries, upstream's endpointDialTimeouts);
// with no endpoint left the client connection is reset, as iptables mode REJECTs it.
import net from 'node:net';
import type { Logger } from '../../logger.js';
import type { ForwardTarget, Forwarder } from './forwarder.js';

/** Upstream's endpointDialTimeouts: 250 ms, 500 ms, 1 s, 2 s. */
const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];

export class TcpForwarder implements Forwarder {
  readonly protocol = 'TCP' as const;
  private readonly server: net.Server;
  /** Both ends of every connection, so that stop() can drop them. */
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Set<net.Socket>();
  private closed = false;

  constructor(readonly ip: string, readonly port: number, public target: ForwardTarget, private readonly logger: Logger) {
    // allowHalfOpen: a client's FIN is passed on to the backend, which may still answer.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    this.server.on('error', (err) => this.logger.warn('listener error', { listener: `${ip}:${port}`, error: err.message }));
  }

  get active(): number {
    return this.clients.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.ip, port: this.port, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  close(dropConnections: boolean): Promise<void> {
    this.closed = true;
    if (dropConnections) for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return Promise.resolve();
    // server.close() releases the port at once; its callback would wait for open connections.
    this.server.close();
    return Promise.resolve();
  }

  private accept(client: net.Socket): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    this.track(client);
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    client.on('error', () => client.destroy());
    // Keep what the client sends until the backend is connected.
    client.pause();
    const clientIp = client.remoteAddress;
    let attempt = 0;
    const dial = (reset: boolean): void => {
      if (client.destroyed) return;
      const ep = attempt < DIAL_TIMEOUTS_MS.length ? this.target.pick(clientIp, reset) : undefined;
      if (!ep) {
        this.logger.debug('no endpoint; rejecting connection', { service: this.target.name, client: clientIp });
        client.resetAndDestroy();
        return;
      }
      const timeout = DIAL_TIMEOUTS_MS[attempt++]!;
      const backend = net.connect({ host: ep.ip, port: ep.port, allowHalfOpen: true, noDelay: true });
      this.track(backend);
      let failed = false;
      const fail = (why: string) => {
        // A timeout and an error may both report the same dial.
        if (failed) return;
        failed = true;
        backend.destroy();
        this.logger.debug('dial failed; trying the next endpoint', { service: this.target.name, endpoint: `${ep.ip}:${ep.port}`, error: why });
        dial(true);
      };
      backend.setTimeout(timeout, () => fail('timeout'));
      backend.once('error', (err) => fail(err.message));
      backend.once('connect', () => {
        backend.setTimeout(0);
        backend.removeAllListeners('error');
        this.splice(client, backend);
      });
    };
    dial(false);
  }

  private splice(client: net.Socket, backend: net.Socket): void {
    if (client.destroyed) {
      backend.destroy();
      return;
    }
    const drop = () => {
      client.destroy();
      backend.destroy();
    };
    backend.on('error', drop);
    client.removeAllListeners('error');
    client.on('error', drop);
    client.pipe(backend);
    backend.pipe(client);
    client.resume();
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }
}
