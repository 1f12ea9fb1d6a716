// Continue tokens for paginated lists, shaped like upstream's: base64 of
// {"v":"meta.k8s.io/v1","rv":N,"start":"<key relative to the listed prefix>"}.
import { ApiError } from '../api/errors.js';

export function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  const start = `${lastKey.slice(prefix.length)}\u0000`;
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

/** Decodes a token; `start` is returned as the full key after which to continue. */
export function decodeContinue(token: string, prefix: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    const rel = String(t.start).replace(/\u0000$/, '');
    if (rel.includes('..') || rel.startsWith('/')) throw new Error('bad');
    return { rv: t.rv, start: `${prefix}${rel}` };
  } catch {
    throw new ApiError(400, 'BadRequest', 'continue key is not valid: the continue token is malformed or was issued for another list');
  }
}
