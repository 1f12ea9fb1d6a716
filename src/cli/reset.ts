// `coxswain reset`: removes what the cri runtime created on this machine for a data dir —
// the pods (through CRI, so the CNI plugins release addresses and iptables rules), leftover
// CNI chains of our network, the dummy and bridge interfaces with their routes, the pods'
// cgroups, containerd's state under the data dir, the service proxy's KUBE-* chains (as
// `kube-proxy --cleanup`), the pods' memory-backed volumes in /dev/shm — and restores
// ip_forward. The cluster's
// own state (store, certificates, kubeconfig) stays. It refuses while `coxswain up` runs.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { nullLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { connectCri } from '../kubelet/runtime/cri/client.js';
import { startManagedContainerd } from '../kubelet/runtime/cri/containerd.js';
import { managedContainerdPaths } from '../kubelet/runtime/cri/containerd-config.js';
import { CriRuntime } from '../kubelet/runtime/cri/runtime.js';
import { DEFAULT_CGROUP_ROOT } from '../kubelet/runtime/cri/sandbox-config.js';
import { removeAllPodCgroups } from '../kubelet/runtime/cri/sandbox-cgroups.js';
import { hostNet } from '../kubelet/runtime/cri/network/host-commands.js';
import { removeCniRules } from '../kubelet/runtime/cri/network/cni-iptables.js';
import { readPodNetworkState, tearDownPodNetwork } from '../kubelet/runtime/cri/network/pod-network.js';
import { CNI_NETWORK_NAME } from '../kubelet/runtime/cri/network/cni-config.js';
import { cleanupIptablesRules } from '../proxy/iptables/index.js';
import { removeMemoryDirsUnder } from '../kubelet/volumes/empty-dir.js';
import { removeProcessRuntimeState } from '../kubelet/runtime/process/state-dir.js';

const run = promisify(execFile);

export class ResetError extends Error {
  override readonly name = 'ResetError';
}

export interface ResetOptions {
  dataDir: string;
  logger?: Logger;
  /** Called with each thing removed. */
  onRemoved?: (what: string) => void;
}

/** Returns what was removed. */
export async function runReset(opts: ResetOptions): Promise<string[]> {
  const dataDir = path.resolve(opts.dataDir);
  const logger = opts.logger ?? nullLogger;
  const removed: string[] = [];
  const note = (what: string) => {
    removed.push(what);
    opts.onRemoved?.(what);
  };
  let lock;
  try {
    lock = await lockDataDir(dataDir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new ResetError(`coxswain (pid ${err.pid}) is running with ${dataDir}; stop it first, then run coxswain reset`);
    }
    throw err;
  }
  try {
    const paths = managedContainerdPaths(dataDir);
    if (existsSync(paths.config)) {
      // The clean way: our containerd removes the pods, and the CNI plugins undo their work.
      try {
        const managed = await startManagedContainerd({ dataDir, logger });
        try {
          const { client } = await connectCri(managed.endpoint);
          const runtime = new CriRuntime({ client, rootDir: path.join(dataDir, 'cri'), logger });
          const n = await runtime.removeAll();
          await runtime.close();
          if (n) note(`${n} pod sandbox(es)`);
        } finally {
          await managed.stop();
        }
      } catch (err) {
        logger.warn('could not remove pods through containerd; removing what they left', { err: String(err) });
      }
    }
    const net = hostNet();
    // Only where this data dir set the pod network up: the host-wide names (bridge, chains,
    // cgroup root) are not touched for a data dir that never ran the cri runtime.
    const networkState = await readPodNetworkState(dataDir);
    if (networkState || existsSync(paths.config)) {
      const networkName = networkState?.networkName ?? CNI_NETWORK_NAME;
      for (const chain of await removeCniRules(net, networkName)) note(`iptables chain ${chain}`);
      // The iptables proxier runs only next to the cri runtime; its rules stay after it stops, as kube-proxy's.
      const proxyRules = await cleanupIptablesRules();
      if (proxyRules.deletedChains) note(`${proxyRules.deletedChains} service proxy iptables chain(s)`);
      for (const err of proxyRules.errors) logger.warn('removing service proxy rules', { err });
      for (const what of await tearDownPodNetwork(dataDir, net)) note(what);
      const cgroups = await removeAllPodCgroups(DEFAULT_CGROUP_ROOT);
      if (cgroups) note(`${cgroups} cgroup(s) under ${DEFAULT_CGROUP_ROOT}`);
    }
    // Secret, projected and memory emptyDir volumes live in /dev/shm, outside the data dir.
    for (const dir of await removeMemoryDirsUnder(path.join(dataDir, 'kubelet', 'pods'))) note(dir);
    const runtimeState = removeProcessRuntimeState(dataDir);
    if (runtimeState) note(runtimeState);
    for (const m of await mountsUnder(dataDir)) {
      await run('umount', ['-l', m]).catch(() => undefined);
      note(`mount ${m}`);
    }
    for (const dir of [paths.dir, path.join(dataDir, 'cri'), path.join(dataDir, 'images')]) {
      if (!existsSync(dir)) continue;
      await rm(dir, { recursive: true, force: true });
      note(dir);
    }
    // Sockets moved to /run when the data dir path is too long (containerd-config.ts).
    if (!paths.socket.startsWith(dataDir) && existsSync(path.dirname(paths.socket))) {
      await rm(path.dirname(paths.socket), { recursive: true, force: true });
      note(path.dirname(paths.socket));
    }
  } finally {
    await lock.release();
  }
  return removed;
}

/** Mount points under `dir` (sandbox shm, rootfs, netns), deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = info.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}
