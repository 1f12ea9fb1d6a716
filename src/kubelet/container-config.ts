// The runtime configs of a pod's sandbox and containers (upstream kuberuntime's
// generatePodSandboxConfig and generateContainerConfig): metadata, the labels by which the
// kubelet finds them again, annotations carrying what a restarted kubelet must know (spec
// hash, restart count, grace period), environment, expanded command, and mounts.
import path from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../api/quantity.js';
import type { ContainerConfig, Mount, PodSandboxConfig } from './runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './runtime/types.js';
import { ANNOTATION_CONTAINER_HASH, ANNOTATION_CONTAINER_RESTART_COUNT, ANNOTATION_CONTAINER_TYPE, ANNOTATION_POD_TERMINATION_GRACE, DEFAULT_TERMINATION_GRACE_SECONDS } from './constants.js';
import { hashContainer } from './container-hash.js';
import type { EnvContext, PodSources } from './container-env.js';
import { expandCommand, makeEnvironment } from './container-env.js';
import { expand, mappingFor } from './expansion.js';
import type { MountedVolume } from './volumes/volume-manager.js';
import { VolumeError } from './volumes/volume-error.js';

export interface SandboxContext {
  /** Directory of the pod's container logs. */
  logRoot: string;
  /** Cluster DNS servers (none: the host's resolv.conf applies). */
  clusterDNS?: string[];
  clusterDomain?: string;
}

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata?.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata?.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata?.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata?.uid ?? '',
  };
}

/** Upstream's pod log directory: <root>/<namespace>_<name>_<uid>. */
export function podLogDirectory(pod: Pod, logRoot: string): string {
  return path.join(logRoot, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
}

export function sandboxConfig(pod: Pod, attempt: number, ctx: SandboxContext): PodSandboxConfig {
  const ns = pod.metadata?.namespace ?? 'default';
  const domain = ctx.clusterDomain ?? 'cluster.local';
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const useCluster = ctx.clusterDNS?.length && (policy === 'ClusterFirst' ? !pod.spec?.hostNetwork : policy === 'ClusterFirstWithHostNet');
  const dnsConfig = useCluster
    ? { servers: ctx.clusterDNS!, searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain], options: ['ndots:5'] }
    : undefined;
  return {
    metadata: { name: pod.metadata?.name ?? '', namespace: ns, uid: pod.metadata?.uid ?? '', attempt },
    hostname: pod.spec?.hostname ?? pod.metadata?.name,
    logDirectory: podLogDirectory(pod, ctx.logRoot),
    dnsConfig,
    portMappings: (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({
      protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP,
    }))),
    labels: podLabels(pod),
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    hostNetwork: !!pod.spec?.hostNetwork,
  };
}

export function terminationGraceSeconds(pod: Pod): number {
  return pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
}

/** The mounts of a container: each volumeMount at its volume's host path (plus subPath). */
export function containerMounts(container: Container, volumes: Map<string, MountedVolume>, env: { key: string; value: string }[]): Mount[] {
  const mapping = mappingFor(new Map(env.map((e) => [e.key, e.value])));
  return (container.volumeMounts ?? []).map((vm) => {
    const vol = volumes.get(vm.name);
    if (!vol) throw new VolumeError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    const sub = vm.subPathExpr ? expand(vm.subPathExpr, mapping) : vm.subPath;
    if (sub && (path.isAbsolute(sub) || sub.split('/').includes('..'))) throw new VolumeError(`invalid subpath "${sub}"`);
    return { containerPath: vm.mountPath, hostPath: sub ? path.join(vol.hostPath, sub) : vol.hostPath, readonly: !!vm.readOnly || vol.readOnly };
  });
}

function limitsOf(container: Container): ContainerConfig['limits'] {
  const l = container.resources?.limits;
  if (!l) return undefined;
  const out: NonNullable<ContainerConfig['limits']> = {};
  if (l.memory) out.memoryBytes = Quantity.parse(l.memory).value();
  if (l.cpu) out.milliCpu = Quantity.parse(l.cpu).milliValue();
  return out;
}

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  kind: 'init' | 'regular';
  restartCount: number;
  volumes: Map<string, MountedVolume>;
  sources: PodSources;
  env: EnvContext;
}

/** Throws ContainerConfigError (missing ConfigMap/Secret/key) or VolumeError (bad mount). */
export function containerConfig(input: ContainerConfigInput): ContainerConfig {
  const { pod, container, restartCount } = input;
  const envs = makeEnvironment(pod, container, input.sources, input.env);
  const { command, args } = expandCommand(container, envs);
  return {
    metadata: { name: container.name, attempt: restartCount },
    image: container.image ?? '',
    command,
    args,
    workingDir: container.workingDir,
    envs,
    mounts: containerMounts(container, input.volumes, envs),
    logPath: path.join(container.name, `${restartCount}.log`),
    stdin: !!container.stdin,
    stdinOnce: !!container.stdinOnce,
    tty: !!container.tty,
    labels: {
      [LABEL_POD_NAME]: pod.metadata?.name ?? '',
      [LABEL_POD_NAMESPACE]: pod.metadata?.namespace ?? '',
      [LABEL_POD_UID]: pod.metadata?.uid ?? '',
      [LABEL_CONTAINER_NAME]: container.name,
    },
    annotations: {
      [ANNOTATION_CONTAINER_HASH]: hashContainer(container),
      [ANNOTATION_CONTAINER_RESTART_COUNT]: String(restartCount),
      [ANNOTATION_POD_TERMINATION_GRACE]: String(terminationGraceSeconds(pod)),
      [ANNOTATION_CONTAINER_TYPE]: input.kind,
    },
    limits: limitsOf(container),
  };
}
