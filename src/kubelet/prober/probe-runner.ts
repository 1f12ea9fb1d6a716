// Runs one probe or lifecycle handler action, as upstream's prober (exec, httpGet, tcpSocket):
// exec succeeds on exit code 0; httpGet on a status from 200 to 399 (https without
// certificate verification, the probe's headers, User-Agent kube-probe/<minor>); tcpSocket
// when a connection opens. Each gives up after timeoutSeconds.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, ExecAction, HTTPGetAction, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime } from '../runtime/types.js';

export interface ProbeOutcome {
  success: boolean;
  /** What upstream puts after "Liveness probe failed: ". */
  output: string;
}

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined) throw new Error('no port');
  if (/^\d+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((p) => p.name === port);
  if (!found) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  return found.containerPort;
}

export async function runExec(runtime: ContainerRuntime, containerId: string, action: ExecAction, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    const r = await runtime.execSync(containerId, action.command ?? [], timeoutSeconds);
    const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
    return { success: r.exitCode === 0, output: out };
  } catch (err) {
    return { success: false, output: err instanceof Error ? err.message : String(err) };
  }
}

export function runHttpGet(host: string, action: HTTPGetAction, container: Container, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port as number | string, container);
    } catch (err) {
      resolve({ success: false, output: (err as Error).message });
      return;
    }
    const scheme = (action.scheme ?? 'HTTP').toLowerCase();
    const targetHost = action.host || host;
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.30', Accept: '*/*' };
    for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
    const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
    const url = `${scheme}://${targetHost.includes(':') ? `[${targetHost}]` : targetHost}:${port}${path}`;
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, timeout: timeoutSeconds * 1000, rejectUnauthorized: false } as https.RequestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // As upstream: at most 10 KiB of the body is kept for the message.
        if (size < 10240) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) resolve({ success: true, output: '' });
        else resolve({ success: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (e) => resolve({ success: false, output: e.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ success: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ success: false, output: `Get "${url}": ${dialError(e, targetHost, port)}` }));
  });
}

function dialError(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  return e.message;
}

export function runTcpSocket(host: string, action: TCPSocketAction, container: Container, timeoutSeconds: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let port: number;
    try {
      port = resolvePort(action.port as number | string, container);
    } catch (err) {
      resolve({ success: false, output: (err as Error).message });
      return;
    }
    const target = action.host || host;
    const sock = net.connect({ host: target, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ success: false, output: `dial tcp ${target}:${port}: i/o timeout` });
    }, timeoutSeconds * 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ success: true, output: '' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ success: false, output: dialError(e, target, port) });
    });
  });
}
