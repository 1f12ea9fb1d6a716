// The hash of a container's spec, stored on the runtime container (io.kubernetes.container.hash)
// so a changed spec is noticed and the container restarted, as upstream's HashContainer. The
// resources are left out: upstream resizes them in place rather than restarting.
import { createHash } from 'node:crypto';
import type { Container } from 'kubernetes-types/core/v1.js';

/** JSON with object keys sorted, so equal specs hash equally whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function hashContainer(c: Container): string {
  const { resources: _resources, ...rest } = c;
  return createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 8);
}

export { stableJson };
