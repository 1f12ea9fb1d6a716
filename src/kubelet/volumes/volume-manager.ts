// Materialises a pod's volumes under <rootDir>/pods/<uid>/volumes/<plugin>/<name> (upstream's
// layout, plugin names escaped as "kubernetes.io~configmap") and tells the pod sync where each
// volume is on the host. Re-running it refreshes configMap, secret, downwardAPI and projected
// contents (atomically), which is how updates reach mounted files; cleanUp removes it all.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import { persistentVolumeClaims, persistentVolumes } from '../../client/resources.js';
import type { PodSources } from '../container-env.js';
import { writeAtomically } from './atomic-writer.js';
import type { FileProjection } from './atomic-writer.js';
import { linkMemoryDir, setUpEmptyDir, shmDirFor } from './empty-dir.js';
import { setUpHostPath } from './host-path.js';
import type { ProjectionContext } from './projections.js';
import { configMapFiles, downwardAPIVolumeFiles, projectedFiles, secretFiles } from './projections.js';
import { VolumeError } from './volume-error.js';
import { ServiceAccountTokenManager } from './token-manager.js';

export interface MountedVolume {
  /** Where the volume's contents are on the host. */
  hostPath: string;
  /** Volumes the kubelet writes (configMap, secret, …) are mounted read-only, as upstream. */
  readOnly: boolean;
  /** emptyDir sizeLimit, noted for the runtime (not enforced). */
  sizeLimit?: string;
}

/** A volume that failed, named for the FailedMount event. */
export class VolumeMountError extends Error {
  override readonly name = 'VolumeMountError';
  constructor(readonly volume: string, override readonly cause: Error) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${cause.message}`);
  }
}

export interface VolumeManagerOptions {
  rootDir: string;
  client: ApiClient;
  sources: PodSources;
  nodeAllocatable: () => Record<string, string>;
  caCertPem?: string;
  /** Obtains bound service-account tokens (default: one over `client`). */
  tokens?: ServiceAccountTokenManager;
}

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

/** Tokens fetched for one mount, looked up by the projection (which is synchronous). */
type FetchedTokens = Map<string, string>;
const tokenKey = (audience: string | undefined, expirationSeconds: number) => `${audience ?? ''}|${expirationSeconds}`;

/** A digest of a volume's files (paths, modes, contents), to tell an unchanged payload. */
function payloadDigest(files: Map<string, FileProjection>): string {
  const h = createHash('sha256');
  for (const [rel, f] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(`${rel}\0${f.mode}\0${f.data.length}\0`);
    h.update(f.data);
  }
  return h.digest('base64');
}

export class VolumeManager {
  private readonly tokens: ServiceAccountTokenManager;
  /**
   * The digest of what was last written to each volume directory by this kubelet. Every pod
   * sync re-mounts (that is how updates reach the files); an unchanged payload then costs no
   * file system work at all, rather than reading every file back to compare.
   */
  private readonly written = new Map<string, string>();

  constructor(private readonly opts: VolumeManagerOptions) {
    this.tokens = opts.tokens ?? new ServiceAccountTokenManager(opts.client);
  }

  podDir(uid: string): string {
    return path.join(this.opts.rootDir, 'pods', uid);
  }

  volumeDir(uid: string, plugin: string, name: string): string {
    return path.join(this.podDir(uid), 'volumes', plugin, name);
  }

  /** Sets up (or refreshes) every volume of `pod`; throws a VolumeMountError for the first that fails. */
  async mountPod(pod: Pod): Promise<Map<string, MountedVolume>> {
    const out = new Map<string, MountedVolume>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        out.set(v.name, await this.setUp(pod, v));
      } catch (err) {
        throw new VolumeMountError(v.name, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return out;
  }

  private projection(pod: Pod, tokens: FetchedTokens = new Map()): ProjectionContext {
    return {
      pod,
      sources: this.opts.sources,
      nodeAllocatable: this.opts.nodeAllocatable(),
      serviceAccountToken: (audience, expirationSeconds) => {
        const token = tokens.get(tokenKey(audience, expirationSeconds));
        if (token === undefined) throw new VolumeError('service account token was not fetched');
        return token;
      },
      caCertPem: this.opts.caCertPem,
    };
  }

  /**
   * The bound tokens a projected volume needs, through TokenRequest (cached, refreshed at 80%
   * of their lifetime); re-mounting on each pod sync writes refreshed tokens, as upstream.
   */
  private async fetchTokens(pod: Pod, v: Volume): Promise<FetchedTokens> {
    const out: FetchedTokens = new Map();
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (!t) continue;
      const expirationSeconds = t.expirationSeconds ?? 3600;
      try {
        out.set(tokenKey(t.audience, expirationSeconds), await this.tokens.getToken({
          namespace: pod.metadata?.namespace ?? 'default',
          serviceAccountName: pod.spec?.serviceAccountName || 'default',
          audience: t.audience,
          expirationSeconds,
          pod: { name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        }));
      } catch (err) {
        throw new VolumeError(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return out;
  }

  private async setUp(pod: Pod, v: Volume): Promise<MountedVolume> {
    const uid = pod.metadata!.uid!;
    if (v.emptyDir) {
      const dir = await setUpEmptyDir(this.volumeDir(uid, PLUGIN_DIRS.emptyDir, v.name), uid, v.name, v.emptyDir);
      return { hostPath: dir, readOnly: false, sizeLimit: v.emptyDir.sizeLimit };
    }
    if (v.hostPath) return { hostPath: await setUpHostPath(v.hostPath), readOnly: false };
    if (v.configMap) return this.writeFiles(uid, PLUGIN_DIRS.configMap, v.name, () => configMapFiles(v.configMap!, this.projection(pod)));
    if (v.secret) return this.writeFiles(uid, PLUGIN_DIRS.secret, v.name, () => secretFiles(v.secret!, this.projection(pod)), 'memory');
    if (v.downwardAPI) return this.writeFiles(uid, PLUGIN_DIRS.downwardAPI, v.name, () => downwardAPIVolumeFiles(v.downwardAPI!, this.projection(pod)));
    if (v.projected) {
      const tokens = await this.fetchTokens(pod, v);
      return this.writeFiles(uid, PLUGIN_DIRS.projected, v.name, () => projectedFiles(v.projected!, this.projection(pod, tokens)), 'memory');
    }
    if (v.persistentVolumeClaim) {
      const hostPath = await this.claimPath(pod.metadata?.namespace ?? 'default', v.persistentVolumeClaim.claimName);
      return { hostPath, readOnly: !!v.persistentVolumeClaim.readOnly };
    }
    throw new VolumeError('volume type not supported by this kubelet');
  }

  /**
   * Secret and projected volumes (which carry tokens) live in memory, as upstream backs them by
   * a tmpfs so secrets never reach the disk; configMap and downwardAPI volumes are on disk.
   */
  private async writeFiles(uid: string, plugin: string, name: string, files: () => ReturnType<typeof configMapFiles>, backing: 'disk' | 'memory' = 'disk'): Promise<MountedVolume> {
    const dir = this.volumeDir(uid, plugin, name);
    const payload = files();
    const digest = payloadDigest(payload);
    if (this.written.get(dir) !== digest) {
      if (backing === 'memory' && !this.written.has(dir)) await linkMemoryDir(dir, uid, name, 0o755);
      this.written.delete(dir);
      await writeAtomically(dir, payload);
      this.written.set(dir, digest);
    }
    return { hostPath: dir, readOnly: true };
  }

  /** The host path of the PersistentVolume bound to a claim (local or hostPath volumes). */
  private async claimPath(namespace: string, claimName: string): Promise<string> {
    let pvc: PersistentVolumeClaim;
    try {
      pvc = await this.opts.client.resource(persistentVolumeClaims, namespace).get(claimName);
    } catch (err) {
      if (isNotFound(err)) throw new VolumeError(`persistentvolumeclaim "${claimName}" not found`);
      throw err;
    }
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') throw new VolumeError(`PersistentVolumeClaim "${claimName}" is not bound`);
    let pv: PersistentVolume;
    try {
      pv = await this.opts.client.resource(persistentVolumes).get(pvName);
    } catch (err) {
      if (isNotFound(err)) throw new VolumeError(`persistentvolume "${pvName}" not found`);
      throw err;
    }
    if (pv.spec?.local?.path) {
      const st = await fs.stat(pv.spec.local.path).catch(() => undefined);
      if (!st) throw new VolumeError(`path "${pv.spec.local.path}" does not exist`);
      return pv.spec.local.path;
    }
    if (pv.spec?.hostPath) {
      // Local-path provisioned volumes are hostPath volumes of type DirectoryOrCreate.
      return setUpHostPath({ ...pv.spec.hostPath, type: pv.spec.hostPath.type || 'DirectoryOrCreate' });
    }
    throw new VolumeError(`persistentvolume "${pvName}" is neither a local nor a hostPath volume`);
  }

  /** Removes every volume directory of a pod (and its memory-backed directories). */
  async cleanUp(uid: string): Promise<void> {
    this.tokens.deletePodTokens(uid);
    const prefix = `${this.podDir(uid)}${path.sep}`;
    for (const dir of [...this.written.keys()]) if (dir.startsWith(prefix)) this.written.delete(dir);
    for (const plugin of [PLUGIN_DIRS.emptyDir, PLUGIN_DIRS.secret, PLUGIN_DIRS.projected]) {
      const pluginDir = path.join(this.podDir(uid), 'volumes', plugin);
      for (const name of await fs.readdir(pluginDir).catch(() => [] as string[])) {
        await fs.rm(shmDirFor(uid, name), { recursive: true, force: true });
      }
    }
    await fs.rm(path.join(this.podDir(uid), 'volumes'), { recursive: true, force: true });
  }

  /** Removes the pod's whole directory (volumes, logs, …). */
  async removePodDir(uid: string): Promise<void> {
    await this.cleanUp(uid);
    await fs.rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** Pod uids with a directory under <rootDir>/pods. */
  async podDirs(): Promise<string[]> {
    return fs.readdir(path.join(this.opts.rootDir, 'pods')).catch(() => [] as string[]);
  }
}
