// The config.toml (version 2, containerd 1.6) of the containerd Coxswain starts itself: its own
// root, state and sockets under the data dir, so it never meets a system containerd, and the
// CRI plugin settings these machines need.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** The sandbox ("pause") image Coxswain builds offline (images/default-images.ts). */
export const DEFAULT_SANDBOX_IMAGE = 'coxswain.local/pause:3.9';
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

export type Snapshotter = 'overlayfs' | 'native';

export interface ManagedContainerdPaths {
  /** <dataDir>/containerd */
  dir: string;
  config: string;
  root: string;
  /** On a tmpfs of its own (state-tmpfs.ts), as upstream's /run/containerd. */
  state: string;
  /** runc's state (`runc --root`): under `state`, not runc's default /run/containerd/runc. */
  runcRoot: string;
  /** The gRPC socket (CRI and containerd's own API). */
  socket: string;
  ttrpcSocket: string;
  log: string;
  pidFile: string;
}

/** A unix socket path must fit in sun_path (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * Where the managed containerd of `dataDir` keeps everything. The sockets live under the data
 * dir too, unless that path is too long for a unix socket; then under /run/coxswain-<hash>,
 * still unique per data dir so parallel instances never clash.
 */
export function managedContainerdPaths(dataDir: string): ManagedContainerdPaths {
  const dir = join(dataDir, 'containerd');
  let socket = join(dir, 'containerd.sock');
  if (socket.length + '.ttrpc'.length > MAX_SOCKET_PATH) {
    const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
    socket = join('/run', `coxswain-${hash}`, 'containerd.sock');
  }
  return {
    dir,
    config: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    runcRoot: join(dir, 'state', 'runc'),
    socket,
    ttrpcSocket: `${socket}.ttrpc`,
    log: join(dir, 'containerd.log'),
    pidFile: join(dir, 'containerd.pid'),
  };
}

export interface ContainerdConfigOptions {
  paths: ManagedContainerdPaths;
  sandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  snapshotter: Snapshotter;
}

/** Snapshotters that cannot work here and only slow start-up down with their probes. */
const DISABLED_PLUGINS = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
];

/** TOML basic strings accept JSON's escapes. */
const str = (s: string): string => JSON.stringify(s);

export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `# Written by coxswain for its managed containerd; rewritten at every start.
version = 2
root = ${str(o.paths.root)}
state = ${str(o.paths.state)}
# Leave containerd's own OOM score alone: setting a negative one needs CAP_SYS_RESOURCE.
oom_score = 0
disabled_plugins = [${DISABLED_PLUGINS.map(str).join(', ')}]

[grpc]
  address = ${str(o.paths.socket)}

[ttrpc]
  address = ${str(o.paths.ttrpcSocket)}

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${str(join(o.paths.root, 'opt'))}

[${cri}]
  sandbox_image = ${str(o.sandboxImage)}
  # Root here lacks CAP_SYS_RESOURCE: clamp containers' oom_score_adj to containerd's own
  # instead of failing to lower it.
  restrict_oom_score_adj = true
  # Streaming (exec, attach, port-forward) only on loopback; the kubelet proxies it.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  tolerate_missing_hugetlb_controller = true
  disable_hugetlb_controller = true

  [${cri}.containerd]
    snapshotter = ${str(o.snapshotter)}
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        # Ours, on the state tmpfs: apart from a system containerd's, and no disk inode per
        # state.json write and exec fifo.
        Root = ${str(o.paths.runcRoot)}

  [${cri}.cni]
    bin_dir = ${str(o.cniBinDir)}
    conf_dir = ${str(o.cniConfDir)}
    max_conf_num = 1
`;
}
