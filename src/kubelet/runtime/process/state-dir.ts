// Where `coxswain up` and `coxswain agent` keep the process runtime's state: memory-backed, as
// containerd keeps its state under /run (a tmpfs). The records and the shims' pid and exit
// files describe processes, which do not outlive the machine, so nothing is lost at a reboot
// that was not already gone; and a record, pid file or rename there costs a few microseconds
// instead of a journaled disk update (about ten per container, on the path of every start).
// What a container may make large (its raw output and working directory) stays on disk.
//
//   <data-dir>/runtime         a link to /dev/shm/coxswain-<uid>/runtime-<random> (the state)
//   <data-dir>/runtime-output  the containers' output and working directories
//
// A data dir made before this, where `runtime` is a directory, keeps it as it is (state and
// output together), so the containers recorded there are still adopted.
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { memoryRoot } from '../../volumes/empty-dir.js';

export interface ProcessRuntimeDirs {
  rootDir: string;
  /** Set when the state is memory-backed (rootDir is a link to it). */
  outputDir?: string;
}

export function processRuntimeDirs(dataDir: string): ProcessRuntimeDirs {
  const rootDir = path.join(dataDir, 'runtime');
  const outputDir = path.join(dataDir, 'runtime-output');
  const kind = lstatSync(rootDir, { throwIfNoEntry: false });
  if (kind?.isDirectory()) return { rootDir };
  if (kind?.isSymbolicLink()) {
    const target = readlinkSync(rootDir);
    // After a reboot the link is left dangling: the state starts afresh, under the same name.
    if (isOurs(target)) {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      return { rootDir, outputDir };
    }
    // Someone's own link (to a disk of their choosing): used as a directory.
    mkdirSync(rootDir, { recursive: true });
    return { rootDir };
  }
  const root = memoryRoot();
  if (!root) {
    mkdirSync(rootDir, { recursive: true });
    return { rootDir };
  }
  const target = path.join(root, `runtime-${randomBytes(8).toString('hex')}`);
  mkdirSync(target, { mode: 0o700 });
  mkdirSync(dataDir, { recursive: true });
  symlinkSync(target, rootDir);
  return { rootDir, outputDir };
}

/**
 * Removes the memory-backed state of a data dir's process runtime (for `coxswain reset` and
 * test clean-ups; removing the data dir only removes the link). Returns what was removed.
 */
export function removeProcessRuntimeState(dataDir: string): string | undefined {
  const link = path.join(dataDir, 'runtime');
  let target: string;
  try {
    target = readlinkSync(link);
  } catch {
    return undefined;
  }
  if (!isOurs(target)) return undefined;
  rmSync(target, { recursive: true, force: true });
  rmSync(link, { force: true });
  return target;
}

/** Only a directory this code made is followed or removed. */
function isOurs(target: string): boolean {
  const root = memoryRoot();
  return !!root && path.dirname(target) === root && /^runtime-[0-9a-f]{16}$/.test(path.basename(target));
}
