// Tiny helpers for defaulting: upstream SetDefaults_* only fill fields that are unset.

export type Obj = Record<string, any>;

/** Sets obj[key] to value when it is undefined or null; returns the (possibly new) value. */
export function setDefault<T>(obj: Obj, key: string, value: T): T {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
  return obj[key] as T;
}

/** Returns obj[key] as an object, creating {} when absent. */
export function child(obj: Obj, key: string): Obj {
  if (obj[key] === undefined || obj[key] === null || typeof obj[key] !== 'object') obj[key] = {};
  return obj[key] as Obj;
}

/** The array at obj[key] (objects only), or an empty array without creating it. */
export function items(obj: Obj | undefined, key: string): Obj[] {
  const v = obj?.[key];
  return Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : [];
}
