// A kubelet against a real API server (plain HTTP, in-memory store) with the sim runtime on a
// FakeClock: tests bind pods by setting spec.nodeName, move time with step(), and poll the API.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import { FakeClock } from '../../src/client/clock.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { events, pods } from '../../src/client/resources.js';
import type { Kubelet, KubeletOptions } from '../../src/kubelet/kubelet.js';
import { startKubelet } from '../../src/kubelet/kubelet.js';
import { SimRuntime } from '../../src/kubelet/runtime/sim/index.js';
import type { SimRuntimeOptions } from '../../src/kubelet/runtime/sim/index.js';
import { startTestServer, type TestServer } from '../helpers/api-server.js';
import { eventually as poll } from '../helpers/eventually.js';

export interface Harness {
  server: TestServer;
  client: ApiClient;
  clock: FakeClock;
  runtime: SimRuntime;
  rootDir: string;
  kubelet: Kubelet;
  nodeName: string;
  /** Starts another kubelet on the same runtime and directory (after stopping the first). */
  restartKubelet(): Promise<Kubelet>;
  /** Moves the fake clock and (unless told not to) waits for the syncs it triggered. */
  step(ms: number, waitIdle?: boolean): Promise<void>;
  /** Relists the runtime and waits for the resulting syncs. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(opts: { sim?: SimRuntimeOptions; kubelet?: Partial<KubeletOptions>; nodeName?: string } = {}): Promise<Harness> {
  const server = await startTestServer();
  const transport = new HttpTransport({ server: server.url });
  const client = new ApiClient(transport);
  const clock = new FakeClock(Date.now());
  const runtime = new SimRuntime({ clock, ...opts.sim });
  const rootDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-it-'));
  const nodeName = opts.nodeName ?? 'node-a';
  const kopts: KubeletOptions = { nodeName, runtime, rootDir, clock, nodeIP: '127.0.0.1', ...opts.kubelet };
  const h: Harness = {
    server, client, clock, runtime, rootDir, nodeName,
    kubelet: await startKubelet(client, kopts),
    async restartKubelet() {
      await h.kubelet.stop();
      h.kubelet = await startKubelet(client, kopts);
      return h.kubelet;
    },
    async step(ms, waitIdle = true) {
      clock.step(ms);
      // Let the async work the timers kicked off run, then wait for the workers.
      await new Promise((r) => setImmediate(r));
      if (waitIdle) await h.kubelet.idle();
    },
    async settle() {
      await h.kubelet.relistNow();
      await h.kubelet.idle();
    },
    async stop() {
      await h.kubelet.stop();
      await runtime.stopAll();
      transport.close();
      await server.stop();
      await fs.rm(rootDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Polls `fn` until it returns a truthy value, or fails after `timeoutMs` of real time. */
export function eventually<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 5000): Promise<T> {
  return poll(fn, what, { timeoutMs });
}

export function boundPod(name: string, nodeName: string, spec: Partial<NonNullable<Pod['spec']>> = {}, annotations: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', annotations },
    spec: { nodeName, containers: [{ name: 'app', image: 'busybox' }], terminationGracePeriodSeconds: 5, ...spec },
  };
}

export async function getPod(h: Harness, name: string): Promise<Pod> {
  return h.client.resource(pods, 'default').get(name);
}

export async function waitPod(h: Harness, name: string, pred: (p: Pod) => boolean, what: string): Promise<Pod> {
  return eventually(async () => {
    await h.settle();
    const p = await getPod(h, name);
    return pred(p) ? p : undefined;
  }, `${name}: ${what}`);
}

export async function eventsOf(h: Harness, name: string): Promise<{ reason?: string; message?: string; type?: string }[]> {
  await h.kubelet.flushEvents();
  const list = await h.client.resource(events, 'default').list({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
