// A work queue with workers that hand each key to a function: for controllers that, like
// upstream's garbage collector (attemptToDelete and attemptToOrphan), run more than one queue.
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';

export class KeyedWorkers extends QueueController {
  readonly name: string;

  constructor(ctx: ControllerContext, name: string, private readonly handle: (key: string) => Promise<void>, workers: number) {
    super(ctx, workers);
    this.name = name;
  }

  protected override sync(key: string): Promise<void> {
    return this.handle(key);
  }

  /** Keys waiting now (not counting those delayed). */
  get length(): number {
    return this.queue.length;
  }
}
