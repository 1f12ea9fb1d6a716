// CPU per request of the client's HTTP transport, on both ends of a loopback connection:
// src/client/http-transport.ts (undici's pool) against node:http's keep-alive agent, the
// transport it replaced. The server is a plain node:http server in a child process answering
// every POST with a fixed pod-sized JSON body, so only the HTTP work is measured, not the API
// server's. Rounds alternate between the two clients; the median of each is reported.
// Prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/http-client.js
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { HttpTransport } from '../src/client/http-transport.js';
import { podManifest } from './pod-body.js';
import { round } from './stats.js';

const REQUESTS = Number(process.env['BENCH_HTTP_REQUESTS'] ?? 20_000);
const CONCURRENCY = Number(process.env['BENCH_HTTP_CONCURRENCY'] ?? 32);
const ROUNDS = Number(process.env['BENCH_HTTP_ROUNDS'] ?? 3);
const WARMUP = 2_000;
const PATH = '/api/v1/namespaces/default/pods';

type Send = (body: Buffer) => Promise<Buffer>;

if (process.env['BENCH_HTTP_ROLE'] === 'server') {
  // The answer: the pod back with a status, about the size the API server returns.
  const answer = Buffer.from(JSON.stringify({ ...podManifest('bench-pod', 'default'), status: { phase: 'Pending', qosClass: 'Burstable' } }));
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': answer.length });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send!({ cpuUs: u.user + u.system });
  });
} else {
  await main();
}

function serverCpuUs(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
    child.send('cpu');
  });
}

/** Client and server CPU per request (µs) for `count` requests, `CONCURRENCY` at a time. */
async function measure(child: ChildProcess, send: Send, body: Buffer, count: number): Promise<{ clientUs: number; serverUs: number }> {
  const server0 = await serverCpuUs(child);
  const client0 = process.cpuUsage();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < count) await send(body);
  }));
  const client = process.cpuUsage(client0);
  const server = (await serverCpuUs(child)) - server0;
  return { clientUs: (client.user + client.system) / count, serverUs: server / count };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const child = fork(process.argv[1]!, [], { env: { ...process.env, BENCH_HTTP_ROLE: 'server' } });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number }));
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  const body = Buffer.from(JSON.stringify(podManifest('bench-pod', 'default')));

  const transport = new HttpTransport({ server: `http://127.0.0.1:${port}`, maxSockets: CONCURRENCY });
  const viaTransport: Send = async (b) => (await transport.request({
    method: 'POST', path: PATH, headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: b,
  })).body;

  // The baseline: what http-transport.ts did before undici, with the same listeners.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const viaNodeHttp: Send = (b) => new Promise((resolve, reject) => {
    const req = http.request({
      method: 'POST', host: '127.0.0.1', port, path: PATH, agent,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'Content-Length': String(b.length) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(b);
  });

  const clients = { transport: viaTransport, nodeHttp: viaNodeHttp };
  const samples = { transport: { client: [] as number[], server: [] as number[] }, nodeHttp: { client: [] as number[], server: [] as number[] } };
  for (const send of Object.values(clients)) await measure(child, send, body, WARMUP);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of Object.entries(clients) as [keyof typeof clients, Send][]) {
      const m = await measure(child, send, body, REQUESTS);
      samples[name].client.push(m.clientUs);
      samples[name].server.push(m.serverUs);
    }
  }
  transport.close();
  agent.destroy();
  child.kill();

  const summary = (s: { client: number[]; server: number[] }) => ({
    clientCpuUsPerRequest: round(median(s.client), 1),
    serverCpuUsPerRequest: round(median(s.server), 1),
  });
  const result = {
    benchmark: 'http-client',
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    /** src/client/http-transport.ts (undici). */
    transport: summary(samples.transport),
    /** node:http with a keep-alive agent, as before. */
    nodeHttp: summary(samples.nodeHttp),
    host: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => round(x, 2)) },
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}
