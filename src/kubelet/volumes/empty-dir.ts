// emptyDir volumes: a fresh directory for the pod's life. With medium Memory upstream mounts a
// tmpfs; without mount privileges the directory is made under /dev/shm (memory-backed) and
// linked from the volume path, or left on disk when /dev/shm is not writable. sizeLimit is
// recorded, not enforced (upstream enforces it by eviction). Secret and projected volumes are
// memory-backed the same way (see volume-manager.ts).
import { promises as fs, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { EmptyDirVolumeSource } from 'kubernetes-types/core/v1.js';

const SHM = '/dev/shm';

/**
 * The memory-backed parent of every such directory: private to this user (0700, ours), since
 * secrets and tokens live there. Containers reach their volume through its own bind mount
 * (cri) or path (process, same user), never through this parent. Undefined when /dev/shm
 * cannot be used, or someone else made the directory.
 */
function memoryRoot(): string | undefined {
  const root = path.join(SHM, `coxswain-${process.getuid?.() ?? 0}`);
  try {
    mkdirSync(root, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const st = lstatSync(root);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0) || (st.mode & 0o077) !== 0) return undefined;
    return root;
  } catch {
    return undefined;
  }
}

/** Memory-backed directory of a pod's volume (to remove with the pod). */
export function shmDirFor(uid: string, name: string): string {
  return path.join(SHM, `coxswain-${process.getuid?.() ?? 0}`, `${uid}-${name}`);
}

/**
 * Makes `volumeDir` a link to the pod volume's memory-backed directory (created with `mode`);
 * false when memory cannot be used. Synchronous, as the atomic writer (see there).
 */
export function linkMemoryDir(volumeDir: string, uid: string, name: string, mode: number): boolean {
  if (!memoryRoot()) return false;
  const target = shmDirFor(uid, name);
  mkdirSync(target, { recursive: true, mode });
  let existing: string | undefined;
  try {
    existing = readlinkSync(volumeDir);
  } catch {
    // not a link: absent, or a directory from before
  }
  if (existing === target) return true;
  rmSync(volumeDir, { recursive: existing === undefined, force: true });
  mkdirSync(path.dirname(volumeDir), { recursive: true });
  symlinkSync(target, volumeDir);
  return true;
}

export async function setUpEmptyDir(volumeDir: string, uid: string, name: string, src: EmptyDirVolumeSource): Promise<string> {
  if (src.medium === 'Memory' && linkMemoryDir(volumeDir, uid, name, 0o777)) return volumeDir;
  await fs.mkdir(volumeDir, { recursive: true });
  // As upstream: world-writable, so any container user can use it.
  await fs.chmod(volumeDir, 0o777);
  return volumeDir;
}
