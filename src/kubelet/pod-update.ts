// Which pod updates from the API call for a sync, as upstream's pod config
// (pkg/kubelet/config: podsDifferSemantically): a change of spec, labels, annotations or
// deletion timestamp/grace does; a change of status alone does not, because the kubelet is
// the source of truth for status and most such updates are the echo of its own write.
import type { Pod } from 'kubernetes-types/core/v1.js';

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function podsDifferSemantically(existing: Pod, updated: Pod): boolean {
  const a = existing.metadata ?? {};
  const b = updated.metadata ?? {};
  return !(
    a.uid === b.uid &&
    same(existing.spec, updated.spec) &&
    same(a.labels, b.labels) &&
    same(a.annotations, b.annotations) &&
    same(a.deletionTimestamp, b.deletionTimestamp) &&
    same(a.deletionGracePeriodSeconds, b.deletionGracePeriodSeconds)
  );
}
