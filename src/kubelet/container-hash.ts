// The hash of a container's spec, stored on the runtime container (io.kubernetes.container.hash)
// so a changed spec is noticed and the container restarted, as upstream's HashContainer. The
// resources are left out: upstream resizes them in place rather than restarting.
import { createHash } from 'node:crypto';
import type { Container } from 'kubernetes-types/core/v1.js';

/**
 * JSON with object keys sorted, so equal specs hash equally whatever their key order.
 * Undefined members are left out, and null ones too with `omitNull`. The text must not change
 * between versions: running containers carry hashes of it, and a different hash restarts them.
 */
function stableJson(v: unknown, omitNull = false): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (stableJson(v[i], omitNull) ?? '');
    return `${out}]`;
  }
  const obj = v as Record<string, unknown>;
  let out = '{';
  for (const k of Object.keys(obj).sort()) {
    const x = obj[k];
    if (x === undefined || (omitNull && x === null)) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${stableJson(x, omitNull)}`;
  }
  return `${out}}`;
}

/** Pod specs come from the informer and are never changed in place, so a hash per object holds. */
const hashes = new WeakMap<Container, string>();

export function hashContainer(c: Container): string {
  let hash = hashes.get(c);
  if (hash === undefined) {
    const { resources: _resources, ...rest } = c;
    hash = createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 8);
    hashes.set(c, hash);
  }
  return hash;
}

export { stableJson };
