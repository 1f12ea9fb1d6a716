// A test API server, Services and EndpointSlices written directly (no controllers), and small
// loopback echo backends that answer with their name.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { InProcessTransport } from '../../src/client/in-process-transport.js';
import { endpointSlices, nodes, services } from '../../src/client/resources.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { MemoryStore } from '../../src/store/memory.js';

export const NODE = 'node-a';

/** Process mode's service range: loopback, so the proxy can bind ClusterIPs without root. */
export const SERVICE_CIDR = '127.43.0.0/16';

export interface Cluster {
  server: ApiServer;
  client: ApiClient;
  stop(): Promise<void>;
}

/** An API server (as test/helpers/api-server.ts starts one) with process mode's service range. */
export async function startCluster(): Promise<Cluster> {
  const store = new MemoryStore();
  const server = new ApiServer({
    store,
    port: 0,
    serviceClusterIPRange: SERVICE_CIDR,
    authenticator: { authenticate: () => ({ name: 'test-admin', groups: ['system:masters', 'system:authenticated'] }) },
  });
  await server.start();
  const client = new ApiClient(new InProcessTransport((r) => server.handleLocal(r), { name: 'system:kube-proxy', groups: ['system:masters'] }));
  return {
    server,
    client,
    stop: async () => {
      await server.stop();
      await store.close();
    },
  };
}

export interface Backend {
  name: string;
  port: number;
  /** Connections (TCP) or datagrams (UDP) received. */
  hits: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering every request with its name. */
export async function httpBackend(name: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    b.hits++;
    res.setHeader('Connection', 'close');
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const b: Backend = {
    name,
    port: (server.address() as net.AddressInfo).port,
    hits: 0,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  return b;
}

/** A UDP server on 127.0.0.1 answering each datagram with `name:payload`. */
export async function udpBackend(name: string): Promise<Backend> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    b.hits++;
    sock.send(`${name}:${msg.toString()}`, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const b: Backend = { name, port: sock.address().port, hits: 0, close: () => new Promise<void>((r) => sock.close(() => r())) };
  return b;
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One HTTP GET on a fresh connection; resolves with the body. */
export function get(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sends one datagram and waits for one answer. */
export function udpRequest(host: string, port: number, payload: string, timeoutMs = 2000, sock?: dgram.Socket): Promise<string> {
  const s = sock ?? dgram.createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('no UDP answer'));
    }, timeoutMs);
    const onMessage = (m: Buffer) => {
      cleanup();
      resolve(m.toString());
    };
    const cleanup = () => {
      clearTimeout(timer);
      s.off('message', onMessage);
      if (!sock) s.close();
    };
    s.on('message', onMessage);
    s.send(payload, port, host);
  });
}

/** Counts answers per backend name over `n` sequential requests. */
export async function tally(n: number, ask: () => Promise<string>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const who = await ask();
    counts.set(who, (counts.get(who) ?? 0) + 1);
  }
  return counts;
}

export function serviceManifest(name: string, spec: Service['spec'], namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

export interface EndpointDef {
  port: number;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  nodeName?: string;
  ip?: string;
}

/**
 * One EndpointSlice for `service` with one port named `portName`. Each endpoint is a
 * backend on 127.0.0.1 with its own port; a slice only carries one port per name, so each
 * endpoint gets a slice of its own (as the slice controller does for differing ports).
 */
export function slicesFor(service: string, endpoints: EndpointDef[], opts: { portName?: string; protocol?: 'TCP' | 'UDP'; namespace?: string } = {}): EndpointSlice[] {
  return endpoints.map((ep, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${i}`, namespace: opts.namespace ?? 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? 'http', port: ep.port, protocol: opts.protocol ?? 'TCP' }],
    endpoints: [{
      addresses: [ep.ip ?? '127.0.0.1'],
      conditions: { ready: ep.ready ?? true, serving: ep.serving ?? ep.ready ?? true, terminating: ep.terminating ?? false },
      nodeName: ep.nodeName ?? NODE,
    }],
  }));
}

export async function createAll(client: ApiClient, svc: Service, slices: EndpointSlice[]): Promise<void> {
  for (const s of slices) await client.resource(endpointSlices, s.metadata!.namespace).create(s);
  await client.resource(services, svc.metadata!.namespace).create(svc);
}

export async function readyNode(client: ApiClient, name: string, addresses: { type: string; address: string }[]): Promise<void> {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses } };
  const created = await client.resource(nodes).create(node);
  await client.resource(nodes).updateStatus({
    ...created,
    status: { addresses, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }] },
  });
}
