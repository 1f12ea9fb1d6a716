// Our PodSandboxConfig (and the Pod, when the kubelet can tell us) as the CRI's, the way
// upstream's kuberuntime generatePodSandboxConfig fills it: hostname (not for hostNetwork),
// log directory, DNS, port mappings, and the Linux part — cgroup parent by QoS class,
// namespace options, pod-level security context and sysctls.
import type { Pod, PodSecurityContext } from 'kubernetes-types/core/v1.js';
import type * as api from './api-types.js';
import type { PodSandboxConfig } from '../types.js';

/** Our pods' cgroups live under <root>/kubepods[/burstable|/besteffort]/pod<uid> (cgroupfs), as upstream's. */
export const DEFAULT_CGROUP_ROOT = '/coxswain';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** The pod's QoS class as the API server recorded it (Burstable when unknown). */
export function podQosClass(pod: Pod | undefined): QosClass {
  const q = pod?.status?.qosClass;
  return q === 'Guaranteed' || q === 'BestEffort' ? q : 'Burstable';
}

/** Upstream's cgroupfs layout: Guaranteed pods directly under kubepods. */
export function podCgroupParent(cgroupRoot: string, uid: string, qos: QosClass): string {
  const tier = qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`;
  return `${cgroupRoot.replace(/\/$/, '')}/kubepods${tier}/pod${uid}`;
}

/** Namespaces as upstream's namespacesForPod: host ones on request, else the pod's (PID per container unless shared). */
export function namespaceOptions(pod: Pod | undefined, hostNetwork: boolean): api.NamespaceOption {
  return {
    network: hostNetwork ? 'NODE' : 'POD',
    pid: pod?.spec?.hostPID ? 'NODE' : pod?.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: pod?.spec?.hostIPC ? 'NODE' : 'POD',
  };
}

/**
 * The DNS config for the sandbox: the kubelet's (cluster DNS) with the pod's own dnsConfig
 * appended, or only the pod's for dnsPolicy None (upstream's dns.Configurer.GetPodDNS).
 */
export function sandboxDnsConfig(config: PodSandboxConfig, pod: Pod | undefined): api.DNSConfig | undefined {
  const own = pod?.spec?.dnsConfig;
  const base = pod?.spec?.dnsPolicy === 'None' ? { servers: [], searches: [], options: [] } : config.dnsConfig;
  if (!own) return base;
  const merged = {
    servers: [...(base?.servers ?? []), ...(own.nameservers ?? [])],
    searches: [...(base?.searches ?? []), ...(own.searches ?? [])],
    options: [...(base?.options ?? [])],
  };
  for (const o of own.options ?? []) {
    const text = o.value !== undefined ? `${o.name}:${o.value}` : o.name ?? '';
    const key = text.split(':')[0];
    // A pod option overrides the kubelet's of the same name (ndots:2 over ndots:5).
    merged.options = merged.options.filter((x) => x.split(':')[0] !== key);
    if (text) merged.options.push(text);
  }
  return merged;
}

function sandboxSecurityContext(pod: Pod | undefined, hostNetwork: boolean): api.LinuxSandboxSecurityContext {
  const sc: PodSecurityContext = pod?.spec?.securityContext ?? {};
  const out: api.LinuxSandboxSecurityContext = { namespaceOptions: namespaceOptions(pod, hostNetwork) };
  if (sc.runAsUser !== undefined) out.runAsUser = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out.runAsGroup = { value: sc.runAsGroup };
  const groups = [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])];
  if (groups.length) out.supplementalGroups = groups;
  // As upstream: the sandbox is privileged when any container is.
  if ([...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].some((c) => c.securityContext?.privileged)) out.privileged = true;
  return out;
}

export interface SandboxConfigOptions {
  cgroupRoot: string;
}

export function criSandboxConfig(config: PodSandboxConfig, pod: Pod | undefined, opts: SandboxConfigOptions): api.PodSandboxConfig {
  const hostNetwork = !!config.hostNetwork;
  const sysctls: Record<string, string> = {};
  for (const s of pod?.spec?.securityContext?.sysctls ?? []) sysctls[s.name] = s.value;
  return {
    metadata: { ...config.metadata },
    // Host-network pods keep the node's hostname (upstream sets none for them).
    hostname: hostNetwork ? undefined : config.hostname,
    logDirectory: config.logDirectory,
    dnsConfig: sandboxDnsConfig(config, pod),
    portMappings: (config.portMappings ?? []).map((p) => ({
      protocol: (p.protocol?.toUpperCase() ?? 'TCP') as api.Protocol,
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      hostIp: p.hostIp,
    })),
    labels: { ...config.labels },
    annotations: { ...config.annotations },
    linux: {
      cgroupParent: podCgroupParent(opts.cgroupRoot, config.metadata.uid, podQosClass(pod)),
      securityContext: sandboxSecurityContext(pod, hostNetwork),
      sysctls,
    },
  };
}
