// What the process runtime keeps, so a new runtime over the same state directory (a kubelet
// restart) sees the same sandboxes and containers:
//   <rootDir>/sandboxes/<id>.json           a SandboxRecord
//   <rootDir>/containers/<id>/record.json   a ContainerRecord
//   <rootDir>/containers/<id>/pid|exit      written by the shim (see shim.ts)
//   <outputRoot>/containers/<id>/stdout|stderr  the process's raw output (see output-pump.ts)
//   <outputRoot>/containers/<id>/workdir    its private working directory (container-env.ts)
// The output root is the root itself unless the root is memory-backed (see state-dir.ts):
// records and pid files then cost no journaled disk writes, and only what a container may
// make large stays on disk.
import { randomBytes } from 'node:crypto';
import { mkdir, poolFs, readdir, readFile, type StateFs } from '../../fs-async.js';
import path from 'node:path';

import type { ContainerConfig, ContainerState, PodSandboxConfig, SandboxState } from '../types.js';
import type { ProcessIdentity } from './proc.js';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: SandboxState;
  createdAt: number;
  ip: string;
}

export interface ContainerRecord {
  id: string;
  podSandboxId: string;
  config: ContainerConfig;
  /** Absolute path of the CRI log file. */
  logPath: string;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  /** The sh process that waits for the container and records its exit. */
  shim?: ProcessIdentity;
  /** The container's main process; also its process group and session id. */
  process?: ProcessIdentity;
  /** The environment and working directory it runs with (reused by exec). */
  env?: Record<string, string>;
  cwd?: string;
}

/** A 64-hex-digit id, as containerd's. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

// Written through the thread pool's callback API (see src/kubelet/fs-async.ts for why).

/** Writes JSON so a reader (or a crash) never sees half a file. */
export async function writeJsonAtomic(file: string, value: unknown, fs: StateFs = poolFs): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value));
  await fs.rename(tmp, file);
}

/**
 * Writes the first version of a record straight to its name (one file creation instead of
 * two and a rename). Only for a record written before anything it describes exists: a crash
 * mid-write leaves a file that does not parse, which loading skips, and nothing is lost.
 */
export async function writeJsonNew(file: string, value: unknown, fs: StateFs = poolFs): Promise<void> {
  await fs.writeFile(file, JSON.stringify(value), { flag: 'wx' });
}

export class RecordPaths {
  constructor(readonly rootDir: string, readonly outputRoot = rootDir) {}

  /** Whether a container's output lives apart from its records. */
  get separateOutput(): boolean {
    return this.outputRoot !== this.rootDir;
  }

  get outputContainersDir(): string {
    return path.join(this.outputRoot, 'containers');
  }

  /** A container's raw output files and working directory. */
  outputDir(id: string): string {
    return path.join(this.outputContainersDir, id);
  }

  get sandboxesDir(): string {
    return path.join(this.rootDir, 'sandboxes');
  }

  get containersDir(): string {
    return path.join(this.rootDir, 'containers');
  }

  sandboxFile(id: string): string {
    return path.join(this.sandboxesDir, `${id}.json`);
  }

  containerDir(id: string): string {
    return path.join(this.containersDir, id);
  }

  containerFile(id: string): string {
    return path.join(this.containerDir(id), 'record.json');
  }

  async ensure(): Promise<void> {
    await mkdir(this.sandboxesDir, { recursive: true });
    await mkdir(this.containersDir, { recursive: true });
    await mkdir(this.outputContainersDir, { recursive: true });
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function loadSandboxes(paths: RecordPaths): Promise<SandboxRecord[]> {
  const names = await readdir(paths.sandboxesDir).catch(() => [] as string[]);
  const out: SandboxRecord[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    const rec = await readJson<SandboxRecord>(path.join(paths.sandboxesDir, n));
    if (rec?.id) out.push(rec);
  }
  return out;
}

export async function loadContainers(paths: RecordPaths): Promise<ContainerRecord[]> {
  const names = await readdir(paths.containersDir).catch(() => [] as string[]);
  const out: ContainerRecord[] = [];
  for (const n of names) {
    const rec = await readJson<ContainerRecord>(paths.containerFile(n));
    if (rec?.id) out.push(rec);
  }
  return out;
}
