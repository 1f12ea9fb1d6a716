// Bounds how many API calls the simulator has in flight: thousands of nodes and pods must not
// open thousands of concurrent requests. Tasks run in the order they were submitted.

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get pending(): number {
    return this.running + this.waiting.length;
  }

  /** Runs `task` once a slot is free; resolves or rejects with it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        task().then(resolve, reject).finally(() => {
          this.running--;
          const next = this.waiting.shift();
          if (next) next();
          else if (this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
      };
      if (this.running < this.limit) start();
      else this.waiting.push(start);
    });
  }

  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
