// Pod volume validation (upstream ValidateVolumes): unique DNS-label names, exactly one source.
import type { FieldError } from '../errors.js';
import { duplicate, forbidden, invalid, required } from './field-errors.js';
import { isDNS1123Label } from './names.js';

type Obj = Record<string, any>;

/** Fields of a volume source that must be set, keyed by source. */
const requiredSourceFields: Record<string, string> = {
  secret: 'secretName',
  configMap: 'name',
  hostPath: 'path',
  persistentVolumeClaim: 'claimName',
  nfs: 'server',
};

function validateMode(mode: unknown, field: string, errs: FieldError[]): void {
  if (mode === undefined || mode === null) return;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    errs.push(invalid(field, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
  }
}

function validateVolumeSource(name: string, source: Obj, path: string, errs: FieldError[]): void {
  const req = requiredSourceFields[name];
  if (req && !source[req]) errs.push(required(`${path}.${req}`));
  if (name === 'secret' || name === 'configMap' || name === 'downwardAPI' || name === 'projected') {
    validateMode(source.defaultMode, `${path}.defaultMode`, errs);
  }
  if (name === 'hostPath' && source.path && !String(source.path).startsWith('/')) {
    // Upstream only requires a non-empty path; absolute paths are what a kubelet can mount.
    errs.push(invalid(`${path}.path`, source.path, 'must be an absolute path'));
  }
  if (name === 'emptyDir' && source.medium && !['Memory', 'HugePages'].includes(source.medium) && !String(source.medium).startsWith('HugePages-')) {
    errs.push(invalid(`${path}.medium`, source.medium, 'must be empty, Memory or HugePages'));
  }
}

/** Returns the set of valid volume names (for volumeMount checks) and appends errors. */
export function validateVolumes(volumes: unknown, field: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(volumes)) return names;
  volumes.forEach((v: Obj, i) => {
    const path = `${field}[${i}]`;
    if (!v?.name) errs.push(required(`${path}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(invalid(`${path}.name`, v.name, m));
      if (names.has(v.name)) errs.push(duplicate(`${path}.name`, v.name));
      names.add(v.name);
    }
    const sources = Object.keys(v ?? {}).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    if (sources.length === 0) errs.push(required(path, 'must specify a volume type'));
    sources.slice(1).forEach((k) => errs.push(forbidden(`${path}.${k}`, 'may not specify more than 1 volume type')));
    if (sources.length === 1) validateVolumeSource(sources[0]!, v[sources[0]!] ?? {}, `${path}.${sources[0]}`, errs);
  });
  return names;
}
