// certificates.k8s.io/v1 CertificateSigningRequest validation, as upstream's
// pkg/apis/certificates/validation: the request must be a signed PKCS#10 PEM block, the
// signer name well formed, usages known and distinct; on update, Approved/Denied/Failed
// conditions may not be removed, Approved/Denied only change through /approval and
// status.certificate only through /status (and only once). Upstream also tolerates, on
// update, problems the stored object already had (legacy data); this server never stores
// such objects, so the create rules apply as they are.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { certificateRequestProblem, issuedCertificateProblem } from './csr-request.js';
import { deepEqual, duplicate, forbidden, invalid, notSupported, required, tooLong } from './field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';

/** Upstream's KeyUsage values, sorted as sets.List() prints them. */
export const KEY_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment',
  'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel',
  'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime',
  'server auth', 'signing', 'timestamping',
];
const knownUsages = new Set(KEY_USAGES);

/** v1beta1's default signer; v1 refuses it for new objects. */
const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
const TRUE_ONLY_CONDITIONS = new Set(['Approved', 'Denied', 'Failed']);
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

/** The update path an object arrives through: the main resource, /status or /approval. */
export type CsrUpdatePath = '' | 'status' | 'approval';

function bytesOf(base64: unknown): Buffer {
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
}

/** Upstream ValidateSignerName: `<fqdn>/<path>`, both parts DNS names, at most 571 characters. */
export function validateSignerName(field: string, signerName: string | undefined): FieldError[] {
  if (!signerName) return [required(field)];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [invalid(field, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const [domain, path] = segments as [string, string];
  const errors: FieldError[] = [];
  if (domain.length > 253) errors.push(tooLong(field, 253));
  const domainLabels = domain.split('.');
  for (const label of domainLabels) {
    const problems = isDNS1123Label(label);
    if (problems.length) {
      errors.push(...problems.map((p) => invalid(field, domain, `validating label "${label}": ${p}`)));
      break;
    }
  }
  if (domainLabels.length < 2) errors.push(invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const label of path.split('.')) {
    const problems = isDNS1123Subdomain(label);
    if (problems.length) {
      errors.push(...problems.map((p) => invalid(field, path, `validating label "${label}": ${p}`)));
      break;
    }
  }
  const max = 253 + (253 + 63 + 1) + 1;
  if (signerName.length > max) errors.push(tooLong(field, max));
  return errors;
}

function validateConditions(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  (obj.status?.conditions ?? []).forEach((c: { type?: string; status?: string }, i: number) => {
    const at = `status.conditions[${i}]`;
    const type = c.type ?? '';
    if (!type) errors.push(required(`${at}.type`));
    const allowed = TRUE_ONLY_CONDITIONS.has(type) ? ['True'] : CONDITION_STATUSES;
    if (!c.status) errors.push(required(`${at}.status`));
    else if (!allowed.includes(c.status)) errors.push(notSupported(`${at}.status`, c.status, allowed));
    if ((type === 'Approved' && denied) || (type === 'Denied' && approved)) {
      errors.push(invalid(`${at}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (type === 'Approved') approved = true;
    if (type === 'Denied') denied = true;
    if (seen.has(type)) errors.push(duplicate(`${at}.type`, type));
    seen.add(type);
  });
  return errors;
}

/** Upstream ValidateCertificateSigningRequestCreate; the rest handler runs it on updates too. */
export function validateCertificateSigningRequest(obj: KubeObject): FieldError[] {
  const errors = validateObjectMeta(obj, { namespaced: false });
  const spec = obj.spec ?? {};
  const problem = certificateRequestProblem(bytesOf(spec.request));
  // The bad value is the request's bytes, which Go prints as JSON: the base64 text.
  if (problem) errors.push(invalid('spec.request', typeof spec.request === 'string' ? spec.request : '', problem));
  const usages: string[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) errors.push(required('spec.usages'));
  usages.forEach((u, i) => {
    if (!knownUsages.has(u)) errors.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
  });
  usages.forEach((u, i) => {
    if (usages.indexOf(u) !== i) errors.push(duplicate(`spec.usages[${i}]`, u));
  });
  if (spec.signerName === LEGACY_UNKNOWN_SIGNER) {
    errors.push(invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errors.push(...validateSignerName('spec.signerName', spec.signerName));
  }
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errors.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errors.push(...validateConditions(obj));
  const certProblem = issuedCertificateProblem(bytesOf(obj.status?.certificate));
  if (certProblem) errors.push(invalid('status.certificate', '<certificate data>', certProblem));
  return errors;
}

function conditionsOfType(obj: KubeObject, type: string): unknown[] {
  return (obj.status?.conditions ?? []).filter((c: { type?: string }) => c.type === type);
}

/**
 * What upstream's update validation adds for the main resource, /status and /approval (the
 * create checks above run on updates too).
 */
export function validateCertificateSigningRequestUpdate(obj: KubeObject, old: KubeObject, path: CsrUpdatePath = ''): FieldError[] {
  const errors: FieldError[] = [];
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (conditionsOfType(obj, type).length < conditionsOfType(old, type).length) {
      errors.push(forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
    }
  }
  if (path !== 'approval') {
    for (const type of ['Approved', 'Denied']) {
      const before = conditionsOfType(old, type);
      const after = conditionsOfType(obj, type);
      if (after.length > before.length) {
        errors.push(forbidden('status.conditions', `updates may not add a condition of type "${type}"`));
      } else if (after.length === before.length && !deepEqual(before, after)) {
        errors.push(forbidden('status.conditions', `updates may not modify a condition of type "${type}"`));
      }
    }
  }
  const cert = obj.status?.certificate ?? '';
  const oldCert = old.status?.certificate ?? '';
  if (cert !== oldCert) {
    if (path !== 'status') errors.push(forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert) errors.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return [...errors, ...validateObjectMetaUpdate(obj, old)];
}
