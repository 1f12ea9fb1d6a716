// Starts a real API server on a free loopback port over plain HTTP with an in-memory store,
// and a tiny JSON client for it. For tests only.
import http from 'node:http';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import type { Store } from '../../src/store/types.js';

export interface TestServer {
  server: ApiServer;
  store: Store;
  url: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  stop(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export async function startTestServer(store: Store = new MemoryStore()): Promise<TestServer> {
  const server = new ApiServer({
    store,
    port: 0,
    authenticator: { authenticate: () => ({ name: 'test-admin', groups: ['system:masters', 'system:authenticated'] }) },
  });
  await server.start();
  const url = server.url;
  return {
    server,
    store,
    url,
    request: (method, path, body, headers) => httpRequest(url, method, path, body, headers),
    stop: async () => {
      await server.stop();
      await store.close();
    },
  };
}

export function httpRequest(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const req = http.request(`${base}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ...(payload !== undefined ? { 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Opens a watch and collects events until `until` returns true or the timeout passes. */
export function collectWatch(base: string, path: string, until: (events: any[]) => boolean, timeoutMs = 5000): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    let buf = '';
    const req = http.get(`${base}${path}`, { headers: { Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => reject(Object.assign(new Error(`watch failed: ${res.statusCode} ${t}`), { status: res.statusCode, body: t })));
        return;
      }
      res.on('data', (c) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(events);
      });
    });
    req.on('error', (e) => {
      if (!(e as NodeJS.ErrnoException).code?.includes('ECONNRESET')) reject(e);
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(events);
    }, timeoutMs);
  });
}
