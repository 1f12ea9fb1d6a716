// The Downward API: a pod's own fields (fieldRef) and its containers' resources
// (resourceFieldRef), as upstream's fieldpath package and ExtractContainerResourceValue.
// Used by env vars and by downwardAPI volumes.
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../api/quantity.js';

export class FieldRefError extends Error {
  override readonly name = 'FieldRefError';
}

/** Runtime facts the pod object may not hold yet. */
export interface PodRuntimeFacts {
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  hostIPs?: string[];
  nodeName?: string;
}

/** As upstream's fieldpath.FormatMap: sorted `key="value"` lines (Go %q quoting). */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k]!)}`).join('\n');
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f');
}

/** `metadata.labels['key']` → ['labels', 'key']. */
function subscript(path: string): [string, string] | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  return m ? [m[1]!, m[2]!] : undefined;
}

export function resolveFieldRef(pod: Pod, ref: ObjectFieldSelector, facts: PodRuntimeFacts = {}): string {
  const path = ref.fieldPath;
  const meta = pod.metadata ?? {};
  const sub = subscript(path);
  if (sub) {
    const map = sub[0] === 'labels' ? meta.labels : meta.annotations;
    return map?.[sub[1]] ?? '';
  }
  switch (path) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels);
    case 'metadata.annotations': return formatMap(meta.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? facts.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return facts.podIP ?? pod.status?.podIP ?? '';
    case 'status.podIPs': return (facts.podIPs ?? pod.status?.podIPs?.map((p) => p.ip ?? '') ?? []).join(',');
    case 'status.hostIP': return facts.hostIP ?? pod.status?.hostIP ?? '';
    case 'status.hostIPs': return (facts.hostIPs ?? pod.status?.hostIPs?.map((p) => p.ip ?? '') ?? []).join(',');
    default: throw new FieldRefError(`unsupported fieldPath: ${path}`);
  }
}

/**
 * A container's resource value divided by the divisor and rounded up. Limits not set default
 * to the node's allocatable, as upstream's MergeContainerResourceLimits.
 */
export function resolveResourceFieldRef(pod: Pod, ref: ResourceFieldSelector, defaultContainer: Container | undefined, allocatable: Record<string, string>): string {
  const container = ref.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName) : defaultContainer;
  if (!container) throw new FieldRefError(`container ${ref.containerName ?? ''} not found`);
  const [kind, resource] = splitResource(ref.resource);
  const set = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  let raw = set?.[resource];
  if (raw === undefined && kind === 'limits') raw = allocatable[resource];
  const value = Quantity.parse(raw ?? '0');
  const divisor = Quantity.parse(ref.divisor ?? '1');
  if (divisor.isZero()) throw new FieldRefError('divisor must not be zero');
  if (resource === 'cpu') return String(Math.ceil(value.milliValue() / divisor.milliValue()));
  return String(Math.ceil(value.toNumber() / divisor.toNumber()));
}

function splitResource(r: string): ['limits' | 'requests', string] {
  const dot = r.indexOf('.');
  const kind = dot > 0 ? r.slice(0, dot) : '';
  if (kind !== 'limits' && kind !== 'requests') throw new FieldRefError(`unsupported container resource: ${r}`);
  return [kind, r.slice(dot + 1)];
}
