// The sockets: for each listen address one UDP socket and one TCP server on the same port
// (RFC 7766: length-prefixed messages, several per connection, replies in any order).
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../logger.js';
import type { Responder } from './responder.js';

export interface ListenAddress {
  address: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
}

/** As CoreDNS's server: an idle TCP connection is closed after 10 s. */
const TCP_IDLE_MS = 10_000;
const PORT_RETRIES = 20;

export class DnsServer {
  private readonly udp: dgram.Socket[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly connections = new Set<net.Socket>();
  readonly bound: ListenAddress[] = [];
  private stopped = false;

  constructor(private readonly responder: Responder, private readonly logger: Logger) {}

  async listen(addresses: ListenAddress[]): Promise<void> {
    for (const a of addresses) this.bound.push(await this.listenOne(a));
  }

  private async listenOne(a: ListenAddress): Promise<ListenAddress> {
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(a);
      const port = (udp.address() as net.AddressInfo).port;
      try {
        const tcp = await this.bindTcp({ address: a.address, port });
        this.udp.push(udp);
        this.tcp.push(tcp);
        return { address: a.address, port };
      } catch (err) {
        udp.close();
        // A free UDP port may be taken for TCP; with port 0 try another.
        if (a.port !== 0 || attempt >= PORT_RETRIES) throw err;
      }
    }
  }

  private bindUdp(a: ListenAddress): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(a.address) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind(a.port, a.address, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.logger.warn('udp socket error', { error: err.message }));
        socket.on('message', (msg, rinfo) => this.onUdp(socket, msg, rinfo));
        resolve(socket);
      });
    });
  }

  private onUdp(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let reply;
    try {
      reply = this.responder.answer(msg, true);
    } catch (err) {
      this.logger.error('query failed', { error: err instanceof Error ? err.stack : String(err) });
      return;
    }
    if (reply === null) return;
    if (Buffer.isBuffer(reply)) socket.send(reply, rinfo.port, rinfo.address);
    else {
      reply.then(
        (r) => {
          if (r && !this.stopped) socket.send(r, rinfo.port, rinfo.address);
        },
        (err: unknown) => this.logger.error('query failed', { error: err instanceof Error ? err.stack : String(err) }),
      );
    }
  }

  private bindTcp(a: ListenAddress): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen({ port: a.port, host: a.address }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.logger.warn('tcp server error', { error: err.message }));
        resolve(server);
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    let pending = Buffer.alloc(0);
    const send = (reply: Buffer) => {
      if (socket.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      socket.write(frame);
    };
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        let reply;
        try {
          reply = this.responder.answer(msg, false);
        } catch (err) {
          this.logger.error('query failed', { error: err instanceof Error ? err.stack : String(err) });
          socket.destroy();
          return;
        }
        if (reply === null) continue;
        if (Buffer.isBuffer(reply)) send(reply);
        else reply.then((r) => r && send(r), () => socket.destroy());
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const s of this.udp) s.close();
    for (const c of this.connections) c.destroy();
    await Promise.all(this.tcp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.udp.length = 0;
    this.tcp.length = 0;
  }
}
