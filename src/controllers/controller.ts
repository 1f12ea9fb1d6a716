// The shape every controller shares (after upstream's pkg/controller): informer handlers
// only enqueue `namespace/name` keys; workers take keys from a rate-limited queue and run a
// level-triggered sync(key) that re-reads the caches, acts through the API, and may run twice.
import type { ApiClient } from '../client/api-client.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { Clock } from '../client/clock.js';
import { realClock } from '../client/clock.js';
import { RateLimitingQueue } from '../client/rate-limiting-queue.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { EventRecorder } from '../client/event-recorder.js';

/** What a controller is built from; the manager hands every controller the same set. */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  /** Records core/v1 Events for the controller's component name. */
  recorder(component: string): EventRecorder;
}

export interface Controller {
  readonly name: string;
  /** Starts the workers; informers are started (and synced) by the manager. */
  start(): void;
  /** Stops the workers and waits for the key in progress, if any. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A controller driven by one work queue of keys. Subclasses register informer handlers that
 * call `enqueue`, and implement `sync`. A sync that throws is retried with back-off; one that
 * returns is forgotten (its failure count reset).
 */
export abstract class QueueController implements Controller {
  abstract readonly name: string;
  protected readonly queue: RateLimitingQueue<string>;
  protected readonly clock: Clock;
  protected readonly logger: Logger;
  private workers: Promise<void>[] = [];
  private running = false;

  constructor(protected readonly ctx: ControllerContext, private readonly workerCount = 2) {
    this.clock = ctx.clock ?? realClock;
    this.logger = ctx.logger ?? nullLogger;
    this.queue = new RateLimitingQueue<string>({ clock: this.clock });
  }

  /** Reconciles one key. Must be safe to run again with the same key. */
  protected abstract sync(key: string): Promise<void>;

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.queue.shutDown();
    await Promise.all(this.workers);
    this.workers = [];
  }

  /** Runs every queued key now (tests drive controllers this way with a fake clock). */
  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.sync(key);
      this.queue.forget(key);
    } catch (err) {
      this.logger.warn('sync failed; will retry', { controller: this.name, key, error: err instanceof Error ? err.message : String(err) });
      this.queue.addRateLimited(key);
    } finally {
      this.queue.done(key);
    }
  }
}
