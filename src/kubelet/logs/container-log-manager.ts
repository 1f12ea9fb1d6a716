// Rotates the log files of running containers, as upstream's containerLogManager
// (pkg/kubelet/logs/container_log_manager.go). Every monitor interval (10 s) it checks each
// running container's log; one at or above maxSize is rotated:
//   1. leftovers of a failed rotation are removed (`.tmp` files, plain files already gzipped);
//   2. the oldest rotated files are removed so that, with the file being rotated and the new
//      current one, at most maxFiles remain;
//   3. the remaining uncompressed rotated files are gzipped;
//   4. the current file is renamed to `<log>.<YYYYMMDD-HHMMSS>` (left uncompressed, so a reader
//      can finish it) and the runtime is told to reopen its log (CRI ReopenContainerLog); if it
//      cannot, the rename is undone and the next round tries again.
// Exited containers are skipped: they write nothing more. `kubectl logs` reads the current file.
import { rename, rm, stat } from 'node:fs/promises';

import type { Clock } from '../../client/clock.js';
import { realClock } from '../../client/clock.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { Periodic } from '../periodic.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { compressLog } from './compress-log.js';
import { logRotatePolicy } from './log-rotate-policy.js';
import type { LogRotatePolicy, LogRotateSettings } from './log-rotate-policy.js';
import { COMPRESS_SUFFIX, filterUnusedLogs, listRotatedLogs, rotatedLogName } from './rotated-logs.js';

export type LogRotationRuntime = Pick<ContainerRuntime, 'listContainers' | 'containerStatus' | 'reopenContainerLog'>;

export interface ContainerLogManagerOptions extends LogRotateSettings {
  runtime: LogRotationRuntime;
  clock?: Clock;
  logger?: Logger;
}

export type ContainerLogManagerState = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

export class ContainerLogManager {
  readonly policy: LogRotatePolicy;
  /**
   * False when rotation is off: a negative maxSize (as upstream), or a runtime that cannot
   * reopen its logs (renaming a file it still writes through would lose output).
   */
  readonly enabled: boolean;
  private readonly runtime: LogRotationRuntime;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly loop: Periodic;
  private state: ContainerLogManagerState = 'INITIALIZED';
  /** Passes and cleans run one at a time (upstream's mutex). */
  private tail: Promise<void> = Promise.resolve();

  /** Throws LogRotatePolicyError on invalid settings (maxFiles <= 1, an unparsable size). */
  constructor(opts: ContainerLogManagerOptions) {
    this.policy = logRotatePolicy(opts);
    this.runtime = opts.runtime;
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'container-log-manager' });
    this.enabled = this.policy.maxSize >= 0 && typeof opts.runtime.reopenContainerLog === 'function';
    this.loop = new Periodic('container log rotation', this.clock, this.policy.monitorIntervalMs, () => this.rotateLogs(), this.logger);
  }

  get status(): ContainerLogManagerState {
    return this.state;
  }

  /** Checks now and then every monitor interval (nothing when rotation is off). */
  start(): void {
    if (this.state !== 'INITIALIZED') throw new Error(`container log manager cannot start from state ${this.state}`);
    this.state = 'RUNNING';
    if (!this.enabled) {
      this.logger.info('container log rotation is off', { maxSize: this.policy.maxSize, reopen: typeof this.runtime.reopenContainerLog === 'function' });
      return;
    }
    this.logger.info('container log rotation started', { ...this.policy });
    this.loop.start(0);
  }

  /** Stops the periodic check after any pass in progress. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    await this.loop.stop();
    await this.tail;
  }

  /** Resolves when no pass or clean is running or queued (tests). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** One pass over the running containers; errors per container are logged, not thrown. */
  rotateLogs(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.enabled) return;
      const containers = await this.runtime.listContainers();
      // As upstream: only running containers; an exited one writes nothing more.
      const ids = containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => c.id);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) await this.processContainer(ids[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(this.policy.maxWorkers, ids.length) }, worker));
    });
  }

  /** Removes every log of a container, rotated ones included (upstream Clean). */
  clean(containerId: string): Promise<void> {
    return this.exclusive(async () => {
      const status = await this.runtime.containerStatus(containerId);
      if (!status) throw new Error(`container status is nil for "${containerId}"`);
      const log = status.logPath;
      for (const f of [log, ...(await listRotatedLogs(log))]) await rm(f, { force: true });
    });
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async processContainer(id: string): Promise<void> {
    try {
      const status = await this.runtime.containerStatus(id);
      if (!status) return; // removed since the list
      const log = status.logPath;
      let size = await fileSize(log);
      if (size === undefined) {
        // As upstream: a missing current file (e.g. removed by hand) is recreated by a reopen.
        await this.runtime.reopenContainerLog!(id);
        size = await fileSize(log);
        if (size === undefined) {
          this.logger.warn('container log missing after reopen', { containerID: id, path: log });
          return;
        }
      }
      if (size < this.policy.maxSize) return;
      await this.rotateLog(id, log);
      this.logger.debug('rotated container log', { containerID: id, path: log, size });
    } catch (err) {
      this.logger.warn('failed to rotate container log', { containerID: id, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async rotateLog(id: string, log: string): Promise<void> {
    const rotated = rotatedLogName(log, this.clock.now());
    // Two rotations within one second would share a name, and the second would replace the
    // first (upstream's interval of 3 s or more never meets this; a forced pass can).
    if ((await fileSize(rotated)) !== undefined || (await fileSize(rotated + COMPRESS_SUFFIX)) !== undefined) {
      throw new Error(`rotated log "${rotated}" already exists; rotating in a later pass`);
    }
    const { inUse, unused } = filterUnusedLogs(await listRotatedLogs(log));
    for (const f of unused) await rm(f, { force: true });
    const kept = await this.removeExcessLogs(inUse);
    for (const f of kept) if (!f.endsWith(COMPRESS_SUFFIX)) await compressLog(f);
    await this.rotateLatestLog(id, log, rotated);
  }

  /**
   * Keeps the newest maxFiles-2 rotated files: with the file about to be rotated and the new
   * current one, that makes maxFiles. Oldest first, so a reader of a newer file is not cut off.
   */
  private async removeExcessLogs(logs: string[]): Promise<string[]> {
    const sorted = [...logs].sort();
    const keep = Math.max(this.policy.maxFiles - 2, 0);
    const excess = sorted.length - keep;
    for (let i = 0; i < excess; i++) await rm(sorted[i]!, { force: true });
    return sorted.slice(Math.max(excess, 0));
  }

  private async rotateLatestLog(id: string, log: string, rotated: string): Promise<void> {
    await rename(log, rotated);
    try {
      await this.runtime.reopenContainerLog!(id);
    } catch (err) {
      // Put the file back so the next round can try again (upstream does the same).
      await rename(rotated, log).catch((renameErr: unknown) =>
        this.logger.error('failed to rename rotated log back', { containerID: id, rotated, log, error: String(renameErr) }));
      throw new Error(`failed to reopen container log "${id}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
