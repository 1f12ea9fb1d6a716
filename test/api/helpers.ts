// Test helpers: run a kind's defaulting and validation the way the API server does.
import { fieldErrorText } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/kinds.js';
import { findKindByKind } from '../../src/api/registry.js';

export function kindDef(apiVersion: string, kind: string) {
  const def = findKindByKind(apiVersion, kind);
  if (!def) throw new Error(`no kind ${apiVersion} ${kind}`);
  return def;
}

/** Defaults then validates a new object; returns the defaulted object and "field: message" errors. */
export function create(obj: KubeObject): { obj: KubeObject; errors: string[] } {
  const def = kindDef(obj.apiVersion!, obj.kind!);
  const copy = structuredClone(obj);
  def.applyDefaults?.(copy);
  return { obj: copy, errors: (def.validate?.(copy) ?? []).map(fieldErrorText) };
}

/** Defaults and validates an update of `old` (already created) to `obj`. */
export function update(obj: KubeObject, old: KubeObject): string[] {
  const def = kindDef(obj.apiVersion!, obj.kind!);
  const copy = structuredClone(obj);
  def.applyDefaults?.(copy);
  return [...(def.validate?.(copy) ?? []), ...(def.validateUpdate?.(copy, old) ?? [])].map(fieldErrorText);
}

export function pod(spec: Record<string, any>, name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec };
}

export const container = { name: 'app', image: 'nginx:1.25' };

export function template(labels: Record<string, string> = { app: 'web' }, spec: Record<string, any> = {}) {
  return { metadata: { labels }, spec: { containers: [{ ...container }], ...spec } };
}
