// A task run every `periodMs` on a Clock, never overlapping itself: the next run is scheduled
// when the previous one has finished (as wait.Until). Errors are logged, not fatal.
import type { Clock, Timer } from '../client/clock.js';
import type { Logger } from '../logger.js';

export class Periodic {
  private timer: Timer | undefined;
  private stopped = false;
  private current: Promise<void> | undefined;

  constructor(private readonly name: string, private readonly clock: Clock, private readonly periodMs: number, private readonly fn: () => Promise<void>, private readonly logger: Logger) {}

  /** Runs now, then every period. */
  start(delayMs = 0): void {
    this.schedule(delayMs);
  }

  /** Runs at once (after any run in progress) and resets the period. */
  async runNow(): Promise<void> {
    this.timer?.cancel();
    await this.current;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.current;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.run(), ms);
  }

  private async run(): Promise<void> {
    if (this.stopped || this.current) return;
    this.timer?.cancel();
    this.current = (async () => {
      try {
        await this.fn();
      } catch (err) {
        this.logger.warn(`${this.name} failed`, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
    await this.current;
    this.current = undefined;
    this.schedule(this.periodMs);
  }
}
