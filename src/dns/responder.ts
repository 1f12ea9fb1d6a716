// Turns one query into one reply, as a CoreDNS server block
// `kubernetes <zone> in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }`
// followed by `forward . <upstreams>` (the Corefile kubeadm and k3s install):
//   - names in the cluster zone are answered from the index, authoritatively; a name that
//     does not exist is NXDOMAIN and a name without records of the asked type NODATA, both
//     with the zone's SOA in the authority section (CoreDNS's BackendError);
//   - PTR queries for ClusterIPs and endpoint IPs are answered; other reverse names fall through;
//   - everything else goes to the upstreams; if none answers, SERVFAIL.
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import type { ClusterDnsIndex, NameEntry } from './cluster-index.js';
import type { Forwarder } from './forwarder.js';
import type { CompiledSection, ParsedQuery } from './wire.js';
import { CLASSIC_UDP_SIZE, RCODE, SectionWriter, TYPE, buildReply, emptyReply, headerOnlyReply, parseQuery, truncateForUdp } from './wire.js';

/** CoreDNS's `pods` option: "insecure" answers a-b-c-d.<ns>.pod.<zone> without checking a pod has that IP. */
export type PodMode = 'insecure' | 'disabled';

/** The Kubernetes DNS schema version CoreDNS reports at dns-version.<zone> (TXT). */
const DNS_SCHEMA_VERSION = '1.1.0';
const DNS_VERSION_TTL = 28800;
/** As CoreDNS's maxCnameChainLength. */
const MAX_CNAME_CHAIN = 10;

export interface ResponderOptions {
  index: ClusterDnsIndex;
  forwarder?: Forwarder;
  podMode?: PodMode;
  /** False until the informers have listed: unknown names get SERVFAIL, not NXDOMAIN (as CoreDNS). */
  isSynced?: () => boolean;
  /** Addresses for ns.dns.<zone> and the zone's NS record (the DNS server's own). */
  nameserverIPs?: string[];
}

export type Reply = Buffer | Promise<Buffer | null> | null;

export class Responder {
  private readonly index: ClusterDnsIndex;
  private readonly zone: string;
  private readonly dotZone: string;
  private readonly zoneLabels: number;
  private readonly podMode: PodMode;
  private readonly isSynced: () => boolean;
  private readonly nameserverIPs: string[];

  constructor(private readonly opts: ResponderOptions) {
    this.index = opts.index;
    this.zone = opts.index.zone;
    this.dotZone = `.${this.zone}`;
    this.zoneLabels = this.zone.split('.').length;
    this.podMode = opts.podMode ?? 'insecure';
    this.isSynced = opts.isSynced ?? (() => true);
    this.nameserverIPs = opts.nameserverIPs ?? [];
  }

  /** The reply to `query` (null: send nothing). `viaUdp` enables truncation to the client's size. */
  answer(query: Buffer, viaUdp: boolean): Reply {
    const q = parseQuery(query);
    if ('error' in q) {
      if (q.error === 'drop') return null;
      return headerOnlyReply(q.id, q.flags, q.error === 'formerr' ? RCODE.FORMERR : RCODE.NOTIMP);
    }
    const limit = viaUdp ? (q.ednsSize ?? CLASSIC_UDP_SIZE) : undefined;
    const name = q.name;
    if (name === this.zone || name.endsWith(this.dotZone)) {
      // A label with a dot or a non-printable byte cannot name anything in the cluster.
      return q.oddName ? this.negative(query, q, RCODE.NXDOMAIN, limit) : this.cluster(query, q, limit);
    }
    if (!q.oddName) {
      if (q.qtype === TYPE.PTR && (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa'))) {
        const section = this.index.ptr(name);
        if (section) return buildReply(query, q, { rcode: RCODE.NOERROR, authoritative: true, section, udpLimit: limit });
      }
    }
    return this.forward(query, q, limit);
  }

  private cluster(query: Buffer, q: ParsedQuery, limit: number | undefined): Reply {
    const { name, qtype } = q;
    if (qtype === TYPE.AXFR || qtype === TYPE.IXFR) return emptyReply(query, q, RCODE.REFUSED, false);
    const entry = this.index.lookup(name);
    if (entry) {
      if (entry.records.externalName !== undefined) return this.externalName(query, q, entry, limit);
      if (qtype === TYPE.A || qtype === TYPE.AAAA) {
        const section = this.index.addresses(name, entry, qtype === TYPE.AAAA);
        return this.positive(query, q, section, limit, section.rotateStride ? entry.turn++ : 0);
      }
      if (qtype === TYPE.SRV) return this.positive(query, q, this.index.srv(name, entry), limit, 0);
      return this.negative(query, q, RCODE.NOERROR, limit);
    }
    return this.specialName(query, q, limit);
  }

  private positive(query: Buffer, q: ParsedQuery, section: CompiledSection, limit: number | undefined, rotate: number): Buffer {
    if (section.answers === 0) return this.negative(query, q, RCODE.NOERROR, limit);
    return buildReply(query, q, { rcode: RCODE.NOERROR, authoritative: true, section, rotate, udpLimit: limit });
  }

  /** NXDOMAIN or NODATA with the zone's SOA (TTL capped at 300 s, minimum = the record TTL). */
  private negative(query: Buffer, q: ParsedQuery, rcode: number, limit: number | undefined): Buffer {
    if (rcode === RCODE.NXDOMAIN && !this.isSynced()) return emptyReply(query, q, RCODE.SERVFAIL, false);
    const ttl = this.index.ttl;
    return buildReply(query, q, {
      rcode,
      authoritative: true,
      soa: { zoneLabels: this.zoneLabels, serial: this.index.serial, ttl: Math.min(ttl, 300), minimum: ttl },
      udpLimit: limit,
    });
  }

  /** Names in the zone that no Service owns: the apex, namespaces, pods and CoreDNS's own. */
  private specialName(query: Buffer, q: ParsedQuery, limit: number | undefined): Reply {
    const { name, qtype } = q;
    const rel = name === this.zone ? '' : name.slice(0, name.length - this.dotZone.length);
    const ttl = this.index.ttl;
    if (rel === '') {
      if (qtype === TYPE.SOA) {
        const w = new SectionWriter(name);
        w.soa(name, this.index.serial, Math.min(ttl, 300), ttl);
        return this.positive(query, q, w.finish(), limit, 0);
      }
      if (qtype === TYPE.NS) {
        const w = new SectionWriter(name);
        const ns = `ns.dns.${name}`;
        w.pointerRecord('answer', TYPE.NS, name, ns, ttl);
        for (const ip of this.nameserverIPs) w.address('additional', ns, ip, ttl);
        return this.positive(query, q, w.finish(), limit, 0);
      }
      return this.negative(query, q, RCODE.NOERROR, limit);
    }
    if (rel === 'dns-version') {
      if (qtype !== TYPE.TXT) return this.negative(query, q, RCODE.NXDOMAIN, limit);
      const w = new SectionWriter(name);
      w.txt(name, DNS_SCHEMA_VERSION, DNS_VERSION_TTL);
      return this.positive(query, q, w.finish(), limit, 0);
    }
    if (rel === 'ns.dns') return this.addressAnswer(query, q, this.nameserverIPs, limit);
    const labels = rel.split('.');
    const kind = labels[labels.length - 1];
    if (kind === 'svc' || kind === 'pod') {
      // <zone>'s svc and pod subtrees, and a namespace in them, exist without records (NODATA).
      if (labels.length === 1) return this.negative(query, q, RCODE.NOERROR, limit);
      const ns = labels[labels.length - 2]!;
      if (!this.index.namespaceExists(ns)) return this.negative(query, q, RCODE.NXDOMAIN, limit);
      if (labels.length === 2) return this.negative(query, q, RCODE.NOERROR, limit);
      if (kind === 'pod' && labels.length === 3 && this.podMode === 'insecure') {
        const ip = podIP(labels[0]!);
        if (ip) return this.addressAnswer(query, q, [ip], limit);
      }
    }
    return this.negative(query, q, RCODE.NXDOMAIN, limit);
  }

  /** A or AAAA records for the question's name from `ips`; NODATA for other types or families. */
  private addressAnswer(query: Buffer, q: ParsedQuery, ips: string[], limit: number | undefined): Buffer {
    const w = new SectionWriter(q.name);
    if (q.qtype === TYPE.A || q.qtype === TYPE.AAAA) {
      for (const ip of ips) if (ip.includes(':') === (q.qtype === TYPE.AAAA)) w.address('answer', q.name, ip, this.index.ttl);
    }
    return this.positive(query, q, w.finish(), limit, 0);
  }

  /**
   * ExternalName: a CNAME to spec.externalName. As CoreDNS's plugin.A, A and AAAA answers also
   * carry the target's addresses, found in the index when the target is in the zone, else
   * upstream; when the target cannot be resolved the CNAME is left out too (NODATA).
   */
  private externalName(query: Buffer, q: ParsedQuery, entry: NameEntry, limit: number | undefined): Reply {
    const cname = this.index.cname(q.name, entry)!;
    if (q.qtype === TYPE.CNAME) return this.positive(query, q, cname, limit, 0);
    if (q.qtype !== TYPE.A && q.qtype !== TYPE.AAAA) return this.negative(query, q, RCODE.NOERROR, limit);
    const type = q.qtype === TYPE.A ? 'A' : 'AAAA';
    const chain: dnsPacket.Answer[] = [];
    let target = entry.records.externalName!.toLowerCase();
    let owner = q.name;
    for (let hops = 0; hops < MAX_CNAME_CHAIN; hops++) {
      chain.push({ type: 'CNAME', name: owner, ttl: this.index.ttl, data: target });
      if (target !== this.zone && !target.endsWith(this.dotZone)) {
        return this.upstreamTail(query, q, chain, target, type, limit);
      }
      const next = this.index.lookup(target);
      if (!next) break;
      if (next.records.externalName === undefined) {
        const ips = [...new Set(next.records.targets.map((t) => t.ip).filter((ip) => ip.includes(':') === (type === 'AAAA')))];
        if (ips.length === 0) break;
        for (const ip of ips) chain.push({ type, name: target, ttl: this.index.ttl, data: ip });
        return this.withRecords(query, q, chain, limit);
      }
      owner = target;
      target = next.records.externalName.toLowerCase();
    }
    return this.negative(query, q, RCODE.NOERROR, limit);
  }

  private async upstreamTail(query: Buffer, q: ParsedQuery, chain: dnsPacket.Answer[], target: string, type: 'A' | 'AAAA', limit: number | undefined): Promise<Buffer> {
    const reply = this.opts.forwarder ? await this.opts.forwarder.lookup(target, type) : undefined;
    if (!reply) return this.negative(query, q, RCODE.NOERROR, limit);
    return this.withRecords(query, q, [...chain, ...(reply.answers ?? [])], limit);
  }

  /** A reply whose answer section is `records`, encoded by dns-packet (no compression). */
  private withRecords(query: Buffer, q: ParsedQuery, records: dnsPacket.Answer[], limit: number | undefined): Buffer {
    const encoded = dnsPacket.encode({ type: 'response', answers: records });
    const section: CompiledSection = { answers: records.length, additionals: 0, bytes: encoded.subarray(12), fixups: [] };
    return buildReply(query, q, { rcode: RCODE.NOERROR, authoritative: true, section, udpLimit: limit });
  }

  private forward(query: Buffer, q: ParsedQuery, limit: number | undefined): Reply {
    const forwarder = this.opts.forwarder;
    if (!forwarder || !forwarder.hasUpstreams) return emptyReply(query, q, RCODE.SERVFAIL);
    return forwarder.forward(query).then((reply) => {
      if (!reply) return emptyReply(query, q, RCODE.SERVFAIL);
      return limit === undefined ? reply : truncateForUdp(reply, limit);
    });
  }
}

/** The IP a pod label names: a-b-c-d for IPv4, groups joined by "-" for IPv6 (as CoreDNS). */
function podIP(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  const ip = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return isIP(ip) ? ip : undefined;
}
