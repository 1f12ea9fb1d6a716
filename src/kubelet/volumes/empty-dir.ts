// emptyDir volumes: a fresh directory for the pod's life. With medium Memory upstream mounts a
// tmpfs; without mount privileges the directory is made under /dev/shm (memory-backed) and
// linked from the volume path, or left on disk when /dev/shm is not writable. sizeLimit is
// recorded, not enforced (upstream enforces it by eviction).
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { EmptyDirVolumeSource } from 'kubernetes-types/core/v1.js';

const SHM = '/dev/shm';

async function shmWritable(): Promise<boolean> {
  try {
    await fs.access(SHM, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Memory-backed directory of a pod's volume (to remove with the pod). */
export function shmDirFor(uid: string, name: string): string {
  return path.join(SHM, `coxswain-${uid}-${name}`);
}

export async function setUpEmptyDir(volumeDir: string, uid: string, name: string, src: EmptyDirVolumeSource): Promise<string> {
  if (src.medium === 'Memory' && (await shmWritable())) {
    const target = shmDirFor(uid, name);
    await fs.mkdir(target, { recursive: true, mode: 0o777 });
    try {
      const existing = await fs.readlink(volumeDir);
      if (existing === target) return volumeDir;
      await fs.rm(volumeDir, { force: true });
    } catch {
      await fs.rm(volumeDir, { recursive: true, force: true });
    }
    await fs.mkdir(path.dirname(volumeDir), { recursive: true });
    await fs.symlink(target, volumeDir);
    return volumeDir;
  }
  await fs.mkdir(volumeDir, { recursive: true });
  // As upstream: world-writable, so any container user can use it.
  await fs.chmod(volumeDir, 0o777);
  return volumeDir;
}
