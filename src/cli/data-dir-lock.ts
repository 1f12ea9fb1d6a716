// One coxswain per data dir: two processes sharing a sqlite file and a port would corrupt
// each other's view of the cluster. The lock is `<dataDir>/coxswain.pid`, created with
// O_EXCL and holding the owner's PID; a file whose PID is gone is stale and taken over.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'coxswain.pid';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`another coxswain (pid ${pid}) is using ${dataDir}; stop it first or pass a different --data-dir`);
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the pid file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

// Data dirs locked by this process, so a PID equal to ours is told apart from a stale file
// left by an earlier process that happened to get the same PID (common in containers, PID 1).
const heldByThisProcess = new Set<string>();

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE_NAME);
  // Two attempts: the second follows the removal of a stale file.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      heldByThisProcess.add(path);
      return newLock(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && isCoxswainAlive(owner, path)) throw new DataDirLockedError(dataDir, owner);
    // Stale (owner gone, or unreadable contents from a crash mid-write). A narrow race remains
    // if two processes take over the same stale file at once; starting two at once is rare.
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  const owner = await readOwner(path);
  throw new DataDirLockedError(dataDir, owner ?? -1);
}

function newLock(path: string): DataDirLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      heldByThisProcess.delete(path);
      // Only remove the file if it still names us: never delete another process's lock.
      if ((await readOwner(path)) === process.pid) {
        await unlink(path).catch(() => undefined);
      }
    },
  };
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isCoxswainAlive(pid: number, path: string): boolean {
  if (pid === process.pid) return heldByThisProcess.has(path);
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isOtherProgram(pid);
}

/**
 * After a reboot or container restart the PID may belong to an unrelated program. On Linux
 * /proc tells us; coxswain runs under node, so a live PID whose command line mentions neither
 * is not ours. Elsewhere, a live PID is trusted.
 */
function isOtherProgram(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  return !/node|coxswain/i.test(cmdline);
}
