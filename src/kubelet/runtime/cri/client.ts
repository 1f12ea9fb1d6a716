// A typed client for the CRI (runtime.v1 RuntimeService and ImageService) over gRPC on a
// unix socket, as upstream's kubelet uses it (pkg/kubelet/cri/remote): one connection, a
// deadline on every call, 16 MiB messages, and a Version call at start that tells a missing
// runtime apart from one that speaks another API.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { criProtoPath } from './api-proto-path.js';
import type * as api from './api-types.js';

/** The CRI version the kubelet announces in VersionRequest (upstream kubeRuntimeAPIVersion). */
export const KUBE_RUNTIME_API_VERSION = '0.1.0';

/** Upstream's kubelet default for CRI calls (--runtime-request-timeout). */
export const DEFAULT_CALL_TIMEOUT_MS = 2 * 60_000;
/** Upstream's maxMsgSize for CRI connections. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A CRI call failed; `code` is the gRPC status (grpc.status.NOT_FOUND, …). */
export class CriCallError extends Error {
  override readonly name = 'CriCallError';
  constructor(
    readonly rpc: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`CRI ${rpc}: ${grpc.status[code] ?? code}: ${details}`);
  }
}

/** Nothing answers at the endpoint (socket missing, refused, or no answer in time). */
export class CriUnavailableError extends Error {
  override readonly name = 'CriUnavailableError';
  constructor(readonly endpoint: string, message: string) {
    super(message);
  }
}

/** Something answers at the endpoint but not the runtime.v1 CRI. */
export class CriUnsupportedError extends Error {
  override readonly name = 'CriUnsupportedError';
  constructor(readonly endpoint: string, message: string) {
    super(message);
  }
}

export interface CallOptions {
  /** Deadline of this call; defaults to the client's callTimeoutMs. 0 means none. */
  timeoutMs?: number;
}

export interface CriClientOptions {
  /** Default deadline of each call (default 2 minutes, as upstream). */
  callTimeoutMs?: number;
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` and `/run/x.sock` all name a unix socket. */
export function normalizeCriEndpoint(endpoint: string): string {
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  if (endpoint.startsWith('unix:') && !endpoint.startsWith('unix://')) return `unix://${endpoint.slice('unix:'.length)}`;
  return endpoint;
}

/** The socket path of a unix endpoint, or undefined for other schemes. */
export function unixSocketPath(endpoint: string): string | undefined {
  const e = normalizeCriEndpoint(endpoint);
  return e.startsWith('unix://') ? e.slice('unix://'.length) : undefined;
}

let packageDefinition: protoLoader.PackageDefinition | undefined;

function loadDefinition(): protoLoader.PackageDefinition {
  // camelCase names, enums by name, 64-bit integers as exact decimal strings (nanosecond
  // timestamps exceed 2^53), proto3 defaults filled in: the shapes of api-types.ts.
  packageDefinition ??= protoLoader.loadSync(criProtoPath(), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    arrays: true,
    objects: true,
    oneofs: false,
  });
  return packageDefinition;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

export class CriClient {
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;
  private readonly callTimeoutMs: number;
  private closed = false;

  constructor(endpoint: string, opts: CriClientOptions = {}) {
    this.endpoint = normalizeCriEndpoint(endpoint);
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const pkg = grpc.loadPackageDefinition(loadDefinition()) as unknown as {
      runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
    };
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    this.runtime = new pkg.runtime.v1.RuntimeService(this.endpoint, grpc.credentials.createInsecure(), channelOptions);
    // Both services share one connection, as upstream's remote runtime and image services do.
    this.images = new pkg.runtime.v1.ImageService(this.endpoint, grpc.credentials.createInsecure(), {
      ...channelOptions,
      channelOverride: this.runtime.getChannel(),
    });
  }

  /** Resolves once the connection is up, or rejects after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.runtime.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.images.close();
    this.runtime.close();
  }

  private call<Res>(client: grpc.Client, rpc: string, req: object, opts: CallOptions = {}): Promise<Res> {
    const timeoutMs = opts.timeoutMs ?? this.callTimeoutMs;
    const callOpts: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    const method = (client as unknown as Record<string, Unary>)[rpc]!;
    return new Promise<Res>((resolve, reject) => {
      method.call(client, req, new grpc.Metadata(), callOpts, (err, res) => {
        if (err) reject(new CriCallError(rpc, err.code, err.details || err.message));
        else resolve(res as Res);
      });
    });
  }

  private rt<Res>(rpc: string, req: object, opts?: CallOptions): Promise<Res> {
    return this.call<Res>(this.runtime, rpc, req, opts);
  }

  private img<Res>(rpc: string, req: object, opts?: CallOptions): Promise<Res> {
    return this.call<Res>(this.images, rpc, req, opts);
  }

  // ---- RuntimeService

  version(opts?: CallOptions): Promise<api.VersionResponse> {
    return this.rt('Version', { version: KUBE_RUNTIME_API_VERSION }, opts);
  }

  status(verbose = false, opts?: CallOptions): Promise<api.StatusResponse> {
    return this.rt('Status', { verbose }, opts);
  }

  async runPodSandbox(config: api.PodSandboxConfig, runtimeHandler = '', opts?: CallOptions): Promise<string> {
    const res = await this.rt<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, opts);
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.rt('StopPodSandbox', { podSandboxId }, opts);
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.rt('RemovePodSandbox', { podSandboxId }, opts);
  }

  podSandboxStatus(podSandboxId: string, verbose = false, opts?: CallOptions): Promise<api.PodSandboxStatusResponse> {
    return this.rt('PodSandboxStatus', { podSandboxId, verbose }, opts);
  }

  async listPodSandbox(filter?: api.PodSandboxFilter, opts?: CallOptions): Promise<api.PodSandbox[]> {
    const res = await this.rt<{ items: api.PodSandbox[] }>('ListPodSandbox', { filter }, opts);
    return res.items;
  }

  async createContainer(podSandboxId: string, config: api.ContainerConfig, sandboxConfig: api.PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const res = await this.rt<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig }, opts);
    return res.containerId;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.rt('StartContainer', { containerId }, opts);
  }

  /** `timeoutSeconds` is the grace period before SIGKILL; the call deadline is extended past it, as upstream. */
  async stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    const timeoutMs = opts?.timeoutMs ?? this.callTimeoutMs + timeoutSeconds * 1000;
    await this.rt('StopContainer', { containerId, timeout: timeoutSeconds }, { timeoutMs });
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.rt('RemoveContainer', { containerId }, opts);
  }

  async listContainers(filter?: api.ContainerFilter, opts?: CallOptions): Promise<api.Container[]> {
    const res = await this.rt<{ containers: api.Container[] }>('ListContainers', { filter }, opts);
    return res.containers;
  }

  containerStatus(containerId: string, verbose = false, opts?: CallOptions): Promise<api.ContainerStatusResponse> {
    return this.rt('ContainerStatus', { containerId, verbose }, opts);
  }

  async updateContainerResources(containerId: string, linux: api.LinuxContainerResources, annotations?: api.Labels, opts?: CallOptions): Promise<void> {
    await this.rt('UpdateContainerResources', { containerId, linux, annotations }, opts);
  }

  async reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void> {
    await this.rt('ReopenContainerLog', { containerId }, opts);
  }

  /** Runs `cmd` to completion; the call deadline is the command timeout plus the default, as upstream. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions): Promise<api.ExecSyncResponse> {
    const timeoutMs = opts?.timeoutMs ?? (timeoutSeconds > 0 ? this.callTimeoutMs + timeoutSeconds * 1000 : 0);
    return this.rt('ExecSync', { containerId, cmd, timeout: timeoutSeconds }, { timeoutMs });
  }

  /** The runtime's streaming URL for an exec session. */
  async exec(req: api.ExecRequest, opts?: CallOptions): Promise<string> {
    return (await this.rt<{ url: string }>('Exec', req, opts)).url;
  }

  async attach(req: api.AttachRequest, opts?: CallOptions): Promise<string> {
    return (await this.rt<{ url: string }>('Attach', req, opts)).url;
  }

  async portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string> {
    return (await this.rt<{ url: string }>('PortForward', { podSandboxId, port: ports }, opts)).url;
  }

  async containerStats(containerId: string, opts?: CallOptions): Promise<api.ContainerStats | null> {
    return (await this.rt<{ stats: api.ContainerStats | null }>('ContainerStats', { containerId }, opts)).stats;
  }

  async listContainerStats(filter?: api.ContainerStatsFilter, opts?: CallOptions): Promise<api.ContainerStats[]> {
    return (await this.rt<{ stats: api.ContainerStats[] }>('ListContainerStats', { filter }, opts)).stats;
  }

  async podSandboxStats(podSandboxId: string, opts?: CallOptions): Promise<api.PodSandboxStats | null> {
    return (await this.rt<{ stats: api.PodSandboxStats | null }>('PodSandboxStats', { podSandboxId }, opts)).stats;
  }

  async listPodSandboxStats(filter?: api.PodSandboxStatsFilter, opts?: CallOptions): Promise<api.PodSandboxStats[]> {
    return (await this.rt<{ stats: api.PodSandboxStats[] }>('ListPodSandboxStats', { filter }, opts)).stats;
  }

  // ---- ImageService

  async listImages(filter?: { image?: api.ImageSpec }, opts?: CallOptions): Promise<api.Image[]> {
    return (await this.img<{ images: api.Image[] }>('ListImages', { filter }, opts)).images;
  }

  /** `image` is null when the runtime does not have it. */
  imageStatus(image: api.ImageSpec, verbose = false, opts?: CallOptions): Promise<api.ImageStatusResponse> {
    return this.img('ImageStatus', { image, verbose }, opts);
  }

  /** Returns the image reference (digest) the runtime resolved. No deadline by default: pulls take long. */
  async pullImage(image: api.ImageSpec, auth?: api.AuthConfig, sandboxConfig?: api.PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const res = await this.img<{ imageRef: string }>('PullImage', { image, auth, sandboxConfig }, { timeoutMs: opts?.timeoutMs ?? 0 });
    return res.imageRef;
  }

  async removeImage(image: api.ImageSpec, opts?: CallOptions): Promise<void> {
    await this.img('RemoveImage', { image }, opts);
  }

  imageFsInfo(opts?: CallOptions): Promise<api.ImageFsInfoResponse> {
    return this.img('ImageFsInfo', {}, opts);
  }
}

export interface ConnectCriOptions extends CriClientOptions {
  /** How long to wait for the connection and the Version answer (default 10 s). */
  timeoutMs?: number;
}

/**
 * Connects to the CRI runtime at `endpoint` and checks it speaks runtime.v1, as the kubelet
 * does at start. Throws CriUnavailableError or CriUnsupportedError with what to do next.
 */
export async function connectCri(endpoint: string, opts: ConnectCriOptions = {}): Promise<{ client: CriClient; version: api.VersionResponse }> {
  const normalized = normalizeCriEndpoint(endpoint);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const socket = unixSocketPath(normalized);
  if (socket !== undefined && !existsSync(socket)) {
    throw new CriUnavailableError(
      normalized,
      `no CRI runtime at ${normalized}: ${socket} does not exist. Is containerd running? ` +
        `Start it (e.g. systemctl start containerd), give the right --container-runtime-endpoint, ` +
        `or leave the endpoint out and let coxswain start its own containerd.`,
    );
  }
  const client = new CriClient(normalized, opts);
  try {
    const version = await client.version({ timeoutMs });
    if (version.runtimeApiVersion !== 'v1') {
      throw new CriUnsupportedError(normalized, `the runtime at ${normalized} (${version.runtimeName} ${version.runtimeVersion}) reports CRI API ${version.runtimeApiVersion}; coxswain needs v1`);
    }
    return { client, version };
  } catch (err) {
    client.close();
    throw explainConnectError(normalized, err);
  }
}

function explainConnectError(endpoint: string, err: unknown): Error {
  if (!(err instanceof CriCallError)) return err instanceof Error ? err : new Error(String(err));
  switch (err.code) {
    case grpc.status.UNIMPLEMENTED:
      // Docker's containerd ships with disabled_plugins = ["cri"]; containerd < 1.6 and old
      // CRI-O only serve runtime.v1alpha2.
      return new CriUnsupportedError(
        endpoint,
        `the runtime at ${endpoint} does not serve the CRI runtime.v1 API (${err.details}). ` +
          `coxswain needs containerd >= 1.6 with its "cri" plugin enabled (remove "cri" from disabled_plugins in /etc/containerd/config.toml) or CRI-O >= 1.20.`,
      );
    case grpc.status.UNAVAILABLE:
      return new CriUnavailableError(endpoint, `no CRI runtime at ${endpoint}: ${err.details}. Is containerd running?`);
    case grpc.status.DEADLINE_EXCEEDED:
      return new CriUnavailableError(endpoint, `no CRI runtime at ${endpoint}: no answer to Version in time. Is containerd running and healthy?`);
    default:
      return err;
  }
}
