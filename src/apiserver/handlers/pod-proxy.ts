// Pod streaming subresources — pods/log, pods/exec, pods/attach, pods/portforward — served as
// upstream does: by proxying to the kubelet of the pod's node (its InternalIP and
// daemonEndpoints.kubeletEndpoint.Port). Logs are streamed through; upgrade requests
// (WebSocket or SPDY) are passed byte for byte, so the protocols are the kubelet's business.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/kinds.js';
import { ApiError, BadRequestError, InternalError } from '../../api/errors.js';
import type { RequestInfo } from '../request-info.js';
import { isTrue } from '../request-info.js';
import type { ResourceRegistry } from '../resources.js';
import { statusFor, toApiError } from '../status.js';

/** Client credentials for the kubelet's HTTPS server; without them, plain HTTP. */
export interface KubeletClientConfig {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export const POD_STREAM_SUBRESOURCES: ReadonlySet<string> = new Set(['log', 'exec', 'attach', 'portforward']);

export function isPodStreamRequest(info: RequestInfo): boolean {
  return info.isResourceRequest && info.group === '' && info.resource === 'pods' && !!info.name && POD_STREAM_SUBRESOURCES.has(info.subresource);
}

interface KubeletLocation {
  host: string;
  port: number;
  /** Path and query on the kubelet. */
  path: string;
}

const DEFAULT_KUBELET_PORT = 10250;
const ERROR_BODY_LIMIT = 16 * 1024;

export class PodProxy {
  constructor(private readonly deps: { resources: ResourceRegistry; kubeletClient?: KubeletClientConfig }) {}

  /** Plain requests: GET pods/log, and exec/attach/portforward without an upgrade (the kubelet refuses those). */
  async serve(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> {
    if (info.subresource === 'log' && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    const location = await this.locate(info, query);
    if (!location) {
      // As upstream's LocationStreamer without a location: a pod not yet on a node has no log.
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end();
      return;
    }
    const upstream = await this.request(location, req.method === 'HEAD' ? 'HEAD' : 'GET');
    const code = upstream.statusCode ?? 500;
    if (code < 200 || code > 206) {
      const body = await readLimited(upstream, ERROR_BODY_LIMIT);
      throw kubeletError(code, body.trim());
    }
    res.writeHead(code, { 'Content-Type': info.subresource === 'log' ? 'text/plain' : upstream.headers['content-type'] ?? 'text/plain' });
    res.flushHeaders();
    res.once('close', () => upstream.destroy());
    upstream.pipe(res);
    await new Promise<void>((resolve) => {
      upstream.once('end', resolve);
      upstream.once('close', resolve);
      upstream.once('error', resolve);
    });
  }

  /** Upgrade requests to exec/attach/portforward: the connection is spliced to the kubelet's. */
  async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, query: URLSearchParams): Promise<void> {
    socket.on('error', () => undefined);
    let kubelet: net.Socket;
    try {
      if (info.subresource === 'log') throw new BadRequestError('pods/log does not support an upgrade');
      const location = await this.locate(info, query);
      if (!location) throw new InternalError('no kubelet location');
      kubelet = await this.connect(location);
      kubelet.write(requestHead(req, location));
    } catch (err) {
      writeUpgradeError(socket, err);
      return;
    }
    kubelet.on('error', () => socket.destroy());
    kubelet.once('close', () => socket.destroy());
    socket.once('close', () => kubelet.destroy());
    if (head.length > 0) kubelet.write(head);
    socket.pipe(kubelet);
    kubelet.pipe(socket);
  }

  /** The kubelet URL for a request, after upstream's checks; undefined for logs of an unscheduled pod. */
  private async locate(info: RequestInfo, query: URLSearchParams): Promise<KubeletLocation | undefined> {
    const pods = this.deps.resources.storeFor(this.deps.resources.lookup('', 'v1', 'pods')!);
    const pod = (await pods.get(info.namespace, info.name)).obj;
    const name = info.name;
    const ns = info.namespace;
    const params = new URLSearchParams();
    let path: string;
    if (info.subresource === 'portforward') {
      for (const p of [...query.getAll('ports'), ...query.getAll('port')].flatMap((v) => v.split(','))) {
        if (p.trim()) params.append('port', p.trim());
      }
      path = `/portForward/${enc(ns)}/${enc(name)}`;
    } else {
      const container = chooseContainer(pod, query.get('container'));
      if (info.subresource === 'log') {
        for (const [k, v] of logParams(name, query)) params.append(k, v);
        path = `/containerLogs/${enc(ns)}/${enc(name)}/${enc(container)}`;
      } else {
        // As upstream's streamParams: the kubelet takes "1" for the stream flags.
        for (const flag of ['stdin', 'stdout', 'stderr', 'tty']) if (isTrue(query.get(flag))) params.set(flag, '1');
        if (info.subresource === 'exec') {
          const command = query.getAll('command');
          if (command.length === 0) throw new BadRequestError('you must specify at least one command for the container');
          for (const c of command) params.append('command', c);
        }
        path = `/${info.subresource}/${enc(ns)}/${enc(name)}/${enc(container)}`;
      }
    }
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) {
      if (info.subresource === 'log') return undefined;
      throw new BadRequestError(`pod ${name} does not have a host assigned`);
    }
    const { host, port } = await this.kubeletEndpoint(nodeName);
    const search = params.toString();
    return { host, port, path: search ? `${path}?${search}` : path };
  }

  private async kubeletEndpoint(nodeName: string): Promise<{ host: string; port: number }> {
    const nodes = this.deps.resources.storeFor(this.deps.resources.lookup('', 'v1', 'nodes')!);
    let node: KubeObject;
    try {
      node = (await nodes.get('', nodeName)).obj;
    } catch {
      throw new InternalError(`nodes "${nodeName}" not found`);
    }
    const addresses: { type?: string; address?: string }[] = node.status?.addresses ?? [];
    // Upstream's --kubelet-preferred-address-types, with InternalIP first as k3s configures it.
    const host = ['InternalIP', 'Hostname', 'ExternalIP', 'InternalDNS', 'ExternalDNS']
      .map((t) => addresses.find((a) => a.type === t && a.address)?.address)
      .find(Boolean);
    if (!host) throw new InternalError(`no preferred addresses found; known addresses: [${addresses.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`);
    const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port) || DEFAULT_KUBELET_PORT;
    return { host, port };
  }

  private request(location: KubeletLocation, method: string): Promise<IncomingMessage> {
    const client = this.deps.kubeletClient;
    const options = { host: location.host, port: location.port, path: location.path, method, agent: false as const };
    return new Promise((resolve, reject) => {
      const req = client
        ? https.request({ ...options, cert: client.certPem, key: client.keyPem, ca: client.caPem }, resolve)
        : http.request(options, resolve);
      req.once('error', (err) => reject(new ApiError(502, 'InternalError', `error dialing backend: ${err.message}`)));
      req.end();
    });
  }

  private connect(location: KubeletLocation): Promise<net.Socket> {
    const client = this.deps.kubeletClient;
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(new ApiError(500, 'InternalError', `error dialing backend: ${err.message}`));
      const socket = client
        ? tls.connect({ host: location.host, port: location.port, cert: client.certPem, key: client.keyPem, ca: client.caPem, servername: net.isIP(location.host) ? undefined : location.host }, () => {
            socket.off('error', fail);
            resolve(socket);
          })
        : net.connect({ host: location.host, port: location.port }, () => {
            socket.off('error', fail);
            resolve(socket);
          });
      socket.once('error', fail);
    });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** As upstream's validContainerName: the named container, or the only one. */
function chooseContainer(pod: KubeObject, requested: string | null): string {
  const name = pod.metadata?.name;
  const containers: string[] = (pod.spec?.containers ?? []).map((c: { name: string }) => c.name);
  const init: string[] = (pod.spec?.initContainers ?? []).map((c: { name: string }) => c.name);
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: { name: string }) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (init.length) message += ` or one of the init containers: [${init.join(' ')}]`;
    if (ephemeral.length) message += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw new BadRequestError(message);
  }
  if (![...containers, ...init, ...ephemeral].includes(requested)) {
    throw new BadRequestError(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/** PodLogOptions for the kubelet, validated as upstream's ValidatePodLogOptions. */
function logParams(name: string, query: URLSearchParams): [string, string][] {
  const out: [string, string][] = [];
  const errors: string[] = [];
  for (const flag of ['follow', 'previous', 'timestamps']) if (isTrue(query.get(flag))) out.push([flag, 'true']);
  const ints: [string, number][] = [['tailLines', 0], ['limitBytes', 1], ['sinceSeconds', 1]];
  for (const [key, min] of ints) {
    const v = query.get(key);
    if (v === null || v === '') continue;
    if (!/^-?\d+$/.test(v)) throw new BadRequestError(`invalid value for ${key}: "${v}"`);
    if (Number(v) < min) errors.push(`${key}: Invalid value: ${v}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`);
    out.push([key, v]);
  }
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw new BadRequestError(`invalid value for sinceTime: "${sinceTime}"`);
    if (query.get('sinceSeconds')) errors.push('sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
    out.push(['sinceTime', sinceTime]);
  }
  if (errors.length) {
    const summary = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
    throw new ApiError(422, 'Invalid', `PodLogOptions "${name}" is invalid: ${summary}`, { name, kind: 'PodLogOptions' });
  }
  return out;
}

/** The client's request line and headers, re-addressed to the kubelet; the client's credentials stay here. */
function requestHead(req: IncomingMessage, location: KubeletLocation): string {
  const dropped = new Set(['host', 'authorization', 'content-length', 'transfer-encoding']);
  let head = `${req.method ?? 'GET'} ${location.path} HTTP/1.1\r\nHost: ${location.host.includes(':') ? `[${location.host}]` : location.host}:${location.port}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const lower = name.toLowerCase();
    if (dropped.has(lower) || lower.startsWith('impersonate-')) continue;
    head += `${name}: ${req.rawHeaders[i + 1]}\r\n`;
  }
  return `${head}\r\n`;
}

function readLimited(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < limit) chunks.push(c);
      size += c.length;
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, limit)));
    res.once('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** As upstream's GenericHttpResponseChecker: a kubelet error becomes a Status with its text. */
function kubeletError(code: number, body: string): ApiError {
  const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid' };
  return new ApiError(code, reasons[code] ?? 'InternalError', body || `the server responded with the status code ${code}`);
}

/** An error before the splice: an HTTP response with a Status body on the raw socket. */
export function writeUpgradeError(socket: Duplex, err: unknown): void {
  const apiErr = toApiError(err);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(statusFor(apiErr));
  socket.end(
    `HTTP/1.1 ${apiErr.code} ${http.STATUS_CODES[apiErr.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
