// Pod cgroups that runc leaves behind: with cgroupfs, runc removes a container's own cgroup
// but not the parents it created (<root>/kubepods/<qos>/pod<uid>) in each v1 hierarchy (or
// the unified one). An empty cgroup directory is removed with rmdir, deepest first.
import { readdir, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';

const CGROUP_FS = '/sys/fs/cgroup';

/** The mounted hierarchies (v1 controllers, or the v2 root itself). */
async function hierarchies(): Promise<string[]> {
  const entries = await readdir(CGROUP_FS).catch(() => [] as string[]);
  if (entries.includes('cgroup.controllers')) return [CGROUP_FS];
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(CGROUP_FS, e);
    if ((await stat(p).catch(() => undefined))?.isDirectory()) out.push(p);
  }
  return out;
}

/** Removes a cgroup directory tree bottom-up; returns how many directories went. */
async function rmdirTree(dir: string): Promise<number> {
  let n = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) n += await rmdirTree(path.join(dir, e.name));
  try {
    await rmdir(dir);
    n++;
  } catch (err) {
    // EBUSY: a process still lives in it; ENOENT: gone already.
    if (!['ENOENT', 'EBUSY'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  return n;
}

/** The cgroups of one pod, in every QoS tier it could be in. */
export async function removePodCgroups(cgroupRoot: string, uid: string): Promise<number> {
  let n = 0;
  for (const h of await hierarchies()) {
    for (const tier of ['', 'burstable', 'besteffort']) {
      n += await rmdirTree(path.join(h, cgroupRoot, 'kubepods', tier, `pod${uid}`)).catch(() => 0);
    }
  }
  return n;
}

/** Every cgroup under our root (`coxswain reset`). */
export async function removeAllPodCgroups(cgroupRoot: string): Promise<number> {
  let n = 0;
  for (const h of await hierarchies()) n += await rmdirTree(path.join(h, cgroupRoot)).catch(() => 0);
  return n;
}
