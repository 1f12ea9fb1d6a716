// A UDP listener with one session per client address, as upstream's userspace proxier: the
// first datagram from a client picks a backend and opens a socket connected to it; replies
// on that socket go back to the client from the service address; a session idle for the
// timeout is closed (upstream's --udp-timeout). With no endpoint the datagram is dropped.
import dgram from 'node:dgram';
import type { Logger } from '../../logger.js';
import type { ForwardTarget, Forwarder } from './forwarder.js';

interface Session {
  socket: dgram.Socket;
  timer: NodeJS.Timeout;
  connected: boolean;
  /** Datagrams that arrived before the backend socket was connected. */
  pending: Buffer[];
}

/** At most this many datagrams wait for a session's backend socket to connect. */
const MAX_PENDING = 64;

export class UdpForwarder implements Forwarder {
  readonly protocol = 'UDP' as const;
  private readonly socket: dgram.Socket;
  private readonly sessions = new Map<string, Session>();
  private closed = false;
  private bound = false;

  constructor(readonly ip: string, readonly port: number, public target: ForwardTarget, private readonly logger: Logger, private readonly idleTimeoutMs: number) {
    this.socket = dgram.createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4', exclusive: true } as dgram.SocketOptions);
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  get active(): number {
    return this.sessions.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.socket.once('error', onError);
      this.socket.bind({ address: this.ip, port: this.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        this.bound = true;
        this.socket.on('error', (err) => this.logger.warn('listener error', { listener: `${this.ip}:${this.port}`, error: err.message }));
        resolve();
      });
    });
  }

  /** Replies travel through the listening socket, so sessions end with it either way. */
  close(): Promise<void> {
    this.closed = true;
    for (const key of [...this.sessions.keys()]) this.endSession(key);
    if (!this.bound) return Promise.resolve();
    this.bound = false;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const key = `${rinfo.address}|${rinfo.port}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = this.openSession(key, rinfo);
      if (!session) return;
    }
    session.timer.refresh();
    if (session.connected) session.socket.send(msg);
    else if (session.pending.length < MAX_PENDING) session.pending.push(msg);
  }

  private openSession(key: string, client: dgram.RemoteInfo): Session | undefined {
    const ep = this.target.pick(client.address, false);
    if (!ep) {
      this.logger.debug('no endpoint; dropping datagram', { service: this.target.name, client: client.address });
      return undefined;
    }
    const socket = dgram.createSocket(ep.ip.includes(':') ? 'udp6' : 'udp4');
    const session: Session = {
      socket,
      connected: false,
      pending: [],
      timer: setTimeout(() => this.endSession(key), this.idleTimeoutMs),
    };
    this.sessions.set(key, session);
    socket.on('message', (reply) => {
      if (this.closed || !this.bound) return;
      session.timer.refresh();
      this.socket.send(reply, client.port, client.address);
    });
    // A connected UDP socket reports the backend's ICMP port-unreachable as ECONNREFUSED: start over.
    socket.on('error', (err) => {
      this.logger.debug('backend session failed', { service: this.target.name, endpoint: `${ep.ip}:${ep.port}`, error: err.message });
      this.endSession(key);
    });
    socket.connect(ep.port, ep.ip, () => {
      session.connected = true;
      for (const m of session.pending.splice(0)) socket.send(m);
    });
    return session;
  }

  private endSession(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    clearTimeout(s.timer);
    try {
      s.socket.close();
    } catch {
      // Already closed by an error.
    }
  }
}
