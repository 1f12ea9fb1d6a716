// Pieces of the ingress controller tests: an API server with an in-process client, backends on
// loopback that describe what they received, Services + EndpointSlices pointing at them, and
// requests through the proxy (HTTP and HTTPS with SNI), all on 127.0.0.1.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { webcrypto } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { InProcessTransport } from '../../src/client/in-process-transport.js';
import { endpointSlices, services } from '../../src/client/resources.js';
import type { TestServer } from '../helpers/api-server.js';
import { startTestServer } from '../helpers/api-server.js';

x509.cryptoProvider.set(webcrypto);

export async function startApi(): Promise<{ server: TestServer; client: ApiClient }> {
  const server = await startTestServer();
  const client = new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:ingress', groups: ['system:masters'] }));
  return { server, client };
}

/** What a backend saw of one request; it answers with this as JSON. */
export interface Seen {
  backend: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
}

export interface Backend {
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** An HTTP server that reports what it received, and echoes WebSocket messages as `<name>:<msg>`. */
export async function startBackend(name: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      const seen: Seen = { backend: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes };
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify(seen));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    ws.send(`${name}:hello ${req.headers['x-forwarded-for']}`);
    ws.on('message', (data) => ws.send(`${name}:${String(data)}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface ServiceSpec {
  name: string;
  port: number;
  portName?: string;
  /** One EndpointSlice per entry: [target port, ready]. */
  endpoints: { port: number; ready?: boolean }[];
}

/** A selector-less Service and EndpointSlices naming its endpoints on 127.0.0.1. */
export async function createService(client: ApiClient, s: ServiceSpec): Promise<void> {
  const svc: Service = {
    metadata: { name: s.name, namespace: 'default' },
    // The ClusterIP is left to the allocator: the controller goes to endpoints directly.
    spec: { ports: [{ port: s.port, protocol: 'TCP', ...(s.portName ? { name: s.portName } : {}) }] },
  };
  await client.resource(services, 'default').create(svc);
  for (const [i, ep] of s.endpoints.entries()) await createSlice(client, `${s.name}-${i}`, s.name, s.portName, ep.port, ep.ready ?? true);
}

export async function createSlice(client: ApiClient, name: string, service: string, portName: string | undefined, port: number, ready: boolean): Promise<void> {
  const slice: EndpointSlice = {
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready } }],
    ports: [{ name: portName ?? '', port, protocol: 'TCP' }],
  };
  await client.resource(endpointSlices, 'default').create(slice);
}

export interface ProxyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  seen?: Seen;
  /** HTTPS only: the common name of the certificate the proxy presented. */
  certificateCN?: string;
  certificateFingerprint?: string;
}

/** A request to the proxy at 127.0.0.1:`port` for `host` (also the SNI name over HTTPS). */
export function proxyRequest(
  scheme: 'http' | 'https',
  port: number,
  host: string,
  path: string,
  opts: { method?: string; body?: Buffer; servername?: string } = {},
): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port,
      path,
      method: opts.method ?? 'GET',
      headers: { host, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) },
      agent: false,
    };
    if (scheme === 'https') {
      options.servername = opts.servername ?? host;
      // The certificate is checked by its subject below; the test CA is not a real trust anchor.
      options.rejectUnauthorized = false;
    }
    const req = (scheme === 'https' ? https : http).request(options, (res) => {
      const peer = scheme === 'https' ? (res.socket as TLSSocket).getPeerCertificate() : undefined;
      const certificateCN = peer ? String(peer.subject?.CN ?? '') : undefined;
      const certificateFingerprint = peer?.fingerprint256;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let seen: Seen | undefined;
        if (res.headers['x-backend']) seen = JSON.parse(text) as Seen;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, seen, certificateCN, certificateFingerprint });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A self-signed certificate for `hosts` (CN = the first), as a kubernetes.io/tls Secret's data. */
export async function tlsSecretData(hosts: string[]): Promise<{ 'tls.crt': string; 'tls.key': string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${hosts[0]}`,
    keys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: 'dns' as const, value: h })))],
  });
  const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return {
    'tls.crt': Buffer.from(cert.toString('pem')).toString('base64'),
    'tls.key': Buffer.from(key).toString('base64'),
  };
}
