// Prints a decoded JSON value the way Go's fmt prints it with %v / %+v: maps as
// `map[k:v ...]` with sorted keys, slices as `[a b]`, strings bare, null as `<nil>`.
// Upstream puts a strategic merge patch printed so into the 422 it answers when the
// patched object does not decode (e.g. an unknown field under fieldValidation=Strict).

export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValueText).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v).sort().map((k) => `${k}:${goValueText((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

/** Integers print in full (upstream decodes them as int64); floats as Go's %v, with a two-digit exponent. */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}
