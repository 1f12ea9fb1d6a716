// Forwards queries for names outside the cluster to upstream resolvers, like CoreDNS's
// `forward . /etc/resolv.conf`: UDP first, TCP when the UDP answer comes back truncated,
// the next upstream when one does not answer in time; the caller turns a total failure into
// SERVFAIL. One UDP socket per address family carries every query, each under a fresh ID.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';

export interface UpstreamAddress {
  address: string;
  port: number;
}

export interface ForwarderOptions {
  upstreams: UpstreamAddress[];
  /** Per upstream attempt (CoreDNS's forward gives each upstream a few seconds too). */
  attemptTimeoutMs?: number;
  logger?: Logger;
}

interface Pending {
  resolve(reply: Buffer | undefined): void;
  upstream: UpstreamAddress;
}

const FLAG_TC = 0x0200;

export class Forwarder {
  private readonly upstreams: UpstreamAddress[];
  private readonly attemptTimeoutMs: number;
  private readonly logger: Logger;
  private readonly sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly tcpSockets = new Set<net.Socket>();
  private closed = false;

  constructor(opts: ForwarderOptions) {
    this.upstreams = opts.upstreams;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 2000;
    this.logger = opts.logger ?? nullLogger;
  }

  get hasUpstreams(): boolean {
    return this.upstreams.length > 0;
  }

  /**
   * Sends `query` to the upstreams in turn; resolves to the reply under the query's own ID, or
   * undefined when none answered.
   */
  async forward(query: Buffer): Promise<Buffer | undefined> {
    if (query.length < 12) return undefined;
    const id = query.readUInt16BE(0);
    for (const upstream of this.upstreams) {
      if (this.closed) return undefined;
      let reply = await this.viaUdp(query, upstream);
      if (reply && reply.readUInt16BE(2) & FLAG_TC) reply = (await this.viaTcp(query, upstream)) ?? reply;
      if (reply) {
        const out = Buffer.from(reply);
        out.writeUInt16BE(id, 0);
        return out;
      }
      this.logger.debug('upstream did not answer', { upstream: `${upstream.address}:${upstream.port}` });
    }
    return undefined;
  }

  /** Resolves `name` upstream (recursion desired); undefined when no upstream answered. */
  async lookup(name: string, type: 'A' | 'AAAA'): Promise<dnsPacket.Packet | undefined> {
    const query = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
    const reply = await this.forward(query);
    if (!reply) return undefined;
    try {
      return dnsPacket.decode(reply);
    } catch {
      return undefined;
    }
  }

  private socket(family: 'udp4' | 'udp6'): dgram.Socket {
    let s = this.sockets.get(family);
    if (!s) {
      s = dgram.createSocket(family);
      s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      s.on('error', (err) => this.logger.warn('forwarder socket error', { error: err.message }));
      s.bind(0);
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 12) return;
    const p = this.pending.get(msg.readUInt16BE(0));
    // Only the upstream we asked may answer under that ID (an off-path spoofer must guess both).
    if (!p || p.upstream.port !== rinfo.port || !sameAddress(p.upstream.address, rinfo.address)) return;
    p.resolve(msg);
  }

  private freshId(): number {
    for (;;) {
      const id = randomInt(0, 0x10000);
      if (!this.pending.has(id)) return id;
    }
  }

  private viaUdp(query: Buffer, upstream: UpstreamAddress): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const id = this.freshId();
      const out = Buffer.from(query);
      out.writeUInt16BE(id, 0);
      const done = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(reply);
      };
      const timer = setTimeout(() => done(undefined), this.attemptTimeoutMs);
      this.pending.set(id, { resolve: done, upstream });
      const socket = this.socket(net.isIPv6(upstream.address) ? 'udp6' : 'udp4');
      socket.send(out, upstream.port, upstream.address, (err) => {
        if (err) done(undefined);
      });
    });
  }

  private viaTcp(query: Buffer, upstream: UpstreamAddress): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      let chunks = Buffer.alloc(0);
      let settled = false;
      const socket = net.connect({ host: upstream.address, port: upstream.port });
      this.tcpSockets.add(socket);
      const finish = (reply: Buffer | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.tcpSockets.delete(socket);
        socket.destroy();
        resolve(reply);
      };
      const timer = setTimeout(() => finish(undefined), this.attemptTimeoutMs);
      socket.on('connect', () => {
        const frame = Buffer.allocUnsafe(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        socket.write(frame);
      });
      socket.on('data', (d) => {
        chunks = Buffer.concat([chunks, d]);
        if (chunks.length >= 2 && chunks.length >= 2 + chunks.readUInt16BE(0)) finish(chunks.subarray(2, 2 + chunks.readUInt16BE(0)));
      });
      socket.on('error', () => finish(undefined));
      socket.on('close', () => finish(undefined));
    });
  }

  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.resolve(undefined);
    for (const s of this.tcpSockets) s.destroy();
    this.tcpSockets.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  // An IPv4 upstream may be reported as IPv4-mapped on a dual-stack socket.
  return b === `::ffff:${a}` || a === `::ffff:${b}`;
}
