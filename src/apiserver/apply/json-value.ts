// JSON value helpers for field management: deep equality and the total order that
// structured-merge-diff's value.Compare defines (numbers < strings < booleans < lists < maps < null),
// used to sort set-list items (`v:` path elements) and list-map keys (`k:` path elements).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function rank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isObject(v)) return 4;
  return 5;
}

function cmp<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A total order over JSON values, as structured-merge-diff's value.Compare. */
export function compareJson(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return cmp(a as number, b as number);
    case 1: return cmp(a as string, b as string);
    case 2: return cmp(a ? 1 : 0, b ? 1 : 0);
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < la.length && i < lb.length; i++) {
        const c = compareJson(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4: {
      // Maps compare as their sorted key/value lists.
      const ma = a as JsonObject;
      const mb = b as JsonObject;
      const ka = Object.keys(ma).sort();
      const kb = Object.keys(mb).sort();
      for (let i = 0; i < ka.length && i < kb.length; i++) {
        const c = cmp(ka[i]!, kb[i]!) || compareJson(ma[ka[i]!], mb[kb[i]!]);
        if (c !== 0) return c;
      }
      return ka.length - kb.length;
    }
    default: return 0;
  }
}

/** Go's %v of a value inside a path, as structured-merge-diff's value.ToString: strings quoted. */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isObject(v)) return Object.entries(v).map(([k, x]) => `${k}=${valueToString(x)}`).join('');
  return String(v);
}

/** JSON text as Go's encoding/json writes it: also escapes <, >, & and U+2028/U+2029. */
export function goJsonStringify(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
