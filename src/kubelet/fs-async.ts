// File-system calls for the kubelet's own state (records, volume payloads, directories) that
// run on libuv's thread pool through the callback API. Why not the others:
//  - synchronous calls put the kernel's time on the event loop the API server shares, and a
//    journaled metadata update on a busy disk can take milliseconds (measured here: 9 small
//    creates, renames and mkdirs per pod went from 0.3 ms to 4.4 ms of loop time when another
//    process was using the same disk);
//  - fs/promises costs the loop two to three times the callback API for the same calls (a
//    FileHandle and its promises per open, write and close).
// Reads of tiny files (/proc, pid files) stay synchronous where they are: no journal involved.
//
// Memory-backed directories (tmpfs: the process runtime's records, secret and projected
// volumes) are the exception: nothing is journaled there, so a synchronous call takes a few
// microseconds, less than a trip through the pool (a writeFile alone is three: open, write,
// close), and a burst of pod starts does not queue them behind the disk's work. `fsFor` picks.
import fs from 'node:fs';
import { promisify } from 'node:util';

export const mkdir = promisify(fs.mkdir);
export const writeFile = promisify(fs.writeFile);
export const appendFile = promisify(fs.appendFile);
export const rename = promisify(fs.rename);
export const symlink = promisify(fs.symlink);
export const readlink = promisify(fs.readlink);
export const rm = promisify(fs.rm);
export const chmod = promisify(fs.chmod);
export const stat = promisify(fs.stat);
export const readdir = promisify(fs.readdir);
export const readFile = promisify(fs.readFile);
export const mkdtemp = promisify(fs.mkdtemp);

/** The calls the kubelet's state is written with, in one of the two forms. */
export interface StateFs {
  mkdir: typeof mkdir;
  writeFile: typeof writeFile;
  rename: typeof rename;
  symlink: typeof symlink;
  readlink: typeof readlink;
  rm: typeof rm;
  chmod: typeof chmod;
  stat: typeof stat;
  readdir: typeof readdir;
  readFile: typeof readFile;
  mkdtemp: typeof mkdtemp;
}

export const poolFs: StateFs = { mkdir, writeFile, rename, symlink, readlink, rm, chmod, stat, readdir, readFile, mkdtemp };

/** The same calls made synchronously, for memory-backed directories. */
function inline<F extends (...args: never[]) => unknown>(syncCall: F): (...args: Parameters<F>) => Promise<ReturnType<F>> {
  return (...args) => {
    try {
      return Promise.resolve(syncCall(...args) as ReturnType<F>);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

export const memoryFs: StateFs = {
  mkdir: inline(fs.mkdirSync) as unknown as typeof mkdir,
  writeFile: inline(fs.writeFileSync) as unknown as typeof writeFile,
  rename: inline(fs.renameSync) as unknown as typeof rename,
  symlink: inline(fs.symlinkSync) as unknown as typeof symlink,
  readlink: inline(fs.readlinkSync) as unknown as typeof readlink,
  rm: inline(fs.rmSync) as unknown as typeof rm,
  chmod: inline(fs.chmodSync) as unknown as typeof chmod,
  stat: inline(fs.statSync) as unknown as typeof stat,
  readdir: inline(fs.readdirSync) as unknown as typeof readdir,
  readFile: inline(fs.readFileSync) as unknown as typeof readFile,
  mkdtemp: inline(fs.mkdtempSync) as unknown as typeof mkdtemp,
};

const TMPFS_MAGIC = 0x01021994;

/** memoryFs for a directory on tmpfs, poolFs otherwise (or when it cannot be told). */
export function fsFor(dir: string): StateFs {
  try {
    return fs.statfsSync(dir).type === TMPFS_MAGIC ? memoryFs : poolFs;
  } catch {
    return poolFs;
  }
}
