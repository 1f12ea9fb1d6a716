// A NodePort range (upstream --service-node-port-range), written "30000-32767" or, as
// upstream's PortRange also accepts, "30000+2767" (base plus size - 1).

export class PortRange {
  readonly base: number;
  readonly size: number;

  constructor(spec: string) {
    const m = /^\s*(\d+)\s*([-+])\s*(\d+)\s*$/.exec(spec);
    if (!m) throw new Error(`invalid port range "${spec}": expected "<min>-<max>"`);
    const low = Number(m[1]);
    const high = m[2] === '-' ? Number(m[3]) : low + Number(m[3]);
    if (low < 1 || high > 65535 || high < low) throw new Error(`invalid port range "${spec}"`);
    this.base = low;
    this.size = high - low + 1;
  }

  get max(): number {
    return this.base + this.size - 1;
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port <= this.max;
  }

  /** As upstream's PortRange.String(): "30000-32767". */
  toString(): string {
    return `${this.base}-${this.max}`;
  }
}
