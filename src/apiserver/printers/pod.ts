// Pods: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES, with the STATUS
// and RESTARTS logic of upstream printPod (Kubernetes 1.30).
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { age, humanDuration, timestampMs } from './time.js';
import type { KindPrinter, KubeObject, RowCondition } from './types.js';

/** node.NodeUnreachablePodReason: the node controller's reason for pods on a lost node. */
const NODE_LOST = 'NodeLost';

interface ContainerState {
  waiting?: { reason?: string };
  running?: Record<string, unknown>;
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

/** A sidecar: an init container with restartPolicy Always (podutil.IsRestartableInitContainer). */
function isRestartable(c: { restartPolicy?: string } | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(pod: KubeObject, type: string): boolean {
  const conds: { type?: string; status?: string }[] = pod.status?.conditions ?? [];
  return conds.some((c) => c.type === type && c.status === 'True');
}

/** isPodInitializedConditionTrue looks at the first Initialized condition only. */
function initializedTrue(pod: KubeObject): boolean {
  const conds: { type?: string; status?: string }[] = pod.status?.conditions ?? [];
  const c = conds.find((x) => x.type === 'Initialized');
  return c?.status === 'True';
}

function laterOf(current: number, finishedAt: string | undefined): number {
  const ms = timestampMs(finishedAt);
  return ms !== undefined && ms > current ? ms : current;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS of a pod, as upstream printPod computes them. */
export function podSummary(pod: KubeObject, now: number): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initContainers: { name?: string; restartPolicy?: string }[] = spec.initContainers ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  // A pod held by scheduling gates shows SchedulingGated (PodScheduled condition's reason).
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initByName = new Map(initContainers.map((c) => [c.name, c]));
  for (const c of initContainers) if (isRestartable(c)) totalContainers++;

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const restartable = isRestartable(initByName.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestart = laterOf(lastRestart, cs.lastState?.terminated?.finishedAt);
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = laterOf(lastRestartableInitRestart, cs.lastState?.terminated?.finishedAt);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialization failed.
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedTrue(pod)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = laterOf(lastRestart, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  // As in 1.30: any pod being deleted shows Terminating (Unknown when its node was lost).
  if (pod.metadata?.deletionTimestamp && status.reason === NODE_LOST) reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp) reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartsText = `${restarts} (${humanDuration(now - lastRestart)} ago)`;

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

/** The -o wide cells: IP, NODE, NOMINATED NODE, READINESS GATES. */
function podWideCells(pod: KubeObject): string[] {
  const status = pod.status ?? {};
  // The internal pod's PodIPs come from podIPs, or from podIP when only that is set.
  const podIP: string = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const nodeName: string = pod.spec?.nodeName || '<none>';
  const nominated: string = status.nominatedNodeName || '<none>';
  let gates = '<none>';
  const readinessGates: { conditionType?: string }[] = pod.spec?.readinessGates ?? [];
  if (readinessGates.length > 0) {
    const conds: { type?: string; status?: string }[] = status.conditions ?? [];
    let trueCount = 0;
    for (const g of readinessGates) {
      const c = conds.find((x) => x.type === g.conditionType);
      if (c?.status === 'True') trueCount++;
    }
    gates = `${trueCount}/${readinessGates.length}`;
  }
  return [podIP, nodeName, nominated, gates];
}

function podConditions(pod: KubeObject): RowCondition[] | undefined {
  switch (pod.status?.phase) {
    case 'Succeeded':
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

export const podPrinter: KindPrinter = definePrinter(
  [
    nameCol,
    str('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    str('Status', 'The aggregate status of the containers in this pod.'),
    str('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageCol,
    str('IP', ['core.v1.PodStatus', 'podIP'], 1),
    str('Node', ['core.v1.PodSpec', 'nodeName'], 1),
    str('Nominated Node', ['core.v1.PodStatus', 'nominatedNodeName'], 1),
    str('Readiness Gates', ['core.v1.PodSpec', 'readinessGates'], 1),
  ],
  (pod, now) => {
    const s = podSummary(pod, now);
    return [pod.metadata?.name, s.ready, s.status, s.restarts, age(pod, now), ...podWideCells(pod)];
  },
  podConditions,
);
