// emptyDir volumes: a fresh directory for the pod's life. With medium Memory upstream mounts a
// tmpfs; without mount privileges the directory is made under /dev/shm (memory-backed) and
// linked from the volume path, or left on disk when /dev/shm is not writable. sizeLimit is
// recorded, not enforced (upstream enforces it by eviction). Secret and projected volumes are
// memory-backed the same way (see volume-manager.ts).
import { promises as fs, lstatSync, mkdirSync } from 'node:fs';
import { memoryFs, mkdir, readlink, rm, symlink } from '../fs-async.js';
import path from 'node:path';
import type { EmptyDirVolumeSource } from 'kubernetes-types/core/v1.js';

const SHM = '/dev/shm';
/** This user's memory-backed parent directory (see memoryRoot). */
const MEMORY_ROOT = path.join(SHM, `coxswain-${process.getuid?.() ?? 0}`);

/**
 * The memory-backed parent of every such directory: private to this user (0700, ours), since
 * secrets and tokens live there. Containers reach their volume through its own bind mount
 * (cri) or path (process, same user), never through this parent. Undefined when /dev/shm
 * cannot be used, or someone else made the directory.
 */
export function memoryRoot(): string | undefined {
  try {
    mkdirSync(MEMORY_ROOT, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const st = lstatSync(MEMORY_ROOT);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0) || (st.mode & 0o077) !== 0) return undefined;
    return MEMORY_ROOT;
  } catch {
    return undefined;
  }
}

/** Memory-backed directory of a pod's volume (to remove with the pod). */
export function shmDirFor(uid: string, name: string): string {
  return path.join(MEMORY_ROOT, `${uid}-${name}`);
}

/**
 * Makes `volumeDir` a link to the pod volume's memory-backed directory (created with `mode`);
 * false when memory cannot be used.
 */
export async function linkMemoryDir(volumeDir: string, uid: string, name: string, mode: number): Promise<boolean> {
  if (!memoryRoot()) return false;
  const target = shmDirFor(uid, name);
  // In memory: made inline (fs-async.ts). The link is on disk, through the pool; a new pod's
  // needs its parent made and nothing looked up or removed first.
  await memoryFs.mkdir(target, { recursive: true, mode });
  await mkdir(path.dirname(volumeDir), { recursive: true });
  try {
    await symlink(target, volumeDir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let existing: string | undefined;
  try {
    existing = await readlink(volumeDir);
  } catch {
    // not a link: a directory from before
  }
  if (existing === target) return true;
  await rm(volumeDir, { recursive: existing === undefined, force: true });
  await symlink(target, volumeDir);
  return true;
}

export async function setUpEmptyDir(volumeDir: string, uid: string, name: string, src: EmptyDirVolumeSource): Promise<string> {
  if (src.medium === 'Memory' && (await linkMemoryDir(volumeDir, uid, name, 0o777))) return volumeDir;
  await fs.mkdir(volumeDir, { recursive: true });
  // As upstream: world-writable, so any container user can use it.
  await fs.chmod(volumeDir, 0o777);
  return volumeDir;
}

/**
 * Removes the memory-backed directories that volumes of the pods under `podsDir` (a kubelet's
 * <root>/pods) link to, with the links; returns the directories removed. For `coxswain reset`.
 */
export async function removeMemoryDirsUnder(podsDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const uid of await fs.readdir(podsDir).catch(() => [] as string[])) {
    const volumes = path.join(podsDir, uid, 'volumes');
    for (const plugin of await fs.readdir(volumes).catch(() => [] as string[])) {
      for (const name of await fs.readdir(path.join(volumes, plugin)).catch(() => [] as string[])) {
        const link = path.join(volumes, plugin, name);
        const target = await readlink(link).catch(() => undefined);
        if (!target || path.dirname(target) !== MEMORY_ROOT) continue;
        await rm(target, { recursive: true, force: true });
        await rm(link, { force: true });
        removed.push(target);
      }
    }
  }
  return removed;
}
