// The work queue, after client-go's util/workqueue (queue.go): items are de-duplicated while
// they wait, an item being processed is never handed to a second worker (re-adding it marks
// it dirty; it is queued again when done() is called), and shutDown lets workers drain.

interface Waiter<T> {
  resolve(item: T | undefined): void;
}

export class WorkQueue<T extends {}> {
  /** Items in the order they will be handed out. */
  private queue: T[] = [];
  private head = 0;
  /** Items that need processing (queued, or re-added while being processed). */
  private readonly dirty = new Set<T>();
  /** Items handed out by get() and not yet done(). */
  private readonly processing = new Set<T>();
  private readonly waiters: Waiter<T>[] = [];
  private shuttingDownFlag = false;
  private drainWaiters: (() => void)[] = [];

  /** Marks `item` as needing processing. Ignored after shutDown. */
  add(item: T): void {
    if (this.shuttingDownFlag) return;
    if (this.dirty.has(item)) return;
    this.dirty.add(item);
    // Being processed: it is queued again by done(), so no two workers hold it at once.
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /**
   * The next item, waiting for one if needed. Resolves to undefined once the queue is shut
   * down and empty: the worker should then return. Call done(item) when finished with it.
   */
  get(): Promise<T | undefined> {
    const item = this.take();
    if (item !== undefined) return Promise.resolve(item);
    if (this.shuttingDownFlag) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push({ resolve }));
  }

  /** Marks `item` as processed; if it was re-added meanwhile, it is queued again. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) this.push(item);
    else if (this.processing.size === 0) this.notifyDrained();
  }

  /** Number of items waiting to be handed out. */
  get length(): number {
    return this.queue.length - this.head;
  }

  get shuttingDown(): boolean {
    return this.shuttingDownFlag;
  }

  /** Refuses new items; workers still get what is queued, then undefined. Idempotent. */
  shutDown(): void {
    if (this.shuttingDownFlag) return;
    this.shuttingDownFlag = true;
    // Nothing is queued while anyone waits, so every waiter learns of the shutdown now.
    for (const w of this.waiters.splice(0)) w.resolve(undefined);
  }

  /** shutDown(), then waits until every item handed out has been marked done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(item);
      this.processing.add(item);
      w.resolve(item);
      return;
    }
    this.queue.push(item);
  }

  private take(): T | undefined {
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head++]!;
    // Compact now and then rather than shift() on every get (O(n) each).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }

  private notifyDrained(): void {
    for (const r of this.drainWaiters.splice(0)) r();
  }
}
