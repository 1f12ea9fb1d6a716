// An IPv4 range (a service range, upstream --service-cluster-ip-range, or a pod range) and
// the offset arithmetic allocators need. As upstream's bitmap allocator, the usable addresses
// exclude the network and broadcast addresses, so offset 0 is the range's first address
// (10.43.0.1).

export class IpRange {
  /** The network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefixLength: number;
  /** Number of allocatable addresses. */
  readonly size: number;

  constructor(readonly cidr: string) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr.trim());
    const addr = m ? parseIPv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (addr === undefined || !(bits >= 0 && bits <= 30)) {
      throw new Error(`invalid IPv4 CIDR "${cidr}" (IPv6 service ranges are not supported)`);
    }
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    this.network = (addr & mask) >>> 0;
    this.prefixLength = bits;
    this.size = 2 ** (32 - bits) - 2;
    this.cidr = `${formatIPv4(this.network)}/${bits}`;
  }

  /** The range's n-th usable address (0: the first, as the `kubernetes` Service gets). */
  ipAt(offset: number): string {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) throw new RangeError(`offset ${offset} outside ${this.cidr}`);
    return formatIPv4(this.network + 1 + offset);
  }

  /** Offset of an allocatable address, or undefined when it is not one of this range. */
  offsetOf(ip: string): number | undefined {
    const n = parseIPv4(ip);
    if (n === undefined) return undefined;
    const offset = n - this.network - 1;
    return offset >= 0 && offset < this.size ? offset : undefined;
  }

  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  toString(): string {
    return this.cidr;
  }
}

export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
