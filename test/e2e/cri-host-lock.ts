// One `coxswain up --runtime cri` at a time on this host: they share host-wide things (the
// cni0 bridge, the coxswain0 dummy and its routes, the /coxswain cgroups), and `coxswain
// reset` in one suite would tear down another's. Suites that start one hold this lock (a file
// holding the holder's PID; a dead holder's lock is taken over) for their whole run.
import { open, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CRI_HOST_LOCK = join(tmpdir(), 'coxswain-cri-e2e.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the lock (polling every 500 ms, up to `timeoutMs`); resolves with its release. */
export async function acquireCriHostLock(timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(CRI_HOST_LOCK, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        const holder = Number(await readFile(CRI_HOST_LOCK, 'utf8').catch(() => '0'));
        if (holder === process.pid) await unlink(CRI_HOST_LOCK).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(CRI_HOST_LOCK, 'utf8').catch(() => '')).trim());
    // An empty file is a holder between creating and writing it: wait.
    if (holder && !alive(holder)) {
      await unlink(CRI_HOST_LOCK).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another cri e2e suite (pid ${holder}) holds ${CRI_HOST_LOCK}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
