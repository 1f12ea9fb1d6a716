// Cluster DNS: answers <svc>.<ns>.svc.<domain> and friends from Services and EndpointSlices
// (as CoreDNS's kubernetes plugin) and forwards everything else to the host's resolvers.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { DeletedFinalStateUnknown } from '../client/indexer.js';
import { InformerFactory } from '../client/informer-factory.js';
import { endpointSlices, namespaces, services } from '../client/resources.js';
import type { ObjectWithMeta, ResourceDescriptor } from '../client/resources.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { ClusterDnsIndex } from './cluster-index.js';
import type { ListenAddress } from './dns-server.js';
import { DnsServer } from './dns-server.js';
import type { UpstreamAddress } from './forwarder.js';
import { Forwarder } from './forwarder.js';
import type { PodMode } from './responder.js';
import { Responder } from './responder.js';
import { parseResolvConf } from './resolv-conf.js';

export type { ListenAddress } from './dns-server.js';
export { podResolvConf } from './resolv-conf.js';

export interface ClusterDNSOptions {
  /** Where to answer, UDP and TCP on each. */
  listen: ListenAddress[];
  clusterDomain?: string;
  /** "ip", "ip:port" or "[ipv6]:port"; default: the nameservers of `resolvConfPath`. */
  upstreams?: string[];
  resolvConfPath?: string;
  /** Record TTL in seconds (CoreDNS's default 5; kubeadm's Corefile sets 30). */
  ttl?: number;
  podMode?: PodMode;
  /** Per-upstream timeout before trying the next one (default 2 s). */
  upstreamTimeoutMs?: number;
  /** How long to wait for the first list before serving anyway (CoreDNS waits 5 s). */
  syncTimeoutMs?: number;
  logger?: Logger;
}

export interface ClusterDNS {
  /** The addresses actually bound (ports resolved when 0 was asked). */
  readonly addresses: ListenAddress[];
  readonly upstreams: UpstreamAddress[];
  stop(): Promise<void>;
}

export async function startClusterDNS(client: ApiClient, opts: ClusterDNSOptions): Promise<ClusterDNS> {
  const logger = (opts.logger ?? nullLogger).child({ component: 'cluster-dns' });
  const index = new ClusterDnsIndex({ zone: opts.clusterDomain ?? 'cluster.local', ttl: opts.ttl });
  const factory = new InformerFactory(client, { logger });
  watch(factory, services, (s: Service) => index.setService(s), (s) => index.deleteService(s));
  watch(factory, endpointSlices, (s: EndpointSlice) => index.setEndpointSlice(s), (s) => index.deleteEndpointSlice(s));
  watch(factory, namespaces, (n: Namespace) => index.setNamespace(n), (n) => index.deleteNamespace(n));
  factory.start();

  const upstreamSpecs = opts.upstreams ?? parseResolvConf(readResolvConf(opts.resolvConfPath ?? '/etc/resolv.conf')).nameservers;
  const upstreams = selectUpstreams(upstreamSpecs, opts.listen);
  const forwarder = new Forwarder({ upstreams, attemptTimeoutMs: opts.upstreamTimeoutMs, logger });
  const responder = new Responder({
    index,
    forwarder,
    podMode: opts.podMode,
    isSynced: () => factory.hasSynced(),
    nameserverIPs: opts.listen.map((l) => l.address).filter((a) => !isWildcard(a)),
  });
  const server = new DnsServer(responder, logger);
  try {
    const synced = await Promise.race([factory.waitForSync(), delay(opts.syncTimeoutMs ?? 5000).then(() => false)]);
    if (!synced) logger.warn('starting with an unsynced view of Services (unknown names get SERVFAIL until it syncs)');
    await server.listen(opts.listen);
  } catch (err) {
    forwarder.close();
    await server.close();
    await factory.stop();
    throw err;
  }
  logger.info('cluster DNS listening', { addresses: server.bound.map((a) => `${a.address}:${a.port}`), domain: index.zone, upstreams: upstreams.map((u) => `${u.address}:${u.port}`) });

  let stopping: Promise<void> | undefined;
  return {
    addresses: server.bound,
    upstreams,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        forwarder.close();
        await factory.stop();
      })()),
  };
}

function watch<T extends ObjectWithMeta>(factory: InformerFactory, desc: ResourceDescriptor<T>, set: (obj: T) => void, del: (obj: T) => void): void {
  factory.informerFor(desc).addEventHandler({
    onAdd: (obj) => set(obj),
    onUpdate: (_old, obj) => set(obj),
    onDelete: (obj) => del(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
  });
}

function readResolvConf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" → address and port (53 by default). */
export function parseUpstream(spec: string): UpstreamAddress | undefined {
  const s = spec.trim().replace(/^dns:\/\//, '');
  if (net.isIP(s)) return { address: s, port: 53 };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed && net.isIPv6(bracketed[1]!)) return { address: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  const hostPort = /^([^:]+):(\d+)$/.exec(s);
  if (hostPort && net.isIPv4(hostPort[1]!)) return { address: hostPort[1]!, port: Number(hostPort[2]) };
  return undefined;
}

/** The usable upstreams among `specs`: parseable, and not this server itself. */
export function selectUpstreams(specs: string[], listen: ListenAddress[]): UpstreamAddress[] {
  return specs.map(parseUpstream).filter((u): u is UpstreamAddress => u !== undefined && !isOwnAddress(u, listen));
}

const isWildcard = (a: string) => a === '0.0.0.0' || a === '::';

/** Forwarding to ourselves would loop (what CoreDNS's loop plugin guards against). */
function isOwnAddress(u: UpstreamAddress, listen: ListenAddress[]): boolean {
  return listen.some((l) => l.port === u.port && (l.address === u.address || (isWildcard(l.address) && isLocalAddress(u.address))));
}

/** Loopback, or an address of one of this machine's interfaces (what a wildcard listener receives). */
function isLocalAddress(address: string): boolean {
  if (address.startsWith('127.') || address === '::1') return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === address));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
