// The files of configMap, secret, downwardAPI and projected volumes, computed from the
// objects they draw on (upstream's configmap, secret, downwardapi and projected plugins).
// Missing objects or keys fail the mount unless marked optional.
import type { ConfigMap, ConfigMapVolumeSource, DownwardAPIVolumeFile, KeyToPath, Pod, ProjectedVolumeSource, Secret, SecretVolumeSource, DownwardAPIVolumeSource } from 'kubernetes-types/core/v1.js';
import type { PodSources } from '../container-env.js';
import { resolveFieldRef, resolveResourceFieldRef } from '../field-ref.js';
import type { FileProjection } from './atomic-writer.js';
import { VolumeError } from './volume-error.js';

const DEFAULT_MODE = 0o644;

export interface ProjectionContext {
  pod: Pod;
  sources: PodSources;
  nodeAllocatable: Record<string, string>;
  /** The bound service-account token to write (fetched through TokenRequest beforehand). */
  serviceAccountToken(audience: string | undefined, expirationSeconds: number): string;
  /** The cluster CA, used when the kube-root-ca.crt ConfigMap is not published. */
  caCertPem?: string;
}

function configMapPayload(cm: ConfigMap): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function secretPayload(s: Secret): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) m.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) if (!m.has(k)) m.set(k, Buffer.from(v));
  return m;
}

/** Keys (or the listed items) of a payload as files; `what` names the kind in errors. */
function keyedFiles(payload: Map<string, Buffer>, items: KeyToPath[] | undefined, defaultMode: number, optional: boolean, what: string, out: Map<string, FileProjection>): void {
  if (!items || items.length === 0) {
    for (const [k, data] of payload) out.set(k, { data, mode: defaultMode });
    return;
  }
  for (const item of items) {
    const data = payload.get(item.key);
    if (!data) {
      if (optional) continue;
      throw new VolumeError(`${what} references non-existent ${what === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
    }
    out.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
}

function findConfigMap(ctx: ProjectionContext, name: string): ConfigMap | undefined {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const cm = ctx.sources.configMap(ns, name);
  if (!cm && name === 'kube-root-ca.crt' && ctx.caCertPem) return { data: { 'ca.crt': ctx.caCertPem } };
  return cm;
}

export function configMapFiles(src: ConfigMapVolumeSource, ctx: ProjectionContext, defaultMode = src.defaultMode ?? DEFAULT_MODE, out = new Map<string, FileProjection>()): Map<string, FileProjection> {
  const cm = findConfigMap(ctx, src.name ?? '');
  if (!cm) {
    if (src.optional) return out;
    throw new VolumeError(`configmap "${src.name}" not found`);
  }
  keyedFiles(configMapPayload(cm), src.items, defaultMode, !!src.optional, 'configmap', out);
  return out;
}

export function secretFiles(src: SecretVolumeSource & { name?: string }, ctx: ProjectionContext, defaultMode = src.defaultMode ?? DEFAULT_MODE, out = new Map<string, FileProjection>()): Map<string, FileProjection> {
  const name = src.secretName ?? src.name ?? '';
  const s = ctx.sources.secret(ctx.pod.metadata?.namespace ?? 'default', name);
  if (!s) {
    if (src.optional) return out;
    throw new VolumeError(`secret "${name}" not found`);
  }
  keyedFiles(secretPayload(s), src.items, defaultMode, !!src.optional, 'secret', out);
  return out;
}

export function downwardAPIFiles(items: DownwardAPIVolumeFile[], ctx: ProjectionContext, defaultMode: number, out = new Map<string, FileProjection>()): Map<string, FileProjection> {
  for (const item of items) {
    let value = '';
    if (item.fieldRef) value = resolveFieldRef(ctx.pod, item.fieldRef);
    else if (item.resourceFieldRef) value = resolveResourceFieldRef(ctx.pod, item.resourceFieldRef, undefined, ctx.nodeAllocatable);
    out.set(item.path, { data: Buffer.from(value), mode: item.mode ?? defaultMode });
  }
  return out;
}

export function downwardAPIVolumeFiles(src: DownwardAPIVolumeSource, ctx: ProjectionContext): Map<string, FileProjection> {
  return downwardAPIFiles(src.items ?? [], ctx, src.defaultMode ?? DEFAULT_MODE);
}

export function projectedFiles(src: ProjectedVolumeSource, ctx: ProjectionContext): Map<string, FileProjection> {
  const mode = src.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  for (const s of src.sources ?? []) {
    if (s.configMap) configMapFiles(s.configMap, ctx, mode, out);
    else if (s.secret) secretFiles(s.secret, ctx, mode, out);
    else if (s.downwardAPI) downwardAPIFiles(s.downwardAPI.items ?? [], ctx, mode, out);
    else if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      out.set(t.path, { data: Buffer.from(ctx.serviceAccountToken(t.audience, t.expirationSeconds ?? 3600)), mode });
    }
  }
  return out;
}
