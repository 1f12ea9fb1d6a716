// The controller manager: builds the selected controllers over one shared informer factory,
// starts the informers, waits for their caches, then starts the controllers' workers.
import type { ApiClient } from '../client/api-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Clock } from '../client/clock.js';
import { realClock } from '../client/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { Controller, ControllerContext } from './controller.js';
import type { IdleGate } from '../client/idle-gate.js';

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export interface ControllerManagerOptions {
  client: ApiClient;
  /** name → factory of every controller this build knows. */
  factories: Record<string, ControllerFactory>;
  /**
   * Which to run, as upstream's --controllers: `*` (all), names, and `-name` to leave one out.
   * Default: all.
   */
  controllers?: string[];
  clock?: Clock;
  logger?: Logger;
  resyncPeriodMs?: number;
  /** Event writes wait while the process is saturated (client/idle-gate.ts); default: written at once. */
  eventGate?: IdleGate;
}

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

export class ControllerManager {
  readonly informers: InformerFactory;
  private readonly running: Controller[] = [];
  private readonly recorders: EventRecorder[] = [];
  private state: State = 'INITIALIZED';

  constructor(private readonly opts: ControllerManagerOptions) {
    this.informers = new InformerFactory(opts.client, {
      clock: opts.clock,
      logger: opts.logger,
      resyncPeriodMs: opts.resyncPeriodMs ?? 0,
    });
  }

  /** The controller names `--controllers` selects, in a stable order. */
  static select(known: string[], wanted: string[] = ['*']): string[] {
    const all = wanted.includes('*');
    const excluded = new Set(wanted.filter((w) => w.startsWith('-')).map((w) => w.slice(1)));
    const named = new Set(wanted.filter((w) => w !== '*' && !w.startsWith('-')));
    for (const n of [...named, ...excluded]) {
      if (!known.includes(n)) throw new Error(`unknown controller "${n}"; known controllers: ${known.join(', ')}`);
    }
    return known.filter((n) => (all || named.has(n)) && !excluded.has(n));
  }

  get names(): string[] {
    return this.running.map((c) => c.name);
  }

  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`cannot start a controller manager that is ${this.state}`);
    const logger = this.opts.logger ?? nullLogger;
    const ctx: ControllerContext = {
      client: this.opts.client,
      informers: this.informers,
      clock: this.opts.clock ?? realClock,
      logger,
      recorder: (component) => {
        const r = new EventRecorder(this.opts.client, { component, clock: this.opts.clock, logger, gate: this.opts.eventGate });
        this.recorders.push(r);
        return r;
      },
    };
    const names = ControllerManager.select(Object.keys(this.opts.factories), this.opts.controllers);
    for (const name of names) this.running.push(this.opts.factories[name](ctx));
    this.informers.start();
    await this.informers.waitForSync();
    for (const c of this.running) c.start();
    this.state = 'RUNNING';
    logger.info('controllers started', { controllers: names });
  }

  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    await Promise.all(this.running.map((c) => c.stop()));
    await this.informers.stop();
    for (const r of this.recorders) await r.stop?.();
  }
}
