// ControllerRevisions, after upstream pkg/controller/history: immutable snapshots of a
// workload's pod template, named `<parent>-<hash>`, numbered by `revision`, owned by their
// DaemonSet or StatefulSet. Both controllers compare, order and create them the same way.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { ResourceClient } from '../../client/api-client.js';
import { isAlreadyExists } from '../../client/errors.js';

/** As upstream's ControllerRevisionHashLabel: the hash of a revision's data, on the revision. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** As upstream's ControllerRevisionHashLabelKey: the revision a pod was made from, on the pod. */
export const POD_REVISION_LABEL = 'controller-revision-hash';

/** JSON with object keys sorted, so equal data always hashes and compares equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 32-bit FNV-1 (Go's hash/fnv New32), the hash upstream uses for revision names. */
export function fnv32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** As upstream rand.SafeEncodeString: no vowels (no words), no look-alike characters. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** The hash of some data, perturbed by the collision count (upstream HashControllerRevision / ComputeHash). */
export function hashData(data: unknown, collisionCount?: number): string {
  let text = canonicalJson(data);
  if (collisionCount !== undefined && collisionCount !== null) text += String(collisionCount);
  return safeEncodeString(String(fnv32(text)));
}

/** As upstream ControllerRevisionName: the prefix is cut so the name stays a valid DNS subdomain. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** The data both workloads snapshot: their pod template, replacing whatever was there on apply. */
export function templatePatch(template: unknown): Record<string, unknown> {
  return { spec: { template: { ...(template as Record<string, unknown>), $patch: 'replace' } } };
}

/** The pod template a revision's data holds (the inverse of templatePatch). */
export function templateOfRevision<T>(revision: ControllerRevision): T | undefined {
  const tpl = (revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!tpl) return undefined;
  const { $patch: _ignored, ...rest } = tpl;
  return structuredClone(rest) as T;
}

/** As upstream EqualRevision: same hash label (when both have one) and the same data. */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return canonicalJson(a.data) === canonicalJson(b.data);
}

export function findEqualRevisions(revisions: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** As upstream SortControllerRevisions: by revision, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort((a, b) => {
    if (a.revision !== b.revision) return a.revision - b.revision;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if (r.revision > max) max = r.revision;
  return max;
}

/** The number the next revision gets: one more than the highest (revisions sorted or not). */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  return maxRevision(revisions) + 1;
}

/**
 * Creates `revision`, named `<parent>-<hash(data, collisionCount)>`, as upstream
 * realHistory.CreateControllerRevision: if that name is taken by a revision with the same data
 * it is the one; if by different data (a hash collision) the collision count goes up and the
 * name is computed again. Returns the revision and the collision count it ended with.
 */
export async function createControllerRevision(
  api: ResourceClient<ControllerRevision>,
  parentName: string,
  revision: ControllerRevision,
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  for (;;) {
    const hash = hashData(revision.data, collisionCount);
    const candidate: ControllerRevision = structuredClone(revision);
    candidate.metadata = { ...candidate.metadata, name: controllerRevisionName(parentName, hash) };
    candidate.metadata.labels = { ...candidate.metadata.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash };
    try {
      return { revision: await api.create(candidate), collisionCount };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await api.get(candidate.metadata.name!);
      if (canonicalJson(existing.data) === canonicalJson(candidate.data)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }
}
