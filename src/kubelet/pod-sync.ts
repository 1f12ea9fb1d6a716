// The performing half of a pod sync, after upstream kuberuntime's SyncPod and KillPod: set up
// volumes, compute the actions (pod-actions.ts), then kill, create the sandbox, start the next
// init container and the containers, one step at a time, recording events and why a container
// waits (CrashLoopBackOff, CreateContainerConfigError, …); finally write the pod's status.
// A pod being deleted is killed (preStop, SIGTERM, SIGKILL after the grace period) and then
// deleted from the API with grace 0.
import { mkdir } from './fs-async.js';
import path from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.js';
import type { EventRecorder, EventType, ObjectReference } from '../client/event-recorder.js';
import type { Logger } from '../logger.js';
import type { ContainerRuntime, ContainerStatus, PodSandboxConfig } from './runtime/types.js';
import { ANNOTATION_POD_TERMINATION_GRACE, MINIMUM_GRACE_SECONDS } from './constants.js';
import { hashContainer } from './container-hash.js';
import type { EnvContext, PodSources } from './container-env.js';
import { ContainerConfigError } from './container-env.js';
import type { SandboxContext } from './container-config.js';
import { containerConfig, sandboxConfig, terminationGraceSeconds } from './container-config.js';
import type { CrashLoopBackoff } from './crash-loop-backoff.js';
import { FieldRefError } from './field-ref.js';
import { goDuration } from './go-duration.js';
import { runLifecycleHandler } from './lifecycle-hooks.js';
import { computePodActions } from './pod-actions.js';
import { formatPod } from './pod-format.js';
import type { ImageManager } from './images/image-manager.js';
import type { WaitingReason } from './pod-status.js';
import { generatePodStatus } from './pod-status.js';
import type { ProberManager } from './prober/prober-manager.js';
import type { PodRuntimeState } from './runtime-state.js';
import { containerName, containersNamed, isExited, isRunning, latestContainer, readRuntimeState, restartCountOf } from './runtime-state.js';
import type { StatusManager, StatusTarget } from './status-manager.js';
import type { MountedVolume, VolumeManager } from './volumes/volume-manager.js';
import { VolumeMountError } from './volumes/volume-manager.js';
import { VolumeError } from './volumes/volume-error.js';

export interface PodSyncDeps {
  runtime: ContainerRuntime;
  runtimeName: () => string;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  volumes: VolumeManager;
  prober: ProberManager;
  status: StatusManager;
  backoff: CrashLoopBackoff;
  sources: PodSources;
  nodeName: string;
  hostIP: () => string;
  nodeAllocatable: () => Record<string, string>;
  sandbox: SandboxContext;
  probeHost(pod: Pod): string;
  /** Schedules another sync of the pod. */
  syncAfter(uid: string, ms: number): void;
  /** Where the pod's status goes (the pod itself, or a static pod's mirror); none: not written. */
  statusTarget(pod: Pod): StatusTarget | undefined;
  /** Whether the pod lives in the API (static pods do not, so are not deleted there). */
  isApiPod(pod: Pod): boolean;
  /** Told of each runtime state read back after a sync (keeps the probers' view fresh). */
  observe?(state: PodRuntimeState): void;
  /** Makes images present per imagePullPolicy; without it every image counts as present. */
  images?: ImageManager;
}

/** Retry period for volumes that could not be set up and container configs that failed. */
const RETRY_MS = 2000;

export class PodSyncer {
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();

  constructor(private readonly deps: PodSyncDeps) {}

  private waitingOf(uid: string): Map<string, WaitingReason> {
    let m = this.waiting.get(uid);
    if (!m) this.waiting.set(uid, (m = new Map()));
    return m;
  }

  private event(pod: Pod, type: EventType, reason: string, message: string, container?: { name: string; init?: boolean }): void {
    const ref: ObjectReference = {
      kind: 'Pod', apiVersion: 'v1', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid,
      ...(container ? { fieldPath: `spec.${container.init ? 'initContainers' : 'containers'}{${container.name}}` } : {}),
    };
    this.deps.recorder.event(ref, type, reason, message);
  }

  /** Drives the runtime towards `pod` (not being deleted) and writes its status. */
  async syncPod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    let state = await readRuntimeState(this.deps.runtime, uid);
    if (pod.metadata?.deletionTimestamp) return this.terminatePod(pod, state);
    const phase = this.deps.status.statusOf(uid)?.phase ?? pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // A finished pod runs nothing more; make sure of it and keep its status.
      this.deps.prober.removePod(uid);
      await this.killPod(pod, state, terminationGraceSeconds(pod));
      this.waiting.delete(uid);
      await this.writeStatus(pod, await readRuntimeState(this.deps.runtime, uid), false);
      return;
    }
    this.deps.prober.addPod(pod);

    let volumes: Map<string, MountedVolume>;
    try {
      volumes = await this.deps.volumes.mountPod(pod);
    } catch (err) {
      if (!(err instanceof VolumeMountError)) throw err;
      this.event(pod, 'Warning', 'FailedMount', err.message);
      await this.writeStatus(pod, state, false);
      this.deps.syncAfter(uid, RETRY_MS);
      return;
    }

    const actions = computePodActions(pod, state, this.deps.prober);
    if (actions.killPod) {
      await this.killPod(pod, state, terminationGraceSeconds(pod));
      state = await readRuntimeState(this.deps.runtime, uid);
    } else {
      for (const k of actions.containersToKill) {
        const spec = pod.spec?.containers?.find((c) => c.name === k.name);
        const status = state.containers.find((c) => c.id === k.id)!;
        await this.killContainer(pod, spec, status, this.killGrace(pod, spec, k.reason), k.message);
      }
    }

    let sandboxId = actions.sandboxId;
    let sbConfig: PodSandboxConfig;
    if (actions.createSandbox) {
      sbConfig = sandboxConfig(pod, actions.attempt, this.deps.sandbox);
      try {
        sandboxId = await this.deps.runtime.runPodSandbox(sbConfig);
      } catch (err) {
        const msg = `Failed to create pod sandbox: ${err instanceof Error ? err.message : String(err)}`;
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', msg);
        await this.writeStatus(pod, state, false);
        this.deps.syncAfter(uid, RETRY_MS);
        return;
      }
      state = await readRuntimeState(this.deps.runtime, uid);
    } else {
      sbConfig = sandboxConfig(pod, actions.attempt, this.deps.sandbox);
    }

    if (sandboxId) {
      const podIP = state.sandboxes.find((s) => s.id === sandboxId)?.ip;
      const envCtx: EnvContext = {
        facts: { podIP, podIPs: podIP ? [podIP] : undefined, hostIP: this.deps.hostIP(), hostIPs: [this.deps.hostIP()], nodeName: this.deps.nodeName },
        nodeAllocatable: this.deps.nodeAllocatable(),
      };
      const init = actions.nextInitContainer ? pod.spec?.initContainers?.find((c) => c.name === actions.nextInitContainer) : undefined;
      if (init) await this.startContainer(pod, init, 'init', sandboxId, sbConfig, state, volumes, envCtx);
      for (const name of actions.containersToStart) {
        const c = pod.spec!.containers.find((x) => x.name === name)!;
        await this.startContainer(pod, c, 'regular', sandboxId, sbConfig, state, volumes, envCtx);
      }
    }
    state = await readRuntimeState(this.deps.runtime, uid);
    await this.writeStatus(pod, state, false);
  }

  /** Kills a pod being deleted, writes its final status and completes the deletion. */
  async terminatePod(pod: Pod, state: PodRuntimeState): Promise<void> {
    const uid = pod.metadata!.uid!;
    this.deps.prober.removePod(uid);
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? terminationGraceSeconds(pod);
    await this.killPod(pod, state, grace);
    this.waiting.delete(uid);
    await this.writeStatus(pod, await readRuntimeState(this.deps.runtime, uid), true);
    await this.deps.volumes.cleanUp(uid);
    if (this.deps.isApiPod(pod)) await this.deps.status.deletePod(pod);
  }

  /** Removes everything of a pod that is no longer wanted here (deleted, or orphaned). */
  async cleanUpPod(uid: string): Promise<void> {
    const state = await readRuntimeState(this.deps.runtime, uid);
    this.deps.prober.removePod(uid);
    await this.killPod(undefined, state, 0);
    for (const c of state.containers) await this.deps.runtime.removeContainer(c.id).catch(() => undefined);
    for (const s of state.sandboxes) await this.deps.runtime.removePodSandbox(s.id).catch(() => undefined);
    await this.deps.volumes.removePodDir(uid);
    this.deps.backoff.forget(`${uid}/`);
    this.deps.images?.forgetPod(uid);
    this.deps.status.forget(uid);
    this.waiting.delete(uid);
  }

  async writeStatus(pod: Pod, state: PodRuntimeState, terminal: boolean): Promise<void> {
    this.deps.observe?.(state);
    const target = this.deps.statusTarget(pod);
    const status = generatePodStatus({
      pod: target?.current ? { ...pod, status: target.current } : pod,
      state,
      now: this.deps.clock.now(),
      runtimeName: this.deps.runtimeName(),
      hostIP: this.deps.hostIP(),
      waiting: this.waiting.get(pod.metadata!.uid!),
      isReady: (id, c) => this.deps.prober.isReady(id, c),
      isStarted: (id, c) => this.deps.prober.isStarted(id, c),
      terminal,
    });
    if (target) await this.deps.status.setStatus(target, status, pod.metadata!.uid!);
  }

  private killGrace(pod: Pod, spec: Container | undefined, reason: string): number {
    // As upstream: a probe's own terminationGracePeriodSeconds wins for probe-triggered kills.
    const probeGrace = reason === 'LivenessFailed' ? spec?.livenessProbe?.terminationGracePeriodSeconds : reason === 'StartupFailed' ? spec?.startupProbe?.terminationGracePeriodSeconds : undefined;
    return probeGrace ?? terminationGraceSeconds(pod);
  }

  /** Stops every running container (in parallel, each with its preStop) and the sandboxes. */
  private async killPod(pod: Pod | undefined, state: PodRuntimeState, graceSeconds: number): Promise<void> {
    const running = state.containers.filter((c) => isRunning(c) || c.state === 'CONTAINER_CREATED');
    await Promise.all(running.map((c) => {
      const name = containerName(c);
      const spec = pod ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === name) : undefined;
      const grace = pod ? graceSeconds : Number(c.annotations[ANNOTATION_POD_TERMINATION_GRACE] ?? graceSeconds);
      return this.killContainer(pod, spec, c, grace);
    }));
    for (const s of state.sandboxes) {
      if (s.state === 'SANDBOX_READY') await this.deps.runtime.stopPodSandbox(s.id);
    }
  }

  private async killContainer(pod: Pod | undefined, spec: Container | undefined, c: ContainerStatus, graceSeconds: number, message?: string): Promise<void> {
    const name = containerName(c);
    if (pod) this.event(pod, 'Normal', 'Killing', message ?? `Stopping container ${name}`, { name });
    let grace = graceSeconds;
    const preStop = spec?.lifecycle?.preStop;
    if (pod && preStop && isRunning(c)) {
      const started = this.deps.clock.now();
      try {
        await runLifecycleHandler(preStop, pod, spec!, c.id, { runtime: this.deps.runtime, clock: this.deps.clock, host: this.deps.probeHost(pod), timeoutSeconds: Math.max(grace, 1) });
      } catch (err) {
        this.event(pod, 'Warning', 'FailedPreStopHook', err instanceof Error ? err.message : String(err), { name });
      }
      grace -= Math.floor((this.deps.clock.now() - started) / 1000);
    }
    // As upstream's minimumGracePeriodInSeconds.
    grace = Math.max(grace, MINIMUM_GRACE_SECONDS);
    await this.deps.runtime.stopContainer(c.id, grace);
  }

  private async startContainer(pod: Pod, c: Container, kind: 'init' | 'regular', sandboxId: string, sbConfig: PodSandboxConfig, state: PodRuntimeState, volumes: Map<string, MountedVolume>, envCtx: EnvContext): Promise<void> {
    const uid = pod.metadata!.uid!;
    const waiting = this.waitingOf(uid);
    const ref = { name: c.name, init: kind === 'init' };
    const prev = latestContainer(state, c.name);
    const restartCount = prev ? restartCountOf(prev) + 1 : 0;
    if (prev && isExited(prev)) {
      const key = `${uid}/${c.name}/${hashContainer(c)}`;
      const finishedAt = prev.finishedAt ?? prev.createdAt;
      if (this.deps.backoff.isInBackOffSince(key, finishedAt)) {
        const backoffMs = this.deps.backoff.get(key);
        waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(backoffMs)} restarting failed container=${c.name} pod=${formatPod(pod)}` });
        this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`, ref);
        this.deps.syncAfter(uid, finishedAt + backoffMs - this.deps.clock.now());
        return;
      }
      this.deps.backoff.next(key, finishedAt);
    }

    // As upstream's startContainer, step 1: the image, per imagePullPolicy.
    const imageEvent = (type: EventType, reason: string, message: string) => this.event(pod, type, reason, message, ref);
    if (this.deps.images) {
      const image = await this.deps.images.ensureImageExists(pod, c, imageEvent);
      if (!image.ok) {
        waiting.set(c.name, { reason: image.reason, message: image.message });
        this.event(pod, 'Warning', 'Failed', `Error: ${image.reason}`, ref);
        this.deps.syncAfter(uid, image.retryAfterMs);
        return;
      }
    } else {
      imageEvent('Normal', 'Pulled', `Container image "${c.image ?? ''}" already present on machine`);
    }

    let config;
    try {
      config = containerConfig({ pod, container: c, kind, restartCount, volumes, sources: this.deps.sources, env: envCtx });
    } catch (err) {
      if (!(err instanceof ContainerConfigError || err instanceof FieldRefError || err instanceof VolumeError)) throw err;
      waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
      this.event(pod, 'Warning', 'Failed', `Error: ${err.message}`, ref);
      this.deps.syncAfter(uid, RETRY_MS);
      return;
    }

    // As upstream: a subPath that does not exist yet is created inside its volume (a volume's
    // own directory exists once it is set up).
    const volumeRoot = path.join(this.deps.volumes.podDir(uid), 'volumes');
    const volumeDirs = new Set([...volumes.values()].map((v) => v.hostPath));
    for (const m of config.mounts) {
      if (m.hostPath.startsWith(`${volumeRoot}/`) && !volumeDirs.has(m.hostPath)) await mkdir(m.hostPath, { recursive: true }).catch(() => undefined);
    }

    let id: string;
    try {
      id = await this.deps.runtime.createContainer(sandboxId, config, sbConfig);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      waiting.set(c.name, { reason: 'CreateContainerError', message: msg });
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`, ref);
      this.deps.syncAfter(uid, RETRY_MS);
      return;
    }
    this.event(pod, 'Normal', 'Created', `Created container ${c.name}`, ref);
    try {
      await this.deps.runtime.startContainer(id);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      waiting.set(c.name, { reason: 'RunContainerError', message: msg });
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`, ref);
      this.deps.syncAfter(uid, RETRY_MS);
      return;
    }
    this.event(pod, 'Normal', 'Started', `Started container ${c.name}`, ref);
    waiting.delete(c.name);

    // As upstream's container GC: keep the newest exited container per name (for lastState).
    const exited = containersNamed(state, c.name).filter(isExited);
    for (const old of exited.slice(1)) await this.deps.runtime.removeContainer(old.id).catch(() => undefined);

    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      try {
        await runLifecycleHandler(postStart, pod, c, id, { runtime: this.deps.runtime, clock: this.deps.clock, host: this.deps.probeHost(pod), timeoutSeconds: terminationGraceSeconds(pod) });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        this.event(pod, 'Warning', 'FailedPostStartHook', msg, ref);
        const status = await this.deps.runtime.containerStatus(id);
        if (status) await this.killContainer(pod, c, status, terminationGraceSeconds(pod), `FailedPostStartHook`);
      }
    }
  }
}
