// Whether an address belongs to this host, so the proxy only binds (and so only answers
// for) addresses that are its own: a ClusterIP outside the loopback range in process mode
// is skipped rather than bound on some other interface.
import net from 'node:net';
import os from 'node:os';

export class LocalAddresses {
  private addresses = new Set<string>();
  private readAt = -Infinity;

  /** `refreshMs`: how long the interface list is trusted before it is read again. */
  constructor(private readonly refreshMs = 5000, private readonly now: () => number = Date.now) {}

  has(ip: string): boolean {
    const family = net.isIP(ip);
    if (family === 0) return false;
    // All of 127.0.0.0/8 is local on Linux (the lo route covers it), and ::1.
    if (family === 4 && ip.startsWith('127.')) return true;
    if (ip === '::1') return true;
    if (this.now() - this.readAt > this.refreshMs) this.read();
    return this.addresses.has(ip);
  }

  private read(): void {
    this.readAt = this.now();
    const found = new Set<string>();
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) found.add(a.address);
    this.addresses = found;
  }
}
