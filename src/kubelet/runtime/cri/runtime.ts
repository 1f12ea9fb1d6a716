// The `cri` runtime: the kubelet's ContainerRuntime over a CRI runtime (containerd) via gRPC,
// mapping each call the way upstream's kuberuntime does. Nothing is kept in memory that the
// runtime cannot give back: sandboxes and containers are found by the io.kubernetes.* labels
// the kubelet puts on them, so a restarted kubelet lists and adopts what runs.
//
// What our runtime-neutral configs do not carry (security contexts, requests, QoS, sysctls,
// hostAliases) comes from the pod's spec through `podSpec`, looked up by namespace/name/uid.
import { rm } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nullLogger } from '../../../logger.js';
import type { Logger } from '../../../logger.js';
import { ContainerNotRunningError, ExecTimeoutError, NameReservedError, RuntimeNotFoundError } from '../errors.js';
import type {
  ContainerConfig, ContainerRuntime, ContainerStats, ContainerStatus, ExecOptions, ExecResult, PodSandboxConfig,
  PodSandboxMetadata, PodSandboxStatus, RuntimeVersion, StreamSession,
} from '../types.js';
import type { CriClient } from './client.js';
import { connectCri, CriCallError } from './client.js';
import { startManagedContainerd } from './containerd.js';
import type { ManagedContainerd } from './containerd.js';
import { setUpPodNetwork, writePodCIDR } from './network/pod-network.js';
import { criContainerConfig } from './container-config.js';
import { containerFromCriList, containerFromCriStatus, sandboxFromCri, statsFromCri } from './container-status.js';
import { dialCommandStream, dialPortForward } from './container-streams.js';
import { criSandboxConfig, DEFAULT_CGROUP_ROOT, podCgroupParent } from './sandbox-config.js';
import { writeHostsFile } from './sandbox-hosts-file.js';
import { removePodCgroups } from './sandbox-cgroups.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from './images/default-images.js';
import { CriImageService } from '../../images/cri-image-service.js';
import type { ImageService } from '../types.js';
import { ConcurrencyLimiter } from '../../../sim/limiter.js';

const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;

export interface CriRuntimeOptions {
  client: CriClient;
  /** Our own files (pods/<uid>/etc-hosts), e.g. <data-dir>/cri. */
  rootDir: string;
  /** The pod a sandbox belongs to (for its spec); undefined when unknown. */
  podSpec?: (meta: PodSandboxMetadata) => Promise<Pod | undefined>;
  /** Parent of the pods' cgroups (default /coxswain). */
  cgroupRoot?: string;
  clusterDomain?: string;
  logger?: Logger;
  /**
   * How many RunPodSandbox calls may run at once (0: no limit; default SANDBOX_CREATIONS_DEFAULT).
   * Creating a sandbox is most of a pod's start-up cost (netns, CNI, shim, runc); CPU-bound,
   * 100 at once only share the cores and all finish late, while a few at a time, first come
   * first served, start the first pods early and cost less CPU each (bench/cri-runtime-floor.ts).
   */
  maxParallelSandboxCreations?: number;
}

/** Default for maxParallelSandboxCreations: two per core (COXSWAIN_CRI_SANDBOX_CREATIONS overrides; 0: no limit). */
export const SANDBOX_CREATIONS_DEFAULT = Number(process.env.COXSWAIN_CRI_SANDBOX_CREATIONS ?? Math.max(2, 2 * availableParallelism()));

export class CriRuntime implements ContainerRuntime {
  private readonly client: CriClient;
  private readonly logger: Logger;
  private readonly cgroupRoot: string;
  private readonly memoryCapacity = totalmem();
  private readonly sandboxCreations: ConcurrencyLimiter | undefined;
  /** The CRI ImageService; the offline-built images are served locally (cri-image-service.ts). */
  readonly images: ImageService;
  /**
   * What the listings lack and never changes for a given id and state: a ready sandbox's
   * status (its IP), a running or exited container's status (times, exit code). The kubelet
   * relists every second; without these, each relist costs a status call per pod and per
   * container (each a round trip to the pod's shim in containerd), which at 100 pods kept
   * containerd busy and delayed every pod's start. Rebuilt from the runtime after a restart.
   */
  private readonly sandboxStatusCache = new Map<string, PodSandboxStatus>();
  private readonly containerStatusCache = new Map<string, ContainerStatus>();

  constructor(private readonly opts: CriRuntimeOptions) {
    this.client = opts.client;
    this.images = new CriImageService(opts.client, { localImages: [BUSYBOX_IMAGE, PAUSE_IMAGE] });
    this.logger = (opts.logger ?? nullLogger).child({ component: 'cri-runtime' });
    this.cgroupRoot = opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
    const limit = opts.maxParallelSandboxCreations ?? SANDBOX_CREATIONS_DEFAULT;
    this.sandboxCreations = limit > 0 ? new ConcurrencyLimiter(limit) : undefined;
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.client.version();
    return { runtimeName: v.runtimeName, runtimeVersion: v.runtimeVersion, runtimeApiVersion: v.runtimeApiVersion };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const pod = await this.pod(config.metadata);
    const cri = criSandboxConfig(config, pod, { cgroupRoot: this.cgroupRoot });
    try {
      return await (this.sandboxCreations ? this.sandboxCreations.run(() => this.client.runPodSandbox(cri)) : this.client.runPodSandbox(cri));
    } catch (err) {
      throw reservedOr(err, 'sandbox');
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    this.sandboxStatusCache.delete(id);
    await ignoreNotFound(this.client.stopPodSandbox(id));
  }

  async removePodSandbox(id: string): Promise<void> {
    const status = await this.podSandboxStatus(id);
    await ignoreNotFound(this.client.removePodSandbox(id));
    if (!status) return;
    const uid = status.metadata.uid;
    // The pod's last sandbox gone: its hosts file and the cgroups runc leaves behind go too.
    const others = await this.listPodSandboxes({ labels: { 'io.kubernetes.pod.uid': uid } });
    if (others.length === 0 && uid) {
      await rm(this.podDir(uid), { recursive: true, force: true });
      await removePodCgroups(this.cgroupRoot, uid).catch((err: unknown) =>
        this.logger.warn('removing pod cgroups failed', { uid, err: String(err) }));
    }
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    try {
      const res = await this.client.podSandboxStatus(id);
      return res.status ? sandboxFromCri(res.status) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Sandboxes with the labels; each with its IP (ListPodSandbox does not carry it). */
  async listPodSandboxes(filter?: { labels?: Record<string, string> }): Promise<PodSandboxStatus[]> {
    const items = await this.client.listPodSandbox(filter?.labels ? { labelSelector: filter.labels } : undefined);
    const out = await Promise.all(items.map(async (s) => {
      if (s.state !== 'SANDBOX_READY') {
        this.sandboxStatusCache.delete(s.id);
        return sandboxFromCri(s);
      }
      const cached = this.sandboxStatusCache.get(s.id);
      if (cached) return cached;
      const status = await this.podSandboxStatus(s.id);
      if (status?.state === 'SANDBOX_READY') this.sandboxStatusCache.set(s.id, status);
      return status ?? sandboxFromCri(s);
    }));
    if (!filter?.labels) forgetMissing(this.sandboxStatusCache, items);
    return out;
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const status = await this.podSandboxStatus(sandboxId);
    if (!status) throw new RuntimeNotFoundError('sandbox', sandboxId);
    const pod = await this.pod(sandbox.metadata);
    const etcHostsPath = await this.hostsFile(sandbox, status, pod);
    const cri = criContainerConfig(config, pod, { etcHostsPath, memoryCapacityBytes: this.memoryCapacity });
    try {
      return await this.client.createContainer(sandboxId, cri, criSandboxConfig(sandbox, pod, { cgroupRoot: this.cgroupRoot }));
    } catch (err) {
      throw reservedOr(err, 'container');
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.client.startContainer(id);
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeNotFoundError('container', id);
      throw err;
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.client.stopContainer(id, timeoutSeconds);
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeNotFoundError('container', id);
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.containerStatusCache.delete(id);
    await ignoreNotFound(this.client.removeContainer(id));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    try {
      const [res, listed] = await Promise.all([this.client.containerStatus(id), this.client.listContainers({ id })]);
      if (!res.status) return undefined;
      // ContainerStatus does not name the sandbox; the listing does.
      return containerFromCriStatus(res.status, listed[0]?.podSandboxId ?? '');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The listing has no exit codes or times, which the kubelet needs for every exited
   * container; as upstream's getPodContainerStatuses, ask ContainerStatus for each.
   */
  async listContainers(filter?: { podSandboxId?: string; labels?: Record<string, string> }): Promise<ContainerStatus[]> {
    const listed = await this.client.listContainers({
      ...(filter?.podSandboxId ? { podSandboxId: filter.podSandboxId } : {}),
      ...(filter?.labels ? { labelSelector: filter.labels } : {}),
    });
    const out = await Promise.all(listed.map(async (c) => {
      const cached = this.containerStatusCache.get(c.id);
      if (cached && cached.state === c.state) return cached;
      try {
        const res = await this.client.containerStatus(c.id);
        if (!res.status) return containerFromCriList(c, '');
        const status = containerFromCriStatus(res.status, c.podSandboxId);
        // Final once running (started time) or exited (exit code, finish time).
        if (status.state === 'CONTAINER_RUNNING' || status.state === 'CONTAINER_EXITED') this.containerStatusCache.set(c.id, status);
        return status;
      } catch (err) {
        if (isNotFound(err)) return undefined; // removed in between
        throw err;
      }
    }));
    if (!filter?.podSandboxId && !filter?.labels) forgetMissing(this.containerStatusCache, listed);
    return out.filter((c): c is ContainerStatus => c !== undefined);
  }

  // ---- exec, attach, port-forward ----

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    try {
      const res = await this.client.execSync(id, cmd, timeoutSeconds);
      return { stdout: Buffer.from(res.stdout), stderr: Buffer.from(res.stderr), exitCode: res.exitCode };
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeNotFoundError('container', id);
      if (err instanceof CriCallError && (err.code === GRPC_DEADLINE_EXCEEDED || /timeout|timed out/i.test(err.details))) {
        throw new ExecTimeoutError(cmd, timeoutSeconds);
      }
      throw err;
    }
  }

  async exec(id: string, opts: ExecOptions): Promise<StreamSession> {
    await this.mustBeRunning(id);
    // As upstream: a TTY merges stderr into stdout.
    const url = await this.client.exec({ containerId: id, cmd: opts.cmd, tty: opts.tty, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr && !opts.tty });
    return dialCommandStream(url, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr && !opts.tty });
  }

  async attach(id: string, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> {
    await this.mustBeRunning(id);
    const url = await this.client.attach({ containerId: id, tty: opts.tty, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr && !opts.tty });
    return dialCommandStream(url, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr && !opts.tty });
  }

  async portForward(sandboxId: string, port: number): Promise<net.Socket> {
    let url: string;
    try {
      url = await this.client.portForward(sandboxId, [port]);
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeNotFoundError('sandbox', sandboxId);
      throw err;
    }
    return dialPortForward(url, port);
  }

  // ---- logs ----

  /** CRI ReopenContainerLog: containerd closes the log file and opens a new one at its path. */
  async reopenContainerLog(id: string): Promise<void> {
    try {
      await this.client.reopenContainerLog(id);
    } catch (err) {
      if (isNotFound(err)) throw new RuntimeNotFoundError('container', id);
      throw err;
    }
  }

  // ---- stats ----

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    try {
      const s = await this.client.containerStats(id);
      return s ? statsFromCri(s, id) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Every container's stats in one call (ListContainerStats), for the summary API. */
  async listContainerStats(): Promise<ContainerStats[]> {
    return (await this.client.listContainerStats()).map((s) => statsFromCri(s, ''));
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    this.client.close();
  }

  /**
   * Stops every sandbox of ours (a node shutting down): containers are killed and the CNI
   * plugins release the pods' addresses and rules. The records stay for the next start.
   */
  async stopAll(): Promise<void> {
    const sandboxes = await this.client.listPodSandbox({ labelSelector: {} });
    await Promise.all(sandboxes
      .filter((s) => s.labels['io.kubernetes.pod.uid'])
      .map((s) => this.stopPodSandbox(s.id).catch((err: unknown) =>
        this.logger.warn('stopping sandbox failed', { sandbox: s.id, err: String(err) }))));
  }

  /** Stops and removes every sandbox of ours (`coxswain reset`). */
  async removeAll(): Promise<number> {
    const sandboxes = (await this.client.listPodSandbox()).filter((s) => s.labels['io.kubernetes.pod.uid']);
    for (const s of sandboxes) {
      await this.stopPodSandbox(s.id);
      await this.removePodSandbox(s.id);
    }
    return sandboxes.length;
  }

  // ---- internals ----

  private async pod(meta: PodSandboxMetadata): Promise<Pod | undefined> {
    if (!this.opts.podSpec) return undefined;
    try {
      const pod = await this.opts.podSpec(meta);
      return pod?.metadata?.uid === meta.uid ? pod : undefined;
    } catch (err) {
      this.logger.debug('pod spec lookup failed', { pod: `${meta.namespace}/${meta.name}`, err: String(err) });
      return undefined;
    }
  }

  private podDir(uid: string): string {
    return path.join(this.opts.rootDir, 'pods', uid);
  }

  /** The managed /etc/hosts, once the sandbox has its IP (upstream mounts none before). */
  private async hostsFile(sandbox: PodSandboxConfig, status: PodSandboxStatus, pod: Pod | undefined): Promise<string | undefined> {
    const podIPs = status.ip ? [status.ip] : [];
    if (!podIPs.length && !sandbox.hostNetwork) return undefined;
    const file = path.join(this.podDir(sandbox.metadata.uid), 'etc-hosts');
    const subdomain = pod?.spec?.subdomain;
    await writeHostsFile(file, {
      podIPs,
      hostname: sandbox.hostname ?? sandbox.metadata.name,
      domain: subdomain ? `${subdomain}.${sandbox.metadata.namespace}.svc.${this.opts.clusterDomain ?? 'cluster.local'}` : undefined,
      hostAliases: pod?.spec?.hostAliases,
      hostNetwork: !!sandbox.hostNetwork,
    });
    return file;
  }

  private async mustBeRunning(id: string): Promise<void> {
    const status = await this.containerStatus(id);
    if (!status) throw new RuntimeNotFoundError('container', id);
    if (status.state !== 'CONTAINER_RUNNING') throw new ContainerNotRunningError(id, status.state);
  }

  /** For tests and diagnostics: the cgroup parent a pod's containers get. */
  cgroupParentOf(uid: string, qos: 'Guaranteed' | 'Burstable' | 'BestEffort'): string {
    return podCgroupParent(this.cgroupRoot, uid, qos);
  }
}

/** Drops cached entries whose object the full listing no longer has. */
function forgetMissing(cache: Map<string, unknown>, listed: readonly { id: string }[]): void {
  if (cache.size === 0) return;
  const ids = new Set(listed.map((x) => x.id));
  for (const id of cache.keys()) if (!ids.has(id)) cache.delete(id);
}

function isNotFound(err: unknown): boolean {
  return err instanceof CriCallError && (err.code === GRPC_NOT_FOUND || /not found/i.test(err.details));
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** containerd's name index: `failed to reserve … name "N": name "N" is reserved for "ID"`. */
function reservedOr(err: unknown, kind: 'sandbox' | 'container'): unknown {
  if (!(err instanceof CriCallError)) return err;
  const m = /name "([^"]+)" is reserved for "([^"]+)"/.exec(err.details);
  return m ? new NameReservedError(kind, m[1]!, m[2]!) : err;
}

export interface StartCriRuntimeOptions {
  dataDir: string;
  /** `unix:///…` of an existing containerd or CRI-O; without it, our own containerd is started. */
  endpoint?: string;
  podSpec?: CriRuntimeOptions['podSpec'];
  logger: Logger;
  onProgress?: (message: string) => void;
}

export interface StartedCriRuntime {
  runtime: CriRuntime;
  endpoint: string;
  cniConfDir: string;
  /** The managed containerd's snapshotter (undefined for someone else's runtime). */
  snapshotter?: string;
  /** Rewrites the CNI config for the node's pod CIDR once assigned. */
  setPodCIDR(cidr: string): Promise<void>;
  /** Stops our sandboxes, closes the client and stops the managed containerd. Idempotent. */
  stop(): Promise<void>;
}

/**
 * What `coxswain up --runtime cri` needs, in order: the host side of the pod network (safety
 * routes, forwarding, conflist), then containerd (ours, or the one at `endpoint`, which then
 * must read our conflist from its own CNI conf dir), then the client with its version check.
 */
export async function startCriRuntime(opts: StartCriRuntimeOptions): Promise<StartedCriRuntime> {
  const cniConfDir = path.join(opts.dataDir, 'cni', 'net.d');
  const networkOpts = { dataDir: opts.dataDir, cniConfDir };
  await setUpPodNetwork(networkOpts);
  let managed: ManagedContainerd | undefined;
  let endpoint = opts.endpoint;
  if (!endpoint) {
    managed = await startManagedContainerd({ dataDir: opts.dataDir, cniConfDir, logger: opts.logger, onProgress: opts.onProgress });
    endpoint = managed.endpoint;
  }
  let client: CriClient;
  try {
    client = (await connectCri(endpoint)).client;
  } catch (err) {
    await managed?.stop();
    throw err;
  }
  const runtime = new CriRuntime({ client, rootDir: path.join(opts.dataDir, 'cri'), podSpec: opts.podSpec, logger: opts.logger });
  let stopping: Promise<void> | undefined;
  return {
    runtime,
    endpoint,
    cniConfDir,
    snapshotter: managed?.snapshotter,
    setPodCIDR: async (cidr) => {
      if (await writePodCIDR(networkOpts, cidr)) opts.logger.info('pod CIDR set in the CNI config', { podCIDR: cidr });
    },
    stop: () => (stopping ??= (async () => {
      // Only the sandboxes of a containerd we own: someone else's runtime keeps running.
      if (managed) await runtime.stopAll().catch((err: unknown) => opts.logger.warn('stopping pods failed', { err: String(err) }));
      await runtime.close();
      await managed?.stop();
    })()),
  };
}
