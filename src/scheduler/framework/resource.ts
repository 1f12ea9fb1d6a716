// Resource amounts as the scheduler counts them (upstream framework.Resource): milli-CPU,
// bytes, a pod count and scalar (extended, hugepages) resources, all plain numbers.
import { Quantity } from '../../api/quantity.js';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  scalar: Map<string, number>;
}

export type ResourceList = Record<string, string | number> | undefined | null;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() };
}

export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: new Map(r.scalar) };
}

/** Upstream IsScalarResourceName: extended (domain-prefixed), hugepages-*, attachable-volumes-*. */
export function isScalarResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('attachable-volumes-') ||
    (name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.'));
}

// Quantities repeat ("100m", "1Gi"); parsing goes through BigInt, so memoise by text.
const parsed = new Map<string, Quantity>();
function quantity(v: string | number): Quantity {
  const key = String(v);
  let q = parsed.get(key);
  if (!q) {
    q = Quantity.parse(v);
    if (parsed.size < 10_000) parsed.set(key, q);
  }
  return q;
}

export function milliValue(v: string | number): number {
  return quantity(v).milliValue();
}

export function value(v: string | number): number {
  return quantity(v).value();
}

/** Adds a ResourceList into r, as upstream Resource.Add. */
export function addResourceList(r: Resource, rl: ResourceList): void {
  if (!rl) return;
  for (const name in rl) {
    const q = rl[name]!;
    switch (name) {
      case 'cpu': r.milliCPU += milliValue(q); break;
      case 'memory': r.memory += value(q); break;
      case 'pods': r.allowedPodNumber += value(q); break;
      case 'ephemeral-storage': r.ephemeralStorage += value(q); break;
      default:
        if (isScalarResourceName(name)) r.scalar.set(name, (r.scalar.get(name) ?? 0) + value(q));
    }
  }
}

export function resourceFromList(rl: ResourceList): Resource {
  const r = emptyResource();
  addResourceList(r, rl);
  return r;
}

export function addResource(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  into.allowedPodNumber += sign * r.allowedPodNumber;
  for (const [k, v] of r.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + sign * v);
}

export function maxResource(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
}

export function isZeroResource(r: Resource): boolean {
  if (r.milliCPU !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  for (const v of r.scalar.values()) if (v !== 0) return false;
  return true;
}
