// Apply conflicts and their metav1.Status, worded as upstream's
// managedfields/internal/conflict.go (NewConflictError, getConflictMessage, printManager).
import { ApiError } from '../../api/errors.js';
import type { FieldSet } from './field-set.js';
import type { ManagerFields } from './managed-fields.js';
import { pathToString } from './path-element.js';

export interface ManagerConflict {
  /** The manager identifier (upstream sorts conflicting managers by it). */
  readonly id: string;
  readonly owner: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>;
  readonly fields: FieldSet;
}

/** `"kubectl"`, `"kube-controller-manager" using apps/v1`, `"x" with subresource "status" using v1`. */
export function describeManager(m: ManagerConflict['owner']): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s = `${s} with subresource ${JSON.stringify(m.subresource)}`;
  // The identifier carries no time, so upstream never prints "at <time>" here.
  if (m.operation === 'Update') s = `${s} using ${m.apiVersion}`;
  return s;
}

/** The 409 Conflict for an apply that would take fields other managers own, without force. */
export function applyConflictError(conflicts: readonly ManagerConflict[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const flat = sorted.flatMap((c) => c.fields.paths().map((p) => ({ who: describeManager(c.owner), field: pathToString(p) })));
  let message: string;
  if (flat.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${flat[0]!.who}: ${flat[0]!.field}`;
  } else {
    const lines: string[] = [];
    for (const c of sorted) {
      lines.push(`conflicts with ${describeManager(c.owner)}:`);
      for (const p of c.fields.paths()) lines.push(`- ${pathToString(p)}`);
    }
    message = `Apply failed with ${flat.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, {
    causes: flat.map((f) => ({ reason: 'FieldManagerConflict', message: `conflict with ${f.who}`, field: f.field })),
  });
}
