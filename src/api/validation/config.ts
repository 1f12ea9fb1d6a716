// ConfigMap and Secret validation (upstream core ValidateConfigMap, ValidateSecret and their
// updates): key syntax, a 1 MiB total, the per-type required keys, and `immutable`.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { deepEqual, forbidden, immutable, invalid, required, tooLong } from './field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isConfigMapKey } from './names.js';

type Obj = Record<string, any>;

/** Upstream core.MaxSecretSize, shared by ConfigMaps. */
export const maxConfigDataBytes = 1024 * 1024;

function validateKeys(bag: Obj | undefined, field: string, errs: FieldError[]): void {
  for (const key of Object.keys(bag ?? {})) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`${field}[${key}]`, key, m));
  }
}

export function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const data: Obj = obj.data ?? {};
  const binary: Obj = obj.binaryData ?? {};
  validateKeys(data, 'data', errs);
  validateKeys(binary, 'binaryData', errs);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (k in binary) errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(String(v ?? ''));
  }
  for (const [k, v] of Object.entries(binary)) {
    if (k in data) errs.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    size += Buffer.from(String(v ?? ''), 'base64').length;
  }
  // Upstream reports the size on the root path, which renders as "[]".
  if (size > maxConfigDataBytes) errs.push(tooLong('[]', maxConfigDataBytes));
  return errs;
}

/** Keys each well-known secret type must carry. */
const requiredSecretKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const data: Obj = obj.data ?? {};
  validateKeys(data, 'data', errs);
  let size = 0;
  for (const v of Object.values(data)) size += Buffer.from(String(v ?? ''), 'base64').length;
  if (size > maxConfigDataBytes) errs.push(tooLong('data', maxConfigDataBytes));
  const type = String(obj.type ?? 'Opaque');
  for (const key of requiredSecretKeys[type] ?? []) {
    if (!(key in data)) errs.push(required(`data[${key}]`));
  }
  if (type === 'kubernetes.io/dockerconfigjson' || type === 'kubernetes.io/dockercfg') {
    const key = type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
    if (key in data) {
      try {
        JSON.parse(Buffer.from(String(data[key]), 'base64').toString('utf8'));
      } catch (e) {
        errs.push(invalid(`data[${key}]`, '<secret contents redacted>', (e as Error).message));
      }
    }
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required('data[username]'), required('data[password]'));
  }
  if (type === 'kubernetes.io/service-account-token' && !obj.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errs;
}

function validateImmutableData(obj: KubeObject, old: KubeObject, keys: string[], errs: FieldError[]): void {
  if (old.immutable !== true) return;
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const key of keys) {
    if (!deepEqual(obj[key], old[key])) errs.push(forbidden(key, 'field is immutable when `immutable` is set'));
  }
}

export function validateConfigMapUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  validateImmutableData(obj, old, ['data', 'binaryData'], errs);
  return errs;
}

export function validateSecretUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if ((obj.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(immutable('type', obj.type ?? ''));
  validateImmutableData(obj, old, ['data'], errs);
  return errs;
}
