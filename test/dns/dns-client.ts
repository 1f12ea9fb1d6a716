// A tiny DNS client and a fake upstream resolver for the DNS tests, both on 127.0.0.1 only.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface QueryOptions {
  /** Send an OPT record advertising this UDP size. */
  edns?: number;
  timeoutMs?: number;
  id?: number;
}

/** dns-packet's decoded shape, loosely typed (its typings leave out rcode and per-type data). */
export interface DecodedRecord {
  type: string;
  name: string;
  ttl?: number;
  data?: any;
}

export interface DecodedReply {
  id: number;
  flags: number;
  rcode: string;
  questions: { name: string; type: string }[];
  answers: DecodedRecord[];
  authorities: DecodedRecord[];
  additionals: DecodedRecord[];
}

export function decodeReply(buf: Buffer): DecodedReply {
  return dnsPacket.decode(buf) as unknown as DecodedReply;
}

export function encodeQuery(name: string, type: dnsPacket.RecordType, opts: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, flags: 0 } as dnsPacket.Answer] : [],
  });
}

export function udpExchange(port: number, query: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('udp query timed out'));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(query, port, '127.0.0.1');
  });
}

export function tcpExchange(port: number, query: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('tcp query timed out'));
    }, timeoutMs);
    socket.on('connect', () => {
      const frame = Buffer.alloc(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function queryUdp(port: number, name: string, type: dnsPacket.RecordType, opts: QueryOptions = {}): Promise<DecodedReply> {
  return decodeReply(await udpExchange(port, encodeQuery(name, type, opts), opts.timeoutMs));
}

export async function queryTcp(port: number, name: string, type: dnsPacket.RecordType, opts: QueryOptions = {}): Promise<DecodedReply> {
  return decodeReply(await tcpExchange(port, encodeQuery(name, type, opts), opts.timeoutMs));
}

export interface FakeUpstream {
  port: number;
  /** Questions seen, as "name TYPE" over "udp"/"tcp". */
  seen: { name: string; type: string; via: 'udp' | 'tcp' }[];
  stop(): Promise<void>;
}

/**
 * A resolver on 127.0.0.1 answering from `records` (name → answers); names it does not know
 * get NXDOMAIN. Over UDP it truncates replies bigger than 512 bytes (so forwarders must retry
 * over TCP). `silent` drops every query (an upstream that is down).
 */
export async function startFakeUpstream(records: Record<string, dnsPacket.Answer[]>, opts: { silent?: boolean } = {}): Promise<FakeUpstream> {
  const seen: FakeUpstream['seen'] = [];
  const answer = (msg: Buffer, via: 'udp' | 'tcp'): Buffer | undefined => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    if (!question) return undefined;
    seen.push({ name: question.name, type: question.type, via });
    const answers = (records[question.name.toLowerCase()] ?? []).filter((a) => a.type === question.type || a.type === 'CNAME');
    const known = question.name.toLowerCase() in records;
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: q.questions,
      answers,
    });
    if (via === 'udp' && reply.length > 512) {
      return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | dnsPacket.TRUNCATED_RESPONSE, questions: q.questions });
    }
    return reply;
  };
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = (udp.address() as net.AddressInfo).port;
  udp.on('message', (msg, rinfo) => {
    if (opts.silent) return;
    const reply = answer(msg, 'udp');
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        if (opts.silent) continue;
        const reply = answer(msg, 'tcp');
        if (!reply) continue;
        const frame = Buffer.alloc(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        socket.write(frame);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  // TCP on the same port, as a real resolver (the forwarder retries truncated answers there).
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    seen,
    stop: async () => {
      udp.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
