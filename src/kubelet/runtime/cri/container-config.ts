// Our ContainerConfig (plus the pod's spec, when known) as the CRI's, the way upstream's
// kuberuntime generateContainerConfig and determineEffectiveSecurityContext fill it:
// entrypoint and arguments, environment, bind mounts with their propagation, the managed
// /etc/hosts, labels and annotations by which a restarted kubelet finds the container, the
// log path, cgroup resources, and the effective security context (container over pod).
import type { Container, Pod, PodSecurityContext, SecurityContext } from 'kubernetes-types/core/v1.js';
import type * as api from './api-types.js';
import type { ContainerConfig } from '../types.js';
import { containerResources, milliCPUToQuota, milliCPUToShares, QUOTA_PERIOD_US } from './container-resources.js';
import { namespaceOptions, podQosClass } from './sandbox-config.js';

/** Upstream's defaults for the Default procMount (pkg/securitycontext/util.go). */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const PROPAGATION: Record<string, api.MountPropagation> = {
  None: 'PROPAGATION_PRIVATE',
  HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

export function findContainer(pod: Pod | undefined, name: string): Container | undefined {
  return [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].find((c) => c.name === name);
}

/** The container's security context over the pod's (upstream determineEffectiveSecurityContext). */
export function containerSecurityContext(container: Container | undefined, pod: Pod | undefined): api.LinuxContainerSecurityContext {
  const psc: PodSecurityContext = pod?.spec?.securityContext ?? {};
  const sc: SecurityContext = container?.securityContext ?? {};
  const privileged = !!sc.privileged;
  const out: api.LinuxContainerSecurityContext = {
    namespaceOptions: namespaceOptions(pod, !!pod?.spec?.hostNetwork),
    privileged,
    readonlyRootfs: !!sc.readOnlyRootFilesystem,
    // As upstream: no_new_privs only when escalation is explicitly refused (and never for privileged).
    noNewPrivs: !privileged && sc.allowPrivilegeEscalation === false,
    maskedPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_MASKED_PATHS,
    readonlyPaths: privileged || sc.procMount === 'Unmasked' ? [] : DEFAULT_READONLY_PATHS,
  };
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  if (runAsUser !== undefined) out.runAsUser = { value: runAsUser };
  if (runAsGroup !== undefined) out.runAsGroup = { value: runAsGroup };
  const groups = [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])];
  if (groups.length) out.supplementalGroups = groups;
  if (sc.capabilities?.add?.length || sc.capabilities?.drop?.length) {
    out.capabilities = { addCapabilities: sc.capabilities.add ?? [], dropCapabilities: sc.capabilities.drop ?? [] };
  }
  return out;
}

export interface CriContainerConfigOptions {
  /** The kubelet-managed hosts file to mount at /etc/hosts (upstream makeHostsMount). */
  etcHostsPath?: string;
  /** The node's memory, for the Burstable OOM score. */
  memoryCapacityBytes: number;
}

export function criContainerConfig(config: ContainerConfig, pod: Pod | undefined, opts: CriContainerConfigOptions): api.ContainerConfig {
  const container = findContainer(pod, config.metadata.name);
  const mountPropagation = new Map((container?.volumeMounts ?? []).map((vm) => [vm.mountPath, vm.mountPropagation]));
  const mounts: api.Mount[] = config.mounts.map((m) => ({
    containerPath: m.containerPath,
    hostPath: m.hostPath,
    readonly: !!m.readonly,
    propagation: PROPAGATION[mountPropagation.get(m.containerPath) ?? 'None'] ?? 'PROPAGATION_PRIVATE',
  }));
  // As upstream: not when the container mounts its own /etc/hosts.
  if (opts.etcHostsPath && !mounts.some((m) => m.containerPath === '/etc/hosts')) {
    mounts.push({ containerPath: '/etc/hosts', hostPath: opts.etcHostsPath, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  }
  const qos = podQosClass(pod);
  return {
    metadata: { ...config.metadata },
    image: { image: config.image, userSpecifiedImage: config.image },
    command: config.command,
    args: config.args,
    workingDir: config.workingDir,
    envs: config.envs,
    mounts,
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    logPath: config.logPath,
    stdin: !!config.stdin,
    stdinOnce: !!config.stdinOnce,
    tty: !!config.tty,
    linux: {
      resources: container
        ? containerResources(container, qos, opts.memoryCapacityBytes)
        : limitsOnly(config.limits),
      securityContext: containerSecurityContext(container, pod),
    },
  };
}

/** Without the pod's spec (a static pod, an API error): the limits the kubelet passed. */
function limitsOnly(limits: ContainerConfig['limits']): api.LinuxContainerResources {
  const out: api.LinuxContainerResources = { cpuShares: milliCPUToShares(limits?.milliCpu ?? 0) };
  if (limits?.milliCpu) {
    out.cpuPeriod = QUOTA_PERIOD_US;
    out.cpuQuota = milliCPUToQuota(limits.milliCpu);
  }
  if (limits?.memoryBytes) out.memoryLimitInBytes = limits.memoryBytes;
  return out;
}
