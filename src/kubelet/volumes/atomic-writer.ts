// Writes a set of files into a volume directory so readers never see a half-updated set, as
// upstream's pkg/volume/util/atomic_writer.go: the files live in a timestamped hidden directory
// (`..2024_01_01_00_00_00.123`), `..data` is a symlink to it swapped by rename(2), and each
// top-level name is a symlink through `..data`. An unchanged payload writes nothing.
import path from 'node:path';
import { fsFor, type StateFs } from '../fs-async.js';

// Through the thread pool's callback API, or inline in a memory-backed directory (../fs-async.ts).

export interface FileProjection {
  data: Buffer;
  /** Permission bits (upstream defaultMode 0644). */
  mode: number;
}

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

function timestampDirName(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function readLinkOrUndefined(fs: StateFs, p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch {
    return undefined;
  }
}

async function listFiles(fs: StateFs, root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(fs, root, r)));
    else out.push(r);
  }
  return out;
}

async function sameAsCurrent(fs: StateFs, current: string, files: Map<string, FileProjection>): Promise<boolean> {
  try {
    const existing = await listFiles(fs, current);
    if (existing.length !== files.size) return false;
    for (const rel of existing) {
      const want = files.get(rel);
      if (!want) return false;
      const p = path.join(current, rel);
      if (((await fs.stat(p)).mode & 0o7777) !== want.mode || !(await fs.readFile(p)).equals(want.data)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Makes `dir` hold exactly `files` (relative paths); returns whether anything changed. */
export async function writeAtomically(dir: string, files: Map<string, FileProjection>): Promise<boolean> {
  for (const rel of files.keys()) {
    if (path.isAbsolute(rel) || rel.split('/').some((s) => s === '..' || s === '') || rel.startsWith('..')) {
      throw new Error(`invalid path in volume: ${rel}`);
    }
  }
  // A directory made just now holds nothing to compare with, replace or clean up: its first
  // payload needs no swap (readers cannot look before the links exist).
  // A memory-backed volume directory is a link to /dev/shm that exists already (empty-dir.ts).
  const fs = fsFor(dir);
  const fresh = (await fs.mkdir(dir, { recursive: true })) !== undefined || (await fs.readdir(dir)).length === 0;
  const oldTarget = fresh ? undefined : await readLinkOrUndefined(fs, path.join(dir, DATA_DIR));
  if (oldTarget && (await sameAsCurrent(fs, path.join(dir, oldTarget), files))) return false;

  const tsDir = await fs.mkdtemp(path.join(dir, timestampDirName(new Date())));
  for (const [rel, f] of files) {
    const p = path.join(tsDir, rel);
    if (rel.includes('/')) await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, f.data, { mode: f.mode });
    // Created with its mode; chmod (another journaled inode update) only when the umask took
    // bits away (upstream writes then chmods every file).
    if (((await fs.stat(p)).mode & 0o7777) !== f.mode) await fs.chmod(p, f.mode);
  }
  const wantTop = new Set([...files.keys()].map((rel) => rel.split('/')[0]!));
  if (fresh) {
    await fs.symlink(path.basename(tsDir), path.join(dir, DATA_DIR));
    await Promise.all([...wantTop].map((top) => fs.symlink(path.join(DATA_DIR, top), path.join(dir, top))));
    return true;
  }

  const tmp = path.join(dir, DATA_TMP);
  await fs.rm(tmp, { force: true });
  await fs.symlink(path.basename(tsDir), tmp);
  await fs.rename(tmp, path.join(dir, DATA_DIR));
  for (const top of wantTop) {
    const link = path.join(dir, top);
    const target = path.join(DATA_DIR, top);
    if ((await readLinkOrUndefined(fs, link)) === target) continue;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
  }
  for (const e of await fs.readdir(dir)) {
    if (e.startsWith('..') || wantTop.has(e)) continue;
    await fs.rm(path.join(dir, e), { recursive: true, force: true });
  }
  if (oldTarget && oldTarget !== path.basename(tsDir)) await fs.rm(path.join(dir, oldTarget), { recursive: true, force: true });
  return true;
}
