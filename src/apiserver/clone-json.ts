// A deep copy of a decoded JSON object. The API server copies objects several times per write
// (the cached object for read-modify-write, the current object before a patch, the old object
// before a status update); structuredClone goes through the structured serializer and costs
// several times more than walking plain objects and arrays.

/** Deep-copies plain objects and arrays; any other value (string, number, null, undefined…) is kept as is. */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = cloneJson((value as Record<string, unknown>)[k]);
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}

/**
 * What JSON.parse(JSON.stringify(value)) gives for plain data, without the text in between:
 * undefined, functions and symbols are dropped from objects and become null in arrays,
 * non-finite numbers become null, -0 becomes 0, and toJSON (e.g. of a Date) is honoured.
 */
export function jsonRoundTrip(value: unknown): unknown {
  return roundTrip(value, '');
}

function roundTrip(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(k: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const v = roundTrip(value[i], String(i));
          out[i] = v === undefined ? null : v;
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const k in value) {
        if (!Object.hasOwn(value, k)) continue;
        const v = roundTrip((value as Record<string, unknown>)[k], k);
        if (v === undefined) continue;
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    default:
      // undefined, functions, symbols: absent in JSON (bigint throws in JSON.stringify first).
      return undefined;
  }
}
