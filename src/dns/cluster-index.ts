// The in-memory view the DNS server answers from: every Service's names (service-records.ts),
// the reverse names of ClusterIPs and endpoint IPs, and which namespaces exist. Informer
// events rebuild one Service's names at a time; the wire sections a reply copies are
// compiled on first use and kept until that name changes, so a query costs a map lookup.
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { NameRecords, ReverseTarget } from './service-records.js';
import { SERVICE_NAME_LABEL, serviceDns } from './service-records.js';
import type { CompiledSection } from './wire.js';
import { SectionWriter, TYPE, reverseName } from './wire.js';

/** CoreDNS's kubernetes plugin default TTL (the `ttl` option). */
export const DEFAULT_TTL = 5;

export interface NameEntry {
  readonly records: NameRecords;
  a?: CompiledSection;
  aaaa?: CompiledSection;
  srv?: CompiledSection;
  cname?: CompiledSection;
  /** Round-robin position for rotating address answers (CoreDNS's loadbalance plugin). */
  turn: number;
}

interface ReverseEntry {
  /** Per Service key: the names that Service gives this IP. */
  targets: Map<string, ReverseTarget[]>;
  compiled?: CompiledSection;
}

const keyOf = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

export class ClusterDnsIndex {
  readonly zone: string;
  readonly ttl: number;
  private readonly services = new Map<string, Service>();
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly namespaces = new Set<string>();
  private readonly names = new Map<string, NameEntry>();
  private readonly namesOf = new Map<string, string[]>();
  private readonly reverse = new Map<string, ReverseEntry>();
  private readonly reverseOf = new Map<string, string[]>();
  /** Unix seconds of the last change: the SOA serial, as CoreDNS's Modified(). */
  serial = Math.floor(Date.now() / 1000);

  constructor(opts: { zone: string; ttl?: number }) {
    this.zone = opts.zone.replace(/\.$/, '').toLowerCase();
    this.ttl = opts.ttl ?? DEFAULT_TTL;
  }

  setService(svc: Service): void {
    const key = keyOf(svc.metadata?.namespace, svc.metadata?.name);
    this.services.set(key, svc);
    this.rebuild(key);
  }

  deleteService(svc: Service): void {
    const key = keyOf(svc.metadata?.namespace, svc.metadata?.name);
    this.services.delete(key);
    this.rebuild(key);
  }

  setEndpointSlice(slice: EndpointSlice): void {
    const sliceKey = keyOf(slice.metadata?.namespace, slice.metadata?.name);
    const serviceName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const owner = serviceName ? keyOf(slice.metadata?.namespace, serviceName) : undefined;
    const previous = this.sliceOwner.get(sliceKey);
    if (previous !== undefined && previous !== owner) this.removeSlice(sliceKey, previous);
    if (owner === undefined) return;
    this.sliceOwner.set(sliceKey, owner);
    let slices = this.slicesByService.get(owner);
    if (!slices) this.slicesByService.set(owner, (slices = new Map()));
    slices.set(sliceKey, slice);
    this.rebuild(owner);
  }

  deleteEndpointSlice(slice: EndpointSlice): void {
    const sliceKey = keyOf(slice.metadata?.namespace, slice.metadata?.name);
    const owner = this.sliceOwner.get(sliceKey);
    if (owner !== undefined) this.removeSlice(sliceKey, owner);
  }

  setNamespace(ns: Namespace): void {
    if (ns.metadata?.name) this.namespaces.add(ns.metadata.name);
    this.touch();
  }

  deleteNamespace(ns: Namespace): void {
    if (ns.metadata?.name) this.namespaces.delete(ns.metadata.name);
    this.touch();
  }

  namespaceExists(name: string): boolean {
    return this.namespaces.has(name);
  }

  /** The entry for a lower-case name without trailing dot. */
  lookup(name: string): NameEntry | undefined {
    return this.names.get(name);
  }

  get size(): number {
    return this.names.size;
  }

  /** The PTR answer for a lower-case reverse name, or undefined when no Service knows the IP. */
  ptr(name: string): CompiledSection | undefined {
    const entry = this.reverse.get(name);
    if (!entry) return undefined;
    if (!entry.compiled) {
      const all = [...entry.targets.values()].flat();
      // As CoreDNS: a ClusterIP answers with its Service alone; otherwise every endpoint name.
      const service = all.find((t) => t.service);
      const targets = service ? [service.name] : [...new Set(all.map((t) => t.name))];
      const w = new SectionWriter(name);
      for (const t of targets) w.pointerRecord('answer', TYPE.PTR, name, t, this.ttl);
      entry.compiled = w.finish();
    }
    return entry.compiled;
  }

  /** The answer section for A (or AAAA) queries of a name: its distinct addresses. */
  addresses(name: string, entry: NameEntry, v6: boolean): CompiledSection {
    const cached = v6 ? entry.aaaa : entry.a;
    if (cached) return cached;
    const w = new SectionWriter(name);
    const seen = new Set<string>();
    for (const t of entry.records.targets) {
      if (t.ip.includes(':') !== v6 || seen.has(t.ip)) continue;
      seen.add(t.ip);
      w.address('answer', name, t.ip, this.ttl);
    }
    const compiled = w.finish(v6 ? 28 : 16);
    if (v6) entry.aaaa = compiled;
    else entry.a = compiled;
    return compiled;
  }

  /**
   * SRV answers with the targets' addresses as additional records. Weights as CoreDNS's
   * plugin.SRV: every record of the same priority shares 100, floor(100 / count), at least 1.
   */
  srv(name: string, entry: NameEntry): CompiledSection {
    if (entry.srv) return entry.srv;
    const w = new SectionWriter(name);
    const targets = entry.records.targets;
    const weight = Math.max(1, Math.floor(100 / Math.max(1, targets.length)));
    const seenSrv = new Set<string>();
    const extras: { owner: string; ip: string }[] = [];
    const seenExtra = new Set<string>();
    for (const t of targets) {
      if (t.port < 0) continue;
      const srvKey = `${t.target}:${t.port}`;
      if (!seenSrv.has(srvKey)) {
        seenSrv.add(srvKey);
        w.srv(name, 0, weight, t.port, t.target, this.ttl);
      }
      const extraKey = `${t.target} ${t.ip}`;
      if (!seenExtra.has(extraKey)) {
        seenExtra.add(extraKey);
        extras.push({ owner: t.target, ip: t.ip });
      }
    }
    for (const e of extras) w.address('additional', e.owner, e.ip, this.ttl);
    entry.srv = w.finish();
    return entry.srv;
  }

  /** The CNAME record alone (CNAME queries, and the first record of A/AAAA answers). */
  cname(name: string, entry: NameEntry): CompiledSection | undefined {
    if (!entry.records.externalName) return undefined;
    if (!entry.cname) {
      const w = new SectionWriter(name);
      w.pointerRecord('answer', TYPE.CNAME, name, entry.records.externalName, this.ttl);
      entry.cname = w.finish();
    }
    return entry.cname;
  }

  private removeSlice(sliceKey: string, owner: string): void {
    this.sliceOwner.delete(sliceKey);
    const slices = this.slicesByService.get(owner);
    slices?.delete(sliceKey);
    if (slices?.size === 0) this.slicesByService.delete(owner);
    this.rebuild(owner);
  }

  private touch(): void {
    this.serial = Math.floor(Date.now() / 1000);
  }

  private rebuild(svcKey: string): void {
    this.touch();
    for (const name of this.namesOf.get(svcKey) ?? []) this.names.delete(name);
    this.namesOf.delete(svcKey);
    for (const rname of this.reverseOf.get(svcKey) ?? []) {
      const entry = this.reverse.get(rname);
      if (!entry) continue;
      entry.targets.delete(svcKey);
      entry.compiled = undefined;
      if (entry.targets.size === 0) this.reverse.delete(rname);
    }
    this.reverseOf.delete(svcKey);

    const svc = this.services.get(svcKey);
    if (!svc) return;
    const dns = serviceDns(svc, this.slicesByService.get(svcKey)?.values() ?? [], this.zone);
    const owned: string[] = [];
    for (const [name, records] of dns.names) {
      // Names are scoped under <svc>.<ns>, so no other Service can own them.
      this.names.set(name, { records, turn: 0 });
      owned.push(name);
    }
    this.namesOf.set(svcKey, owned);
    const reverseNames = new Set<string>();
    for (const t of dns.reverse) {
      const rname = reverseName(t.ip);
      let entry = this.reverse.get(rname);
      if (!entry) this.reverse.set(rname, (entry = { targets: new Map() }));
      entry.compiled = undefined;
      const list = entry.targets.get(svcKey);
      if (list) list.push(t);
      else entry.targets.set(svcKey, [t]);
      reverseNames.add(rname);
    }
    this.reverseOf.set(svcKey, [...reverseNames]);
  }
}
