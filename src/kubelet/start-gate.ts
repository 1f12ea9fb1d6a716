// How many new pods are set up and started at once, first come first served. The kubelet runs
// on one event loop: a hundred pods started together advance a step each in turn and all
// finish late, where a few at a time in arrival order finish one after another, the first
// ones early, at the same total cost. (Upstream's pod workers are goroutines spread over cores
// and need no such gate.) Only first starts pass it; restarts, kills and deletions never wait.
export class StartGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves with a release function (idempotent) once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so a newcomer cannot overtake it.
      if (next) next();
      else this.running--;
    };
  }

  /** Pods waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
