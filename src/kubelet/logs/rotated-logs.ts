// Names and bookkeeping of a container's rotated log files, as upstream's kubelet
// (pkg/kubelet/logs): a rotated file is `<log>.<YYYYMMDD-HHMMSS>`, compressed later to
// `<log>.<stamp>.gz` through a `.tmp` file. Rotated names sort oldest first as strings.
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export const COMPRESS_SUFFIX = '.gz';
export const TMP_SUFFIX = '.tmp';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Upstream's timestampFormat "20060102-150405", in the node's local time as Go's time.Now(). */
export function rotationTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

export function rotatedLogName(log: string, ms: number): string {
  return `${log}.${rotationTimestamp(ms)}`;
}

/** Files matching upstream's glob `<log>.*` (rotated, compressed and leftover temporary files). */
export async function listRotatedLogs(log: string): Promise<string[]> {
  const dir = path.dirname(log);
  const prefix = `${path.basename(log)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.startsWith(prefix)).map((n) => path.join(dir, n)).sort();
}

/**
 * Splits files left by earlier rotations into those in use and those a failed rotation left
 * behind (upstream filterUnusedLogs): temporary files, and uncompressed files whose `.gz`
 * already exists, are unused.
 */
export function filterUnusedLogs(logs: string[]): { inUse: string[]; unused: string[] } {
  const all = new Set(logs);
  const inUse: string[] = [];
  const unused: string[] = [];
  for (const l of logs) {
    const isUnused = l.endsWith(TMP_SUFFIX) || (!l.endsWith(COMPRESS_SUFFIX) && all.has(l + COMPRESS_SUFFIX));
    (isUnused ? unused : inUse).push(l);
  }
  return { inUse, unused };
}

/** Every log of a container in use, oldest first, the current file last (upstream GetAllLogs). */
export async function allContainerLogs(log: string): Promise<string[]> {
  const { inUse } = filterUnusedLogs(await listRotatedLogs(log));
  return [...inUse.sort(), log];
}
