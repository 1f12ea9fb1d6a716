// Picks a free slot the way upstream's allocators do since the static/dynamic split
// (KEP-3070 for ClusterIPs, KEP-3668 for NodePorts): dynamic allocations start at a random
// point of the upper band and fall back to the lower band, which is left for requested values.

/** Size of the lower ("static") band of a range of `size` slots, as upstream calculateRangeOffset. */
export function staticBandSize(size: number, band: { min: number; max: number; step: number }): number {
  if (size <= band.min) return 0;
  return Math.min(band.max, Math.max(band.min, Math.floor(size / band.step)));
}

/** Upstream ipallocator: min(max(16, size/16), 256). */
export const IP_BAND = { min: 16, max: 256, step: 16 };
/** Upstream portallocator: min(max(16, size/32), 128). */
export const PORT_BAND = { min: 16, max: 128, step: 32 };

/** The first free slot from a random start in [from, to), scanning with wrap-around. */
function scan(from: number, to: number, isFree: (slot: number) => boolean, random: () => number): number | undefined {
  const n = to - from;
  if (n <= 0) return undefined;
  const start = Math.floor(random() * n);
  for (let i = 0; i < n; i++) {
    const slot = from + ((start + i) % n);
    if (isFree(slot)) return slot;
  }
  return undefined;
}

/** A free slot of [0, size), upper band first; undefined when the range is full. */
export function pickFree(size: number, staticBand: number, isFree: (slot: number) => boolean, random: () => number = Math.random): number | undefined {
  return scan(staticBand, size, isFree, random) ?? scan(0, Math.min(staticBand, size), isFree, random);
}
