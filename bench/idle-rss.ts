// Idle memory of `coxswain up`: VmRSS of the child after start-up and ~10 s idle, then after
// the discovery and OpenAPI requests kubectl makes on first contact. An empty node process's
// RSS is reported alongside as the floor. Prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/idle-rss.js
import { spawn } from 'node:child_process';
import { BenchClient, hostInfo, memoryMiB, startCluster } from './cluster.js';

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const SETTLE_MS = 3_000;
const TARGET_MIB = 120;

const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS of a bare `node` doing nothing: what any Node server pays before its own code. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await sleep(1500);
    return memoryMiB(child.pid!).rssMiB;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const hostAtStart = hostInfo();
  const startedAt = performance.now();
  // Idle RSS is of the whole `coxswain up`: API server, controllers, scheduler and kubelet.
  const cluster = await startCluster({ upArgs: [] });
  const startupMs = Math.round(performance.now() - startedAt);
  const client = new BenchClient(cluster, 1);
  try {
    const afterStart = memoryMiB(cluster.pid);
    await sleep(IDLE_MS);
    const idle = memoryMiB(cluster.pid);

    // kubectl's first contact: aggregated discovery, the OpenAPI v3 index and one group
    // document (for `kubectl explain` / client-side validation), and the v2 protobuf document.
    const bytes: Record<string, number> = {};
    const get = async (label: string, path: string, accept = 'application/json') => {
      const reply = await client.expect(200, 'GET', path, undefined, { Accept: accept });
      bytes[label] = reply.body.length;
      return reply;
    };
    await get('/api', '/api', AGGREGATED_DISCOVERY);
    await get('/apis', '/apis', AGGREGATED_DISCOVERY);
    const v3 = JSON.parse((await get('/openapi/v3', '/openapi/v3')).body.toString('utf8')) as { paths: Record<string, { serverRelativeURL: string }> };
    const coreV1 = v3.paths['api/v1']?.serverRelativeURL ?? '/openapi/v3/api/v1';
    await get('/openapi/v3/api/v1', coreV1);
    await get('/openapi/v2 (protobuf)', '/openapi/v2', OPENAPI_V2_PROTOBUF);
    const afterDiscovery = memoryMiB(cluster.pid);
    await sleep(SETTLE_MS);
    const afterDiscoverySettled = memoryMiB(cluster.pid);

    process.stdout.write(
      JSON.stringify({
        benchmark: 'idle-rss',
        host: hostAtStart,
        datastore: 'sqlite',
        startupMs,
        bareNodeRssMiB: await bareNodeRss(),
        afterStart,
        idle: { ...idle, idleSeconds: IDLE_MS / 1000 },
        afterDiscovery,
        afterDiscoverySettled,
        responseBytes: bytes,
        targets: { idleRssMiB: { target: TARGET_MIB, actual: idle.rssMiB, met: idle.rssMiB <= TARGET_MIB } },
      }, null, 2) + '\n',
    );
  } finally {
    client.close();
    await cluster.stop();
  }
}

await main();
