// The status conditions the namespace controller keeps on a Terminating namespace, with
// upstream's types, reasons and messages (pkg/controller/namespace/deletion/status_condition_utils.go):
// each is True with the failure while something is wrong, else False with its "ok" reason.
import type { NamespaceCondition, NamespaceStatus } from 'kubernetes-types/core/v1.js';

export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

export type NamespaceConditionType = (typeof NAMESPACE_CONDITION_TYPES)[number];

const OK: Record<NamespaceConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** What one pass over a namespace's content found. */
export interface DeletionFindings {
  /** Group versions discovery could not read. */
  discoveryFailures: string[];
  /** One message per resource whose content could not be deleted or listed. */
  contentErrors: string[];
  /** "resource.group" (upstream's spelling: "pods." for the core group) → objects still there. */
  remaining: Map<string, number>;
  /** finalizer → objects still carrying it. */
  finalizers: Map<string, number>;
}

/** The failing conditions the findings call for (upstream's namespaceConditionUpdater). */
export function failingConditions(f: DeletionFindings): Map<NamespaceConditionType, { reason: string; message: string }> {
  const out = new Map<NamespaceConditionType, { reason: string; message: string }>();
  if (f.discoveryFailures.length) {
    out.set('NamespaceDeletionDiscoveryFailure', {
      reason: 'DiscoveryFailed',
      message: `Discovery failed for some groups, ${f.discoveryFailures.length} failing: ${f.discoveryFailures.join(', ')}`,
    });
  }
  if (f.contentErrors.length) {
    const msgs = [...f.contentErrors].sort();
    out.set('NamespaceDeletionContentFailure', {
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  const remaining = [...f.remaining].filter(([, n]) => n > 0).map(([gr, n]) => `${gr} has ${n} resource instances`).sort();
  if (remaining.length) {
    out.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.join(', ')}` });
  }
  const finalizers = [...f.finalizers].filter(([, n]) => n > 0).map(([fin, n]) => `${fin} in ${n} resource instances`).sort();
  if (finalizers.length) {
    out.set('NamespaceFinalizersRemaining', {
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`,
    });
  }
  return out;
}

/**
 * Sets every condition type: the failing ones True, the others False with their ok reason
 * (lastTransitionTime changes only with the status). Returns whether anything changed.
 */
export function updateConditions(status: NamespaceStatus, failing: Map<NamespaceConditionType, { reason: string; message: string }>, now: string): boolean {
  const conditions: NamespaceCondition[] = (status.conditions ??= []);
  let changed = false;
  for (const type of NAMESPACE_CONDITION_TYPES) {
    const bad = failing.get(type);
    const want = { status: bad ? 'True' : 'False', ...(bad ?? OK[type]) };
    const existing = conditions.find((c) => c.type === type);
    if (!existing) {
      conditions.push({ type, status: want.status, lastTransitionTime: now, reason: want.reason, message: want.message });
      changed = true;
    } else if (existing.status !== want.status || existing.reason !== want.reason || existing.message !== want.message) {
      if (existing.status !== want.status) existing.lastTransitionTime = now;
      existing.status = want.status;
      existing.reason = want.reason;
      existing.message = want.message;
      changed = true;
    }
  }
  return changed;
}
