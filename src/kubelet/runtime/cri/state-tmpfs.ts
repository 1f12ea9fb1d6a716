// containerd's `state` directory (and runc's root under it) on a tmpfs, as upstream's
// /run/containerd always is: it holds only what dies with the machine (task bundles, shim
// addresses, sandbox /etc files, runc's state.json and exec fifos), and every pod writes
// dozens of small files there. Where the data dir is on a disk file system, each of those
// inodes costs far more (about 0.3 ms of CPU each on a journal-less ext4, 30× a tmpfs), so
// the managed containerd mounts a tmpfs of its own on <dataDir>/containerd/state when that is
// not a tmpfs already. It is unmounted when containerd stops and nothing uses it any more;
// otherwise `coxswain reset` (which unmounts everything under the data dir) removes it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statfsSync } from 'node:fs';

const TMPFS_MAGIC = 0x01021994;
/** The source name of our mounts, so that only ours are ever unmounted. */
export const STATE_TMPFS_SOURCE = 'coxswain-containerd-state';

/** The mount exactly at `dir` (undefined when `dir` is no mount point). */
export function mountAt(dir: string): { type: string; source: string } | undefined {
  const target = realpathSync(dir);
  let found: { type: string; source: string } | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // "id parent major:minor root mountpoint options [optional…] - fstype source superoptions"
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    // The last one mounted there is the one seen.
    if (fields[4]?.replace(/\\040/g, ' ') === target) found = { type: fields[sep + 1] ?? '', source: fields[sep + 2] ?? '' };
  }
  return found;
}

export type StateMount = 'mounted' | 'already-tmpfs' | 'not-empty' | 'failed';

/**
 * Mounts a tmpfs (mode 0711, root only) on `dir` unless one is there already. A directory on
 * disk that already holds state (shims of a containerd started before may use it) is left
 * alone, as is any failure to mount (no CAP_SYS_ADMIN): both only cost speed.
 */
export function mountStateTmpfs(dir: string): { result: StateMount; error?: string } {
  if (statfsSync(dir).type === TMPFS_MAGIC) return { result: 'already-tmpfs' };
  if (readdirSync(dir).length > 0) return { result: 'not-empty' };
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0711,nosuid,nodev', STATE_TMPFS_SOURCE, dir], { encoding: 'utf8' });
  if (r.status === 0) return { result: 'mounted' };
  return { result: 'failed', error: (r.stderr || r.error?.message || `exit ${r.status}`).trim() };
}

/** Unmounts our tmpfs from `dir` unless a process still uses it (then it stays, EBUSY). */
export function unmountStateTmpfs(dir: string): boolean {
  try {
    if (mountAt(dir)?.source !== STATE_TMPFS_SOURCE) return false;
  } catch {
    return false; // no such directory
  }
  return spawnSync('umount', [dir], { stdio: 'ignore' }).status === 0;
}
