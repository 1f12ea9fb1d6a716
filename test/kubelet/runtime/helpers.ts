// Process checks for the runtime tests: which processes a container has, and that none is left.
import assert from 'node:assert/strict';

import type { ProcessRuntime } from '../../../src/kubelet/runtime/process/process-runtime.js';
import { readProcStat, sessionMembers } from '../../../src/kubelet/runtime/process/proc.js';

/** True while `pid` is a live process (a zombie is not). */
export async function pidAlive(pid: number): Promise<boolean> {
  const st = await readProcStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

/** Every pid of every running container of `rt` (leaders and their sessions). */
export async function runningPids(rt: ProcessRuntime): Promise<number[]> {
  const pids = new Set<number>();
  for (const c of await rt.listContainers()) {
    const pid = await rt.containerPid(c.id);
    if (!pid) continue;
    pids.add(pid);
    for (const p of await sessionMembers(pid)) pids.add(p.pid);
  }
  return [...pids];
}

/** Stops everything `rt` runs and checks, pid by pid, that nothing survived. */
export async function stopAllAndCheck(rt: ProcessRuntime): Promise<void> {
  const pids = await runningPids(rt);
  await rt.stopAll();
  const alive: number[] = [];
  for (const pid of pids) if (await pidAlive(pid)) alive.push(pid);
  assert.deepEqual(alive, [], 'no container process survives stopAll');
}
