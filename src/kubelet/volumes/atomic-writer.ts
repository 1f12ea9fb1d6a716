// Writes a set of files into a volume directory so readers never see a half-updated set, as
// upstream's pkg/volume/util/atomic_writer.go: the files live in a timestamped hidden directory
// (`..2024_01_01_00_00_00.123`), `..data` is a symlink to it swapped by rename(2), and each
// top-level name is a symlink through `..data`. An unchanged payload writes nothing.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Synchronous on purpose: a payload is a few small files, and each step is a metadata update
// of tens of microseconds, where the promise forms cost a thread-pool round trip apiece (see
// src/kubelet/runtime/process/records.ts for the measurement).

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

function readLinkOrUndefined(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, r));
    else out.push(r);
  }
  return out;
}

function sameAsCurrent(current: string, files: Map<string, FileProjection>): boolean {
  try {
    const existing = listFiles(current);
    if (existing.length !== files.size) return false;
    for (const rel of existing) {
      const want = files.get(rel);
      if (!want) return false;
      const p = path.join(current, rel);
      if ((statSync(p).mode & 0o7777) !== want.mode || !readFileSync(p).equals(want.data)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Makes `dir` hold exactly `files` (relative paths); returns whether anything changed. */
export function writeAtomically(dir: string, files: Map<string, FileProjection>): boolean {
  for (const rel of files.keys()) {
    if (path.isAbsolute(rel) || rel.split('/').some((s) => s === '..' || s === '') || rel.startsWith('..')) {
      throw new Error(`invalid path in volume: ${rel}`);
    }
  }
  // A directory made just now holds nothing to compare with, replace or clean up: its first
  // payload needs no swap (readers cannot look before the links exist).
  const fresh = mkdirSync(dir, { recursive: true }) !== undefined || readdirSync(dir).length === 0;
  const oldTarget = fresh ? undefined : readLinkOrUndefined(path.join(dir, DATA_DIR));
  if (oldTarget && sameAsCurrent(path.join(dir, oldTarget), files)) return false;

  const tsDir = mkdtempSync(path.join(dir, timestampDirName(new Date())));
  for (const [rel, f] of files) {
    const p = path.join(tsDir, rel);
    if (rel.includes('/')) mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.data, { mode: f.mode });
    // Created with its mode; chmod (another journaled inode update) only when the umask took
    // bits away (upstream writes then chmods every file).
    if ((statSync(p).mode & 0o7777) !== f.mode) chmodSync(p, f.mode);
  }
  const wantTop = new Set([...files.keys()].map((rel) => rel.split('/')[0]!));
  if (fresh) {
    symlinkSync(path.basename(tsDir), path.join(dir, DATA_DIR));
    for (const top of wantTop) symlinkSync(path.join(DATA_DIR, top), path.join(dir, top));
    return true;
  }

  const tmp = path.join(dir, DATA_TMP);
  rmSync(tmp, { force: true });
  symlinkSync(path.basename(tsDir), tmp);
  renameSync(tmp, path.join(dir, DATA_DIR));
  for (const top of wantTop) {
    const link = path.join(dir, top);
    const target = path.join(DATA_DIR, top);
    if (readLinkOrUndefined(link) === target) continue;
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || wantTop.has(e)) continue;
    rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  if (oldTarget && oldTarget !== path.basename(tsDir)) rmSync(path.join(dir, oldTarget), { recursive: true, force: true });
  return true;
}
