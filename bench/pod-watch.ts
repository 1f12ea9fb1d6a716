// What the pod start-up benchmarks share: an HTTPS pod watch whose events arrive with their
// receive time, upstream's SLO notion of a started pod, and a wait that is checked on demand.
import https from 'node:https';
import type { BenchCluster } from './cluster.js';

export interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; containers?: unknown[] };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { started?: boolean; state?: { running?: unknown } }[];
    conditions?: { type: string; status: string }[];
  };
}

/** A watch over HTTPS whose events are handed over as they arrive (newline-delimited JSON). */
export function watchPods(cluster: BenchCluster, path: string, onEvent: (type: string, pod: PodLike, at: number) => void): { opened: Promise<void>; close(): void } {
  let opened!: () => void;
  const openedPromise = new Promise<void>((r) => (opened = r));
  const agent = new https.Agent({ keepAlive: false, ca: cluster.credentials.ca, cert: cluster.credentials.cert, key: cluster.credentials.key });
  const req = https.request({ agent, host: cluster.url.hostname, port: cluster.url.port, method: 'GET', path, headers: { Accept: 'application/json' } }, (res) => {
    opened();
    let buffered = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const at = performance.now();
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.trim()) continue;
        const e = JSON.parse(line) as { type: string; object: PodLike };
        onEvent(e.type, e.object, at);
      }
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  req.end();
  return { opened: openedPromise, close: () => { req.destroy(); agent.destroy(); } };
}

/** Upstream's "started" for the SLO: Running, and every container reported started. */
export function allStarted(pod: PodLike): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return pod.status?.phase === 'Running' && statuses.length === (pod.spec?.containers?.length ?? 1) && statuses.every((c) => c.started === true && c.state?.running !== undefined);
}

/** Resolves when `done()` holds, checked whenever `poke` is called; rejects after the timeout. */
export function until(done: () => boolean, what: string, timeoutMs: number): { promise: Promise<void>; poke: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  const poke = () => {
    if (done()) { clearTimeout(timer); resolve(); }
  };
  return { promise, poke };
}
