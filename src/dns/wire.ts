// The hot path's DNS wire format (RFC 1035): a query parser that reads only what the cluster
// answers need, and a record-section writer whose output is precomputed once per name and
// copied into each reply. dns-packet (used for forwarding and ExternalName answers) decodes
// and encodes whole packets into objects and does not compress names; at tens of thousands of
// queries per second both cost more than the lookup itself, so the cluster path stays on bytes.

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const CLASS_IN = 1;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_CD = 0x0010;
/** The largest UDP reply a client without EDNS accepts (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise in our own OPT record (the DNS flag day 2020 size). */
export const ADVERTISED_UDP_SIZE = 1232;

export interface ParsedQuery {
  id: number;
  flags: number;
  opcode: number;
  /** Offset just past the (single) question. */
  questionEnd: number;
  /** The query name, lower-cased, without the trailing dot ("" for the root). */
  name: string;
  /** Offsets of each label of the name in the packet, first label first. */
  labelOffsets: number[];
  qtype: number;
  qclass: number;
  /** The client's UDP payload size from its OPT record; undefined without EDNS. */
  ednsSize: number | undefined;
  /** A label held a "." or a byte the dotted name cannot represent faithfully. */
  oddName: boolean;
}

export type ParseResult = ParsedQuery | { error: 'drop' } | { error: 'formerr'; id: number; flags: number } | { error: 'notimp'; id: number; flags: number };

const scratch = Buffer.allocUnsafe(256);

/** Reads the header, the one question and any OPT record. Never throws. */
export function parseQuery(buf: Buffer): ParseResult {
  if (buf.length < 12) return { error: 'drop' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  // A response sent to us is never answered (that is how reflection loops start).
  if (flags & FLAG_QR) return { error: 'drop' };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { error: 'notimp', id, flags };
  if (buf.readUInt16BE(4) !== 1) return { error: 'formerr', id, flags };
  let off = 12;
  let n = 0;
  let oddName = false;
  const labelOffsets: number[] = [];
  for (;;) {
    if (off >= buf.length) return { error: 'formerr', id, flags };
    const len = buf[off]!;
    if (len === 0) {
      off++;
      break;
    }
    // Compression pointers have no place in a question (nothing precedes it to point at).
    if (len > 63 || off + 1 + len > buf.length || n + len + 1 > 255) return { error: 'formerr', id, flags };
    labelOffsets.push(off);
    if (n > 0) scratch[n++] = 0x2e;
    for (let i = off + 1; i <= off + len; i++) {
      let c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      else if (c === 0x2e || c < 0x21 || c > 0x7e) oddName = true;
      scratch[n++] = c;
    }
    off += len + 1;
  }
  if (off + 4 > buf.length) return { error: 'formerr', id, flags };
  const qtype = buf.readUInt16BE(off);
  const qclass = buf.readUInt16BE(off + 2);
  const questionEnd = off + 4;
  const name = scratch.toString('latin1', 0, n);
  let ednsSize: number | undefined;
  const skipCount = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  const additional = buf.readUInt16BE(10);
  if (skipCount + additional > 0) {
    off = questionEnd;
    for (let i = 0; i < skipCount + additional; i++) {
      off = skipName(buf, off);
      if (off < 0 || off + 10 > buf.length) return { error: 'formerr', id, flags };
      const type = buf.readUInt16BE(off);
      const rdlen = buf.readUInt16BE(off + 8);
      if (i >= skipCount && type === TYPE.OPT) ednsSize = Math.max(CLASSIC_UDP_SIZE, buf.readUInt16BE(off + 2));
      off += 10 + rdlen;
      if (off > buf.length) return { error: 'formerr', id, flags };
    }
  }
  return { id, flags, opcode, questionEnd, name, labelOffsets, qtype, qclass, ednsSize, oddName };
}

function skipName(buf: Buffer, off: number): number {
  for (;;) {
    if (off >= buf.length) return -1;
    const len = buf[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += len + 1;
  }
}

/**
 * A record section written once and copied into many replies. The reply's question name sits
 * at offset 12 in every reply, so names equal to (a suffix of) the question become pointers
 * there. Other repeated names are compressed against earlier bytes of the section itself;
 * those pointers are relative until `place` adds the section's offset in the reply.
 */
export interface CompiledSection {
  /** Records in the answer section. */
  answers: number;
  /** Records in the additional section (they follow the answers in `bytes`). */
  additionals: number;
  bytes: Buffer;
  /** Byte positions in `bytes` of relative compression pointers. */
  fixups: number[];
  /**
   * Set when every answer is an address record of this many bytes and nothing follows them:
   * such answers can be rotated per reply (CoreDNS's loadbalance plugin).
   */
  rotateStride?: number;
}

export class SectionWriter {
  private buf = Buffer.allocUnsafe(512);
  private len = 0;
  private readonly fixups: number[] = [];
  /** Name (lower case, no trailing dot) → pointer target; negative = relative to the section. */
  private readonly known = new Map<string, number>();
  answers = 0;
  additionals = 0;

  /** `qname`: the lower-case question every reply using this section will carry. */
  constructor(qname: string) {
    const labels = qname === '' ? [] : qname.split('.');
    let off = 12;
    for (let i = 0; i < labels.length; i++) {
      this.known.set(labels.slice(i).join('.'), off);
      off += labels[i]!.length + 1;
    }
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  private u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
  }

  private u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  name(fqdn: string): void {
    const name = fqdn.endsWith('.') ? fqdn.slice(0, -1).toLowerCase() : fqdn.toLowerCase();
    let rest = name;
    while (rest !== '') {
      const at = this.known.get(rest);
      if (at !== undefined) {
        if (at >= 0) this.u16(0xc000 | at);
        else {
          this.fixups.push(this.len);
          this.u16(0xc000 | -(at + 1));
        }
        return;
      }
      // Relative pointers must still fit in 14 bits once the section is placed after the question.
      if (this.len < 0x3f00) this.known.set(rest, -(this.len + 1));
      const dot = rest.indexOf('.');
      const label = dot < 0 ? rest : rest.slice(0, dot);
      this.u8(label.length);
      this.ensure(label.length);
      this.len += this.buf.write(label, this.len, 'latin1');
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    this.u8(0);
  }

  private header(owner: string, type: number, ttl: number): number {
    this.name(owner);
    this.u16(type);
    this.u16(CLASS_IN);
    this.u32(ttl);
    const rdlenAt = this.len;
    this.u16(0);
    return rdlenAt;
  }

  private endRdata(rdlenAt: number): void {
    this.buf.writeUInt16BE(this.len - rdlenAt - 2, rdlenAt);
  }

  private count(section: 'answer' | 'additional'): void {
    if (section === 'answer') this.answers++;
    else this.additionals++;
  }

  address(section: 'answer' | 'additional', owner: string, ip: string, ttl: number): void {
    const v6 = ip.includes(':');
    const at = this.header(owner, v6 ? TYPE.AAAA : TYPE.A, ttl);
    if (v6) {
      const bytes = ipv6Bytes(ip);
      this.ensure(16);
      for (const b of bytes) this.buf[this.len++] = b;
    } else {
      for (const part of ip.split('.')) this.u8(Number(part));
    }
    this.endRdata(at);
    this.count(section);
  }

  srv(owner: string, priority: number, weight: number, port: number, target: string, ttl: number): void {
    const at = this.header(owner, TYPE.SRV, ttl);
    this.u16(priority);
    this.u16(weight);
    this.u16(port);
    this.name(target);
    this.endRdata(at);
    this.count('answer');
  }

  /** CNAME, PTR and NS: one domain name as rdata. */
  pointerRecord(section: 'answer' | 'additional', type: number, owner: string, target: string, ttl: number): void {
    const at = this.header(owner, type, ttl);
    this.name(target);
    this.endRdata(at);
    this.count(section);
  }

  txt(owner: string, text: string, ttl: number): void {
    const at = this.header(owner, TYPE.TXT, ttl);
    const bytes = Buffer.from(text, 'utf8');
    this.u8(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.len);
    this.len += bytes.length;
    this.endRdata(at);
    this.count('answer');
  }

  soa(zone: string, serial: number, ttl: number, minimum: number): void {
    const at = this.header(zone, TYPE.SOA, ttl);
    this.name(`ns.dns.${zone}`);
    this.name(`hostmaster.${zone}`);
    this.u32(serial);
    // As CoreDNS: refresh 7200, retry 1800, expire 86400, minimum = the plugin's TTL.
    this.u32(7200);
    this.u32(1800);
    this.u32(86400);
    this.u32(minimum);
    this.endRdata(at);
    this.count('answer');
  }

  finish(rotateStride?: number): CompiledSection {
    const bytes = Buffer.from(this.buf.subarray(0, this.len));
    const out: CompiledSection = { answers: this.answers, additionals: this.additionals, bytes, fixups: this.fixups };
    if (rotateStride !== undefined && this.answers > 1 && this.additionals === 0 && this.fixups.length === 0 && this.len === rotateStride * this.answers) out.rotateStride = rotateStride;
    return out;
  }
}

/** The 16 bytes of an IPv6 address in text form (with "::" and an optional dotted tail). */
export function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    for (const p of text.slice(lastColon + 1).split('.')) tail.push(Number(p));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, zeros)).fill('0'), ...restGroups];
  const out: number[] = [];
  for (const g of groups) {
    const v = parseInt(g || '0', 16);
    out.push((v >> 8) & 0xff, v & 0xff);
  }
  if (tail.length === 4) out.splice(12, 4, ...tail);
  return out;
}

/** The reverse-lookup name of an IP ("4.3.2.1.in-addr.arpa", nibbles under ip6.arpa). */
export function reverseName(ip: string): string {
  if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of ipv6Bytes(ip)) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

export interface ReplyOptions {
  rcode: number;
  authoritative: boolean;
  /** Answer and additional records (already compiled). */
  section?: CompiledSection;
  /** Rotate rotatable answers by this many records. */
  rotate?: number;
  /** Put an SOA for the zone that the question's last `zoneLabels` labels name in the authority section. */
  soa?: { zoneLabels: number; serial: number; ttl: number; minimum: number };
  /** UDP: the size the client accepts; over it the reply is cut to the question and TC is set. */
  udpLimit?: number;
}

const OPT_RECORD_LENGTH = 11;

/** Assembles a reply to `q`: header, the question echoed byte for byte, then the sections. */
export function buildReply(query: Buffer, q: ParsedQuery, opts: ReplyOptions): Buffer {
  const section = opts.section;
  const questionLen = q.questionEnd - 12;
  const sectionLen = section ? section.bytes.length : 0;
  const soaLen = opts.soa ? soaLength() : 0;
  const optLen = q.ednsSize !== undefined ? OPT_RECORD_LENGTH : 0;
  let total = 12 + questionLen + sectionLen + soaLen + optLen;
  let truncated = false;
  if (opts.udpLimit !== undefined && total > opts.udpLimit) {
    truncated = true;
    total = 12 + questionLen + optLen;
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt16BE(q.id, 0);
  let flags = FLAG_QR | (q.flags & (FLAG_RD | FLAG_CD)) | (opts.rcode & 0xf);
  if (opts.authoritative) flags |= FLAG_AA;
  if (truncated) flags |= FLAG_TC;
  out.writeUInt16BE(flags, 2);
  out.writeUInt16BE(1, 4);
  query.copy(out, 12, 12, q.questionEnd);
  let off = q.questionEnd;
  let answers = 0;
  let authority = 0;
  let additionals = 0;
  if (!truncated) {
    if (section && sectionLen > 0) {
      const base = off;
      const stride = section.rotateStride;
      const shift = stride && opts.rotate ? (opts.rotate % section.answers) * stride : 0;
      if (shift > 0) {
        section.bytes.copy(out, base, shift);
        section.bytes.copy(out, base + sectionLen - shift, 0, shift);
      } else {
        section.bytes.copy(out, base);
      }
      for (const f of section.fixups) out.writeUInt16BE(out.readUInt16BE(base + f) + base, base + f);
      off += sectionLen;
      answers = section.answers;
      additionals = section.additionals;
    }
    if (opts.soa) {
      off = writeSoa(out, off, q, opts.soa);
      authority = 1;
    }
  }
  if (optLen > 0) {
    out[off] = 0;
    out.writeUInt16BE(TYPE.OPT, off + 1);
    out.writeUInt16BE(ADVERTISED_UDP_SIZE, off + 3);
    out.writeUInt32BE(0, off + 5);
    out.writeUInt16BE(0, off + 9);
    additionals++;
  }
  out.writeUInt16BE(answers, 6);
  out.writeUInt16BE(authority, 8);
  out.writeUInt16BE(additionals, 10);
  return out;
}

/** A reply with no records: errors (FORMERR, SERVFAIL, REFUSED…) and truncation. */
export function emptyReply(query: Buffer, q: ParsedQuery, rcode: number, authoritative = false): Buffer {
  return buildReply(query, q, { rcode, authoritative });
}

/** The header-only reply for a query whose question could not be read. */
export function headerOnlyReply(id: number, queryFlags: number, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(FLAG_QR | (queryFlags & (0x7800 | FLAG_RD | FLAG_CD)) | rcode, 2);
  return out;
}

// SOA owner, MNAME and RNAME all point into the question where the zone's labels begin, so
// the zone is spelled as the client spelled it (CoreDNS keeps the query's case for the zone).
// RDATA: "\x02ns\x03dns" + pointer, "\x0ahostmaster" + pointer, then five 32-bit numbers.
const SOA_RDATA_LENGTH = 3 + 4 + 2 + 11 + 2 + 20;

function soaLength(): number {
  return 2 + 10 + SOA_RDATA_LENGTH;
}

function writeSoa(out: Buffer, off: number, q: ParsedQuery, soa: NonNullable<ReplyOptions['soa']>): number {
  const zoneAt = q.labelOffsets[q.labelOffsets.length - soa.zoneLabels] ?? -1;
  const ptr = 0xc000 | zoneAt;
  out.writeUInt16BE(ptr, off);
  out.writeUInt16BE(TYPE.SOA, off + 2);
  out.writeUInt16BE(CLASS_IN, off + 4);
  out.writeUInt32BE(soa.ttl, off + 6);
  out.writeUInt16BE(SOA_RDATA_LENGTH, off + 10);
  off += 12;
  out[off++] = 2;
  out.write('ns', off, 'latin1');
  off += 2;
  out[off++] = 3;
  out.write('dns', off, 'latin1');
  off += 3;
  out.writeUInt16BE(ptr, off);
  off += 2;
  out[off++] = 10;
  out.write('hostmaster', off, 'latin1');
  off += 10;
  out.writeUInt16BE(ptr, off);
  off += 2;
  out.writeUInt32BE(soa.serial >>> 0, off);
  out.writeUInt32BE(7200, off + 4);
  out.writeUInt32BE(1800, off + 8);
  out.writeUInt32BE(86400, off + 12);
  out.writeUInt32BE(soa.minimum, off + 16);
  return off + 20;
}

/** Cuts a reply that does not fit the client's UDP size to its question, with TC set. */
export function truncateForUdp(reply: Buffer, limit: number): Buffer {
  if (reply.length <= limit) return reply;
  const q = parseQueryLikeReply(reply);
  if (q === undefined) return reply.subarray(0, 12);
  const out = Buffer.from(reply.subarray(0, q));
  out.writeUInt16BE(out.readUInt16BE(2) | FLAG_TC, 2);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}

/** The end offset of a packet's question section (1 question assumed), or undefined. */
function parseQueryLikeReply(buf: Buffer): number | undefined {
  if (buf.length < 12 || buf.readUInt16BE(4) !== 1) return buf.length >= 12 ? 12 : undefined;
  const end = skipName(buf, 12);
  if (end < 0 || end + 4 > buf.length) return undefined;
  return end + 4;
}
