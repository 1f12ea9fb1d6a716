// Pod IPs for the process runtime. Processes share the host's network, but each pod still
// gets its own loopback address (DESIGN.md §4: the pod range is a loopback range in process
// mode), so replicas that bind $(POD_IP):port run side by side, and Services balance over
// distinct endpoints. Addresses are handed out round robin, like CNI's host-local IPAM, so a
// just-freed address is not reused at once.
import { IpRange } from '../../../net/ip-range.js';

export class PodAddresses {
  private readonly range: IpRange;
  private readonly used = new Set<number>();
  private last = -1;

  constructor(cidr: string) {
    this.range = new IpRange(cidr);
  }

  /** Marks an address as taken (a sandbox re-adopted after a restart). */
  claim(ip: string): void {
    const offset = this.range.offsetOf(ip);
    if (offset === undefined) return;
    this.used.add(offset);
    this.last = Math.max(this.last, offset);
  }

  allocate(): string {
    // Offset 0 is the range's gateway address, as host-local leaves it for the bridge.
    for (let i = 1; i <= this.range.size; i++) {
      const offset = (this.last + i) % this.range.size;
      if (offset === 0 || this.used.has(offset)) continue;
      this.used.add(offset);
      this.last = offset;
      return this.range.ipAt(offset);
    }
    throw new Error(`no pod address left in ${this.range.cidr}`);
  }

  release(ip: string): void {
    const offset = this.range.offsetOf(ip);
    if (offset !== undefined) this.used.delete(offset);
  }
}
