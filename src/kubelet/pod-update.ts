// Which pod updates from the API call for a sync, as upstream's pod config
// (pkg/kubelet/config: podsDifferSemantically): a change of spec, labels, annotations or
// deletion timestamp/grace does; a change of status alone does not, because the kubelet is
// the source of truth for status and most such updates are the echo of its own write.
import type { Pod } from 'kubernetes-types/core/v1.js';

/** Informer objects are never changed in place; each is compared with its successor, so its text is kept. */
const texts = new WeakMap<object, string>();

function text(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  let t = texts.get(v);
  if (t === undefined) texts.set(v, (t = JSON.stringify(v)));
  return t;
}

const same = (a: unknown, b: unknown) => a === b || text(a) === text(b);

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
