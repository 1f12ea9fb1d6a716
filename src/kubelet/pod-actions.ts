// The pure half of a pod sync, after upstream kuberuntime's computePodActions: from the pod's
// spec and what the runtime runs for it, decide whether to (re)create the sandbox, which init
// container runs next, which containers to start and which to kill. Performing the actions
// (and the CrashLoopBackOff check before each restart) is pod-sync.ts's job.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus } from './runtime/types.js';
import { hashContainer } from './container-hash.js';
import type { PodRuntimeState } from './runtime-state.js';
import { hashOf, isExited, isRunning, latestContainer } from './runtime-state.js';

export type KillReason = 'SpecChanged' | 'LivenessFailed' | 'StartupFailed';

export interface ContainerToKill {
  id: string;
  name: string;
  reason: KillReason;
  /** As upstream's messages: "Container x failed liveness probe, will be restarted". */
  message: string;
}

export interface PodActions {
  /** Stop every container and the sandbox. */
  killPod: boolean;
  createSandbox: boolean;
  /** The ready sandbox to use when none is created. */
  sandboxId?: string;
  /** Attempt number of the sandbox to create. */
  attempt: number;
  /** The init container to (re)start next. */
  nextInitContainer?: string;
  /** An init container failed under restartPolicy Never: the pod has failed. */
  initFailed: boolean;
  containersToStart: string[];
  containersToKill: ContainerToKill[];
}

/** Probe results the decision depends on (by runtime container id). */
export interface ProbeVerdicts {
  livenessFailed(containerId: string): boolean;
  startupFailed(containerId: string): boolean;
}

const noProbeFailures: ProbeVerdicts = { livenessFailed: () => false, startupFailed: () => false };

export function restartPolicyOf(pod: Pod): 'Always' | 'OnFailure' | 'Never' {
  const p = pod.spec?.restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

function succeeded(c: ContainerStatus | undefined): boolean {
  return isExited(c) && c!.exitCode === 0;
}

/** As upstream's ShouldContainerBeRestarted, for a container that is not running. */
export function shouldRestart(pod: Pod, latest: ContainerStatus | undefined): boolean {
  if (!latest) return true;
  if (isRunning(latest)) return false;
  // A container created but never started (kubelet died in between) is started afresh.
  if (!isExited(latest)) return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return latest.exitCode !== 0;
  return true;
}

/** As upstream's podSandboxChanged: a new sandbox when there is none ready, or several. */
function sandboxChange(state: PodRuntimeState): { create: boolean; attempt: number; id?: string } {
  const latest = state.sandboxes[0];
  if (!latest) return { create: true, attempt: 0 };
  const ready = state.sandboxes.filter((s) => s.state === 'SANDBOX_READY');
  if (ready.length > 1 || latest.state !== 'SANDBOX_READY') return { create: true, attempt: latest.metadata.attempt + 1 };
  return { create: false, attempt: latest.metadata.attempt, id: latest.id };
}

/** The init containers' progress: the next to run, whether one is running, whether one failed for good. */
function initProgress(pod: Pod, state: PodRuntimeState): { next?: Container; running: boolean; failed: boolean; done: boolean } {
  const inits = pod.spec?.initContainers ?? [];
  for (const c of inits) {
    const latest = latestContainer(state, c.name);
    if (!latest) return { next: c, running: false, failed: false, done: false };
    if (isRunning(latest)) return { running: true, failed: false, done: false };
    if (succeeded(latest)) continue;
    // Exited non-zero (or created and never started): retry unless the pod never restarts.
    if (isExited(latest) && restartPolicyOf(pod) === 'Never') return { running: false, failed: true, done: false };
    return { next: c, running: false, failed: false, done: false };
  }
  return { running: false, failed: false, done: true };
}

export function computePodActions(pod: Pod, state: PodRuntimeState, probes: ProbeVerdicts = noProbeFailures): PodActions {
  const sandbox = sandboxChange(state);
  const actions: PodActions = {
    killPod: sandbox.create,
    createSandbox: sandbox.create,
    sandboxId: sandbox.id,
    attempt: sandbox.attempt,
    initFailed: false,
    containersToStart: [],
    containersToKill: [],
  };
  const containers = pod.spec?.containers ?? [];
  const inits = pod.spec?.initContainers ?? [];

  if (sandbox.create) {
    // As upstream: a Never pod whose sandbox died after it ran is not run again.
    if (restartPolicyOf(pod) === 'Never' && sandbox.attempt !== 0 && state.containers.length > 0) {
      actions.createSandbox = false;
      return actions;
    }
    const toStart = containers.filter((c) => !(restartPolicyOf(pod) === 'OnFailure' && succeeded(latestContainer(state, c.name))));
    if (toStart.length === 0) {
      actions.createSandbox = false;
      return actions;
    }
    if (inits.length > 0) actions.nextInitContainer = inits[0]!.name;
    else actions.containersToStart = toStart.map((c) => c.name);
    return actions;
  }

  const init = initProgress(pod, state);
  if (init.failed) {
    actions.initFailed = true;
    actions.killPod = true;
    return actions;
  }
  if (!init.done) {
    if (init.next) actions.nextInitContainer = init.next.name;
    return actions;
  }

  let keep = 0;
  for (const c of containers) {
    const latest = latestContainer(state, c.name);
    if (!isRunning(latest)) {
      if (shouldRestart(pod, latest)) actions.containersToStart.push(c.name);
      continue;
    }
    const id = latest!.id;
    const restart = restartPolicyOf(pod) !== 'Never';
    let kill: ContainerToKill | undefined;
    if (hashOf(latest!) !== undefined && hashOf(latest!) !== hashContainer(c)) {
      kill = { id, name: c.name, reason: 'SpecChanged', message: `Container ${c.name} definition changed` };
    } else if (probes.livenessFailed(id)) {
      kill = { id, name: c.name, reason: 'LivenessFailed', message: `Container ${c.name} failed liveness probe` };
    } else if (probes.startupFailed(id)) {
      kill = { id, name: c.name, reason: 'StartupFailed', message: `Container ${c.name} failed startup probe` };
    }
    if (!kill) {
      keep++;
      continue;
    }
    if (restart) {
      kill.message += ', will be restarted';
      actions.containersToStart.push(c.name);
    }
    actions.containersToKill.push(kill);
  }
  // As upstream: nothing left running and nothing to start, so the sandbox goes too.
  if (keep === 0 && actions.containersToStart.length === 0) actions.killPod = true;
  return actions;
}
