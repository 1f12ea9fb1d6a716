// Watches one running container: copies its output as it arrives and notices its exit (the
// shim's `exit` file) at once through watches of its state and output directories, with a
// periodic check as a fallback that also notices a shim that died without writing it.
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FSWatcher } from 'node:fs';

import type { Clock, Timer } from '../../../client/clock.js';
import type { Logger } from '../../../logger.js';
import type { OutputPump } from './output-pump.js';
import { isAliveSync, killAndWait, sessionMembers } from './proc.js';
import type { ProcessIdentity } from './proc.js';
import { exitFile, readExitStatusSync } from './shim.js';

/** How the container ended: the shim's status, or undefined when the shim died first. */
export interface ExitInfo {
  exitCode: number | undefined;
  finishedAt: number;
}

const POLL_MS = 1000;

export class ContainerMonitor {
  private watchers: FSWatcher[] = [];
  private timer: Timer | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** When the shim was last seen alive (clock ms); /proc is read again after half a poll period. */
  private shimSeenAt = -Infinity;
  private done = false;
  private closed = false;
  private resolveExit!: (info: ExitInfo) => void;
  /** Resolves once the exit is recorded and the output fully copied. */
  readonly exited: Promise<ExitInfo>;

  constructor(
    /** The container's state directory (the exit file). */
    private readonly dir: string,
    /** Where its output files are (the same directory, or one on disk). */
    private readonly outputDir: string,
    readonly pump: OutputPump,
    private readonly shim: ProcessIdentity | undefined,
    private readonly container: ProcessIdentity | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onExit: (info: ExitInfo) => Promise<void>,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  start(): void {
    for (const dir of new Set([this.dir, this.outputDir])) {
      try {
        const watcher = watch(dir, () => void this.refresh());
        watcher.on('error', () => undefined);
        watcher.unref();
        this.watchers.push(watcher);
      } catch (err) {
        this.logger.debug('watching container directory failed; polling only', { dir, err: String(err) });
      }
    }
    this.schedulePoll();
    void this.refresh();
  }

  get finished(): boolean {
    return this.done;
  }

  /** Copies new output and checks for the exit; concurrent calls share one run. */
  refresh(): Promise<void> {
    if (this.done || this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.check();
      } while (this.again && !this.done && !this.closed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops watching; the container keeps running (another runtime may adopt it). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    await this.running;
    if (!this.done) await this.pump.close();
  }

  private async check(): Promise<void> {
    await this.pump.pump();
    let code = readExitStatusSync(this.dir);
    if (code === undefined) {
      // The exit file is how an exit is noticed at once; a shim that died without writing it
      // (killed) is noticed by the next poll. Status reads come in bursts (every container
      // start reads its pod's containers again), so /proc is not read for each of them.
      const now = this.clock.now();
      if (now - this.shimSeenAt < POLL_MS / 2) return;
      if (isAliveSync(this.shim)) {
        this.shimSeenAt = now;
        return;
      }
      // The shim may have written the file just before it ended.
      code = readExitStatusSync(this.dir);
    }
    await this.finish(code);
  }

  private async finish(exitCode: number | undefined): Promise<void> {
    this.done = true;
    this.stopWatching();
    // As a pid namespace ends with its init: nothing of the container outlives it, even a
    // process that left its process group (the shim already killed the group).
    if (this.container) {
      await killAndWait((await sessionMembers(this.container.pid)).map((p) => ({ pid: p.pid, startTime: p.startTime })));
    }
    await this.pump.finish();
    // The exit file's time is when it ended, even if no kubelet was running then.
    const finishedAt = await stat(exitFile(this.dir)).then((s) => Math.floor(s.mtimeMs), () => this.clock.now());
    const info = { exitCode, finishedAt };
    await this.onExit(info);
    this.resolveExit(info);
  }

  private schedulePoll(): void {
    this.timer = this.clock.setTimeout(() => {
      void this.refresh().finally(() => {
        if (!this.done && !this.closed) this.schedulePoll();
      });
    }, POLL_MS);
  }

  private stopWatching(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.timer?.cancel();
    this.timer = undefined;
  }
}
