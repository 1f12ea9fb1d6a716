// The pure half of the status manager, after upstream's generateAPIPodStatus, getPhase and
// convertToAPIContainerStatuses: a pod's status from its spec, what the runtime runs, the
// probe results and the reasons containers are waiting (CrashLoopBackOff, …). Fields the
// kubelet does not own (PodScheduled and other conditions, qosClass, nominatedNodeName) are
// kept from the previous status; each condition keeps its lastTransitionTime until it flips.
import type { Container, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { metaTime } from '../client/event-correlator.js';
import type { ContainerStatus } from './runtime/types.js';
import type { PodRuntimeState } from './runtime-state.js';
import { containersNamed, isExited, isRunning, restartCountOf } from './runtime-state.js';
import { restartPolicyOf } from './pod-actions.js';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface StatusInputs {
  pod: Pod;
  state: PodRuntimeState;
  now: number;
  /** e.g. "process": container ids are "<runtimeName>://<id>". */
  runtimeName: string;
  hostIP: string;
  /** Why a container is waiting (by container name), e.g. CrashLoopBackOff. */
  waiting?: Map<string, WaitingReason>;
  /** Readiness and startup results by runtime container id. */
  isReady?: (containerId: string, container: Container) => boolean;
  isStarted?: (containerId: string, container: Container) => boolean;
  /** The pod is being (or has been) killed for good: its phase must become terminal. */
  terminal?: boolean;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

function terminatedOf(c: ContainerStatus, runtimeName: string): NonNullable<ApiContainerStatus['state']>['terminated'] {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
    ...(c.message ? { message: c.message } : {}),
    startedAt: c.startedAt !== undefined ? metaTime(c.startedAt) : undefined,
    finishedAt: c.finishedAt !== undefined ? metaTime(c.finishedAt) : undefined,
    containerID: `${runtimeName}://${c.id}`,
  };
}

function containerStatusFor(spec: Container, inputs: StatusInputs, defaultWaiting: string): ApiContainerStatus {
  const all = containersNamed(inputs.state, spec.name);
  const latest = all[0];
  const previous = all[1];
  const waitingReason = inputs.waiting?.get(spec.name);
  const base: ApiContainerStatus = { name: spec.name, image: spec.image ?? '', imageID: '', ready: false, restartCount: 0, started: false };
  if (!latest) {
    return { ...base, state: { waiting: waitingReason ?? { reason: defaultWaiting } }, lastState: {} };
  }
  const id = `${inputs.runtimeName}://${latest.id}`;
  const s: ApiContainerStatus = { ...base, imageID: latest.imageRef, containerID: id, restartCount: restartCountOf(latest) };
  const lastState = previous && isExited(previous) ? { terminated: terminatedOf(previous, inputs.runtimeName) } : {};
  if (isRunning(latest)) {
    const started = inputs.isStarted ? inputs.isStarted(latest.id, spec) : true;
    const ready = started && (inputs.isReady ? inputs.isReady(latest.id, spec) : true);
    return { ...s, started, ready, state: { running: { startedAt: metaTime(latest.startedAt ?? latest.createdAt) } }, lastState };
  }
  if (isExited(latest)) {
    const terminated = { terminated: terminatedOf(latest, inputs.runtimeName) };
    // As upstream: a container waiting to be restarted shows Waiting, its last run as lastState.
    if (waitingReason) return { ...s, state: { waiting: waitingReason }, lastState: terminated };
    return { ...s, state: terminated, lastState };
  }
  return { ...s, state: { waiting: waitingReason ?? { reason: 'ContainerCreating' } }, lastState };
}

function isTerminated(s: ApiContainerStatus): boolean {
  return !!s.state?.terminated;
}

function succeededStatus(s: ApiContainerStatus): boolean {
  return s.state?.terminated?.exitCode === 0;
}

/** As upstream's getPhase. */
export function computePhase(pod: Pod, init: ApiContainerStatus[], regular: ApiContainerStatus[], terminal: boolean): PodStatus['phase'] {
  const policy = restartPolicyOf(pod);
  let pendingInit = false;
  for (const s of init) {
    if (succeededStatus(s)) continue;
    if (isTerminated(s) || s.lastState?.terminated) {
      // A failed init container fails the pod under Never; otherwise it is retried.
      if (policy === 'Never' && (s.state?.terminated?.exitCode ?? 0) !== 0) return 'Failed';
    }
    pendingInit = true;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of regular) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (pendingInit && !terminal) return 'Pending';
  if (waiting > 0 && !terminal) return 'Pending';
  if (running > 0 && !terminal) return 'Running';
  if (running === 0 && stopped > 0) {
    if (policy === 'Always' && !terminal) return 'Running';
    if (stopped === succeeded && stopped === regular.length) return 'Succeeded';
    if (policy === 'OnFailure' && !terminal) return 'Running';
    return 'Failed';
  }
  if (terminal) return regular.length > 0 && regular.every(succeededStatus) ? 'Succeeded' : 'Failed';
  return 'Pending';
}

function condition(type: string, ok: boolean, at: string, old: PodCondition[] | undefined, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : at;
  return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

export function generatePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, state } = inputs;
  const old = pod.status ?? {};
  const at = metaTime(inputs.now);
  const inits = pod.spec?.initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatusFor(c, inputs, 'PodInitializing'));
  const initDone = initStatuses.every(succeededStatus);
  const regular = (pod.spec?.containers ?? []).map((c) => containerStatusFor(c, inputs, initDone ? 'ContainerCreating' : 'PodInitializing'));
  const oldPhase = old.phase;
  const phase = oldPhase === 'Succeeded' || oldPhase === 'Failed' ? oldPhase : computePhase(pod, initStatuses, regular, !!inputs.terminal);

  const sandbox = state.sandboxes[0];
  const sandboxReady = sandbox?.state === 'SANDBOX_READY';
  const podIP = (sandboxReady ? sandbox!.ip : undefined) ?? old.podIP;

  const oldConds = old.conditions;
  const completed = phase === 'Succeeded';
  const unready = regular.filter((s) => !s.ready).map((s) => s.name);
  const incompleteInit = initStatuses.filter((s) => !succeededStatus(s)).map((s) => s.name);
  const initCond = incompleteInit.length === 0 || completed
    ? condition('Initialized', true, at, oldConds, completed && incompleteInit.length === 0 && inits.length > 0 ? 'PodCompleted' : undefined)
    : condition('Initialized', false, at, oldConds, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`);
  const readyCond = (type: string) => {
    if (completed) return condition(type, false, at, oldConds, 'PodCompleted');
    if (unready.length === 0 && regular.length > 0) return condition(type, true, at, oldConds);
    return condition(type, false, at, oldConds, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`);
  };
  // Readiness gates: Ready also needs every gate's condition True.
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const missingGates = gates.filter((g) => oldConds?.find((c) => c.type === g)?.status !== 'True');
  let ready = readyCond('Ready');
  if (ready.status === 'True' && missingGates.length) {
    ready = condition('Ready', false, at, oldConds, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${missingGates[0]}" does not exist.`);
  }
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', sandboxReady && !inputs.terminal, at, oldConds),
    initCond,
    ready,
    readyCond('ContainersReady'),
    ...(oldConds ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type)),
  ];

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: old.startTime ?? at,
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: regular,
    ...(old.qosClass ? { qosClass: old.qosClass } : {}),
    ...(old.nominatedNodeName ? { nominatedNodeName: old.nominatedNodeName } : {}),
    ...(old.message && phase === old.phase ? { message: old.message } : {}),
    ...(old.reason && phase === old.phase ? { reason: old.reason } : {}),
  };
  return status;
}
