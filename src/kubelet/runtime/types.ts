// The container runtime interface the kubelet drives, shaped after the CRI (runtime.v1
// RuntimeService): pod sandboxes, containers, exec, logs, stats. Implementations: `process`
// (host processes), `sim` (nothing runs) and, later, `cri` (containerd over gRPC).
// What runs is learned from the runtime (ids and labels), never from kubelet memory, so a
// kubelet restart loses nothing (CONVENTIONS.md §5).

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Directory for the pod's container logs (<dir>/<container>/<attempt>.log). */
  logDirectory: string;
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  portMappings?: { protocol: string; containerPort: number; hostPort?: number; hostIp?: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  hostNetwork?: boolean;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  createdAt: number;
  /** The pod's IP (the host's in process mode). */
  ip?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: string;
  command: string[];
  args: string[];
  workingDir?: string;
  envs: { key: string; value: string }[];
  mounts: Mount[];
  /** Relative to the sandbox's log directory. */
  logPath: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Resource limits the runtime may enforce (bytes, millicores). */
  limits?: { memoryBytes?: number; milliCpu?: number };
}

export interface ContainerStatus {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  image: string;
  imageRef: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Completed, Error, OOMKilled, … */
  reason?: string;
  message?: string;
  logPath: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** A running exec/attach session's streams (for the streaming server). */
export interface StreamSession {
  stdin?: NodeJS.WritableStream;
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  resize?(cols: number, rows: number): void;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number>;
  kill(): void;
}

export interface ExecOptions {
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ContainerStats {
  containerId: string;
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
  timestamp: number;
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

/** An image as the runtime's image service reports it (CRI Image). */
export interface ImageInfo {
  /** The image ID (sha256:… of the config). */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /** Never garbage-collected (the sandbox image). */
  pinned: boolean;
}

/** Registry credentials for one pull (CRI AuthConfig). */
export interface ImageAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Where the runtime keeps its images and how much they use (CRI ImageFsInfo). */
export interface ImageFsUsage {
  mountpoint: string;
  usedBytes: number;
}

/**
 * The CRI ImageService. Optional: runtimes without images (`process` runs host binaries, `sim`
 * runs nothing) leave it out and the kubelet treats every image as present.
 */
export interface ImageService {
  /** undefined when the runtime does not have the image. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** Pulls the image; resolves with the image reference the runtime resolved. */
  pullImage(image: string, auth?: ImageAuth): Promise<string>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<ImageFsUsage[]>;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;

  /** The runtime's image service, if it has images (see ImageService). */
  readonly images?: ImageService;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandboxes(filter?: { labels?: Record<string, string> }): Promise<PodSandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: { podSandboxId?: string; labels?: Record<string, string> }): Promise<ContainerStatus[]>;

  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  exec(id: string, opts: ExecOptions): Promise<StreamSession>;
  attach(id: string, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession>;
  /** Opens a TCP connection to `port` inside the pod's network. */
  portForward(sandboxId: string, port: number): Promise<import('node:net').Socket>;

  containerStats(id: string): Promise<ContainerStats | undefined>;

  /**
   * CRI ReopenContainerLog: after the kubelet renamed the container's log file (rotation), the
   * runtime writes to a new file at the log path. Optional: without it the kubelet does not
   * rotate that runtime's logs.
   */
  reopenContainerLog?(id: string): Promise<void>;

  /** Releases what the runtime client holds (not the containers). */
  close(): Promise<void>;
}

/** Labels the kubelet puts on sandboxes and containers, as upstream's kuberuntime does. */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
