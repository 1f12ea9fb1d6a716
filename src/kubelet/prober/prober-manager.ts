// Liveness, readiness and startup probes, after upstream's prober manager and worker: one
// worker per (pod, container, probe kind) probing every periodSeconds once initialDelaySeconds
// have passed since the container started. A result flips only after successThreshold
// successes or failureThreshold failures in a row. Readiness starts failed, liveness
// succeeded, startup unknown; liveness and readiness wait until startup has succeeded.
// A failed liveness or startup result holds the worker until the container is replaced.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock, Timer } from '../../client/clock.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { Logger } from '../../logger.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { ProbeOutcome } from './probe-runner.js';
import { runExec, runHttpGet, runTcpSocket } from './probe-runner.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface RunningContainer {
  id: string;
  startedAt: number;
}

export interface ProberDeps {
  runtime: ContainerRuntime;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  /** Where httpGet and tcpSocket probes connect (the pod IP; 127.0.0.1 for host processes). */
  probeHost(pod: Pod): string;
  /** The running container of that name, if any. */
  runningContainer(uid: string, name: string): RunningContainer | undefined;
  /** A result changed: the pod needs a sync (and a status update). */
  onChange(uid: string): void;
}

const KIND_TITLE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export async function runProbe(runtime: ContainerRuntime, host: string, probe: Probe, container: Container, containerId: string): Promise<ProbeOutcome> {
  const timeout = probe.timeoutSeconds ?? 1;
  if (probe.exec) return runExec(runtime, containerId, probe.exec, timeout);
  if (probe.httpGet) return runHttpGet(host, probe.httpGet, container, timeout);
  if (probe.tcpSocket) return runTcpSocket(host, probe.tcpSocket, container, timeout);
  // gRPC probes are not supported yet: treat as success, as upstream does for unknown handlers' warnings.
  return { success: true, output: '' };
}

class ProbeWorker {
  private timer: Timer | undefined;
  private containerId: string | undefined;
  private lastResult: boolean | undefined;
  private resultRun = 0;
  private onHold = false;
  private stopped = false;
  private running = false;

  constructor(private readonly mgr: ProberManager, private pod: Pod, private container: Container, readonly kind: ProbeKind) {}

  get uid(): string {
    return this.pod.metadata!.uid!;
  }

  update(pod: Pod, container: Container): void {
    this.pod = pod;
    this.container = container;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    if (this.containerId) this.mgr.clear(this.kind, this.containerId);
  }

  private get spec(): Probe {
    return probeOf(this.container, this.kind)!;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.mgr.deps.clock.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.doProbe();
    } catch (err) {
      this.mgr.deps.logger.warn('probe failed to run', { kind: this.kind, error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.running = false;
      this.schedule((this.spec.periodSeconds ?? 10) * 1000);
    }
  }

  private async doProbe(): Promise<void> {
    const deps = this.mgr.deps;
    const c = deps.runningContainer(this.uid, this.container.name);
    if (!c) {
      // Not running: not ready; the other kinds wait for the next container.
      if (this.kind === 'readiness' && this.containerId) this.mgr.set(this.kind, this.containerId, false, this.uid);
      return;
    }
    if (c.id !== this.containerId) {
      if (this.containerId) this.mgr.clear(this.kind, this.containerId);
      this.containerId = c.id;
      this.lastResult = undefined;
      this.resultRun = 0;
      this.onHold = false;
      const initial = this.kind === 'readiness' ? false : this.kind === 'liveness' ? true : undefined;
      if (initial !== undefined) this.mgr.set(this.kind, c.id, initial, this.uid);
    }
    if (this.onHold) return;
    if (deps.clock.now() - c.startedAt < (this.spec.initialDelaySeconds ?? 0) * 1000) return;
    const started = this.mgr.isStarted(c.id, this.container);
    if (this.kind === 'startup' ? started : !started) return;

    const outcome = await runProbe(deps.runtime, deps.probeHost(this.pod), this.spec, this.container, c.id);
    if (this.stopped || deps.runningContainer(this.uid, this.container.name)?.id !== c.id) return;
    if (!outcome.success) {
      deps.recorder.event(
        { kind: 'Pod', apiVersion: 'v1', namespace: this.pod.metadata?.namespace, name: this.pod.metadata?.name, uid: this.pod.metadata?.uid, fieldPath: `spec.containers{${this.container.name}}` },
        'Warning', 'Unhealthy', `${KIND_TITLE[this.kind]} probe failed: ${outcome.output}`,
      );
    }
    if (this.lastResult === outcome.success) this.resultRun++;
    else {
      this.lastResult = outcome.success;
      this.resultRun = 1;
    }
    const threshold = outcome.success ? (this.kind === 'readiness' ? this.spec.successThreshold ?? 1 : 1) : this.spec.failureThreshold ?? 3;
    if (this.resultRun < threshold) return;
    this.mgr.set(this.kind, c.id, outcome.success, this.uid);
    if (!outcome.success && this.kind !== 'readiness') {
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}

export class ProberManager {
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly results: Record<ProbeKind, Map<string, boolean>> = { liveness: new Map(), readiness: new Map(), startup: new Map() };

  constructor(readonly deps: ProberDeps) {}

  /** Starts (or updates) workers for every probe of the pod's containers; stops stale ones. */
  addPod(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    const want = new Set<string>();
    for (const c of pod.spec?.containers ?? []) {
      for (const kind of ['startup', 'liveness', 'readiness'] as ProbeKind[]) {
        if (!probeOf(c, kind)) continue;
        const key = `${uid}/${c.name}/${kind}`;
        want.add(key);
        const existing = this.workers.get(key);
        if (existing) existing.update(pod, c);
        else {
          const w = new ProbeWorker(this, pod, c, kind);
          this.workers.set(key, w);
          w.start();
        }
      }
    }
    for (const [key, w] of this.workers) {
      if (key.startsWith(`${uid}/`) && !want.has(key)) {
        w.stop();
        this.workers.delete(key);
      }
    }
  }

  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (!key.startsWith(`${uid}/`)) continue;
      w.stop();
      this.workers.delete(key);
    }
  }

  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  set(kind: ProbeKind, containerId: string, value: boolean, uid: string): void {
    const prev = this.results[kind].get(containerId);
    this.results[kind].set(containerId, value);
    if (prev !== value) this.deps.onChange(uid);
  }

  clear(kind: ProbeKind, containerId: string): void {
    this.results[kind].delete(containerId);
  }

  isReady(containerId: string, c: Container): boolean {
    if (!c.readinessProbe) return true;
    return this.results.readiness.get(containerId) === true;
  }

  isStarted(containerId: string, c: Container): boolean {
    if (!c.startupProbe) return true;
    return this.results.startup.get(containerId) === true;
  }

  livenessFailed(containerId: string): boolean {
    return this.results.liveness.get(containerId) === false;
  }

  startupFailed(containerId: string): boolean {
    return this.results.startup.get(containerId) === false;
  }
}
