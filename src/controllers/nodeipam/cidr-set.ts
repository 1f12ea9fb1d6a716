// The subnets of a cluster CIDR handed to nodes (upstream pkg/controller/nodeipam/ipam/cidrset):
// a /16 cut into /24s by default. Pure: which ones are taken is the caller's to say.
import { formatIPv4, parseIPv4 } from '../../net/ip-range.js';

export class CidrSet {
  readonly network: number;
  readonly clusterMaskSize: number;
  /** How many node subnets the cluster CIDR holds. */
  readonly count: number;
  private nextCandidate = 0;

  constructor(readonly clusterCIDR: string, readonly nodeMaskSize = 24) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(clusterCIDR.trim());
    const addr = m ? parseIPv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (addr === undefined || !(bits >= 1 && bits <= 32)) throw new Error(`invalid IPv4 cluster CIDR "${clusterCIDR}"`);
    // As upstream: the node mask must be longer than the cluster's, by at most 16 bits.
    if (!(nodeMaskSize > bits && nodeMaskSize <= 32 && nodeMaskSize - bits <= 16)) {
      throw new Error(`node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${clusterCIDR}`);
    }
    this.clusterMaskSize = bits;
    this.network = (addr & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
    this.count = 2 ** (nodeMaskSize - bits);
  }

  cidrAt(index: number): string {
    return `${formatIPv4(this.network + index * 2 ** (32 - this.nodeMaskSize))}/${this.nodeMaskSize}`;
  }

  /** Index of a node subnet of this set, or undefined for anything else. */
  indexOf(cidr: string): number | undefined {
    const [ip, bits] = cidr.split('/');
    const n = parseIPv4(ip ?? '');
    if (n === undefined || Number(bits) !== this.nodeMaskSize) return undefined;
    const offset = n - this.network;
    const step = 2 ** (32 - this.nodeMaskSize);
    if (offset < 0 || offset % step !== 0 || offset / step >= this.count) return undefined;
    return offset / step;
  }

  /** The next free subnet, scanning on from the last one given (as upstream); undefined when full. */
  allocateNext(isTaken: (index: number) => boolean): string | undefined {
    for (let i = 0; i < this.count; i++) {
      const index = (this.nextCandidate + i) % this.count;
      if (isTaken(index)) continue;
      this.nextCandidate = (index + 1) % this.count;
      return this.cidrAt(index);
    }
    return undefined;
  }
}
