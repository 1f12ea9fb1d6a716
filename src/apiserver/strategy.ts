// What the registry does to objects around create and update, independent of the kind's
// own defaulting and validation: system metadata, generation, status handling.
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KindDef, KubeObject } from '../api/kinds.js';
import { prepareServiceUpdate } from './service-alloc/service-fields.js';
import { cloneJson } from './clone-json.js';
import { metaTimeText } from './meta-time.js';

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function nowTimestamp(now = new Date()): string {
  return metaTimeText(now);
}

// As upstream's name generator: 5 characters from an alphabet without vowels or look-alikes.
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return s;
}

/** Core kinds with a status whose strategies keep no metadata.generation (as of 1.30). */
const noGeneration = new Set(['pods', 'services', 'nodes', 'namespaces', 'persistentvolumes', 'persistentvolumeclaims']);

/** As upstream: workloads and custom resources count spec changes in metadata.generation. */
function tracksGeneration(def: KindDef): boolean {
  if ((def as { custom?: boolean }).custom) return true;
  return def.hasStatus === true && !(def.group === '' && noGeneration.has(def.resource));
}

/** Kinds whose status a client may set at creation (upstream keeps it for these). */
const statusKeptOnCreate = new Set(['nodes', 'events', 'persistentvolumes', 'namespaces']);

export function prepareForCreate(def: KindDef, obj: KubeObject): void {
  const meta = (obj.metadata ??= {});
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateNameSuffix()}`;
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTimestamp();
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  if (tracksGeneration(def)) meta.generation = 1;
  else delete meta.generation;
  if (def.hasStatus) {
    if (!statusKeptOnCreate.has(def.storage?.resource ?? def.resource)) {
      if (def.resource === 'pods') obj.status = { phase: 'Pending', qosClass: qosClass(obj) };
      else delete obj.status;
    }
  }
  dropEmptyMetadata(meta);
}

/**
 * Carries over what a client cannot change with an update of the main resource: system
 * metadata, and the status of kinds with a status subresource. Bumps generation when
 * anything outside metadata and status changed.
 */
export function prepareForUpdate(def: KindDef, obj: KubeObject, old: KubeObject): void {
  const meta = (obj.metadata ??= {});
  const oldMeta = old.metadata ?? {};
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  copyOrDelete(meta, oldMeta, 'deletionTimestamp');
  copyOrDelete(meta, oldMeta, 'deletionGracePeriodSeconds');
  delete meta.selfLink;
  if (def.hasStatus) copyOrDelete(obj, old, 'status');
  if (def.group === '' && def.resource === 'services') prepareServiceUpdate(obj, old);
  if (tracksGeneration(def)) {
    meta.generation = oldMeta.generation ?? 1;
    if (specChanged(obj, old)) meta.generation += 1;
  } else {
    delete meta.generation;
  }
  dropEmptyMetadata(meta);
}

/**
 * As upstream, where ObjectMeta's collections are `omitempty`: a map or list emptied by a
 * patch (e.g. `kubectl annotate x key-` on the last annotation) is not stored or served.
 */
function dropEmptyMetadata(meta: Record<string, any>): void {
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const v = meta[field];
    if (v === null || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v && Object.keys(v).length === 0)) {
      delete meta[field];
    }
  }
}

/** As upstream's status strategy: a status write changes only status. */
export function prepareForStatusUpdate(obj: KubeObject, old: KubeObject): KubeObject {
  const next = cloneJson(old);
  if (obj.status === undefined) delete next.status;
  else next.status = obj.status;
  if (obj.metadata?.resourceVersion) next.metadata!.resourceVersion = obj.metadata.resourceVersion;
  return next;
}

function copyOrDelete(to: Record<string, any>, from: Record<string, any>, field: string): void {
  if (from[field] === undefined) delete to[field];
  else to[field] = from[field];
}

/** Compares everything but metadata and status, ignoring key order (as apiequality.Semantic.DeepEqual). */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !isDeepStrictEqual(strip(a), strip(b));
}

/** Pod QoS class from requests and limits, as upstream's GetPodQOS computes it. */
export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: any[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
