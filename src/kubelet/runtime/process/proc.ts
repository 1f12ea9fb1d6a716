// Reading /proc: a process's identity (pid + start time, so a recycled pid is never mistaken
// for ours), its group and session, and the CPU and memory it uses.
// /proc files are read synchronously where it is one small file (a stat line): the kernel
// answers in microseconds, less than an asynchronous read's thread-pool round trip.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z, T… */
  state: string;
  pgrp: number;
  session: number;
  /** Clock ticks. */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  /** Clock ticks since boot: with the pid, what identifies a process. */
  startTime: number;
  /** Pages. */
  rss: number;
}

/** Parses /proc/<pid>/stat; the command name is in parentheses and may hold spaces or ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on, so field n is at index n - 3.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const n = (field: number) => Number(f[field - 3]);
  return {
    pid, state: f[0] ?? '?', pgrp: n(5), session: n(6), utime: n(14), stime: n(15), cutime: n(16), cstime: n(17),
    startTime: n(22), rss: n(24),
  };
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readProcStatSync(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A process we started, as recorded: its pid and the start time /proc gave at the time. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

/** True when `id` still names a live (not zombie) process: same pid, same start time. */
export function isAliveSync(id: ProcessIdentity | undefined): boolean {
  if (!id) return false;
  const st = readProcStatSync(id.pid);
  return !!st && st.startTime === id.startTime && st.state !== 'Z' && st.state !== 'X';
}

export async function isAlive(id: ProcessIdentity | undefined): Promise<boolean> {
  return isAliveSync(id);
}

export function identifySync(pid: number): ProcessIdentity | undefined {
  const st = readProcStatSync(pid);
  return st ? { pid, startTime: st.startTime } : undefined;
}

export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  return identifySync(pid);
}

async function scanProc(): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readProcStat(Number(n))));
  return stats.filter((st): st is ProcStat => !!st && st.state !== 'Z' && st.state !== 'X');
}

let scanning: Promise<ProcStat[]> | undefined;
let queued: Promise<ProcStat[]> | undefined;

/**
 * Every live process, from a scan of /proc that starts after the call. Callers that arrive
 * while a scan runs share the next one, so stopping a node's worth of containers at once reads
 * /proc a few times, not once per container, and never misses a process started before the call.
 */
function liveProcesses(): Promise<ProcStat[]> {
  if (!scanning) {
    scanning = scanProc().finally(() => (scanning = undefined));
    return scanning;
  }
  queued ??= scanning.catch(() => undefined).then(() => {
    queued = undefined;
    return liveProcesses();
  });
  return queued;
}

/** Every live process whose session is `sid` (a container's whole tree, even after its leader exits). */
export async function sessionMembers(sid: number): Promise<ProcStat[]> {
  return (await liveProcesses()).filter((st) => st.session === sid);
}

let clockTicks: number | undefined;
/** USER_HZ, the unit of utime/stime (100 on Linux almost everywhere). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

let pageSize: number | undefined;
export function pageSizeBytes(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

/** Sends `signal` to a process group, ignoring a group that is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs each process and waits (up to `deadlineMs`) until none is alive, so a caller that
 * reports a container exited never leaves one of its processes still dying.
 */
export async function killAndWait(targets: ProcessIdentity[], deadlineMs = 2000): Promise<void> {
  for (const t of targets) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + deadlineMs;
  let pending = targets;
  while (pending.length > 0 && Date.now() < deadline) {
    pending = pending.filter((t) => isAliveSync(t));
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 2));
  }
}
