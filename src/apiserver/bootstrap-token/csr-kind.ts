// certificates.k8s.io/v1 CertificateSigningRequest: what the API server needs to serve it,
// plus the admission step that records who asked. Upstream's strategy fills spec.username,
// uid, groups and extra from the requester on create and ignores what the client sent, so
// approvers can trust them. The approval subresource is not served yet: the in-process
// approver writes the Approved condition through /status.
import type { FieldError } from '../../api/errors.js';
import type { KindDef, KubeObject } from '../../api/kinds.js';
import { defineKind } from '../../api/groups/define.js';
import { validateObjectMeta } from '../../api/validation/meta.js';
import type { AdmissionAttributes, AdmissionPlugin } from '../admission/types.js';

export const certificateSigningRequestKind: KindDef = defineKind({
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], subresources: ['status', 'approval'],
  hasStatus: true,
  fieldSelectors: { 'spec.signerName': (obj) => obj.spec?.signerName ?? '' },
  validate: validateCertificateSigningRequest,
  validateUpdate: (obj, old) =>
    JSON.stringify(obj.spec ?? {}) === JSON.stringify(old.spec ?? {})
      ? []
      : [{ type: 'FieldValueForbidden', field: 'spec', message: 'field is immutable' }],
});

function validateCertificateSigningRequest(obj: KubeObject): FieldError[] {
  const errors = validateObjectMeta(obj, { namespaced: false });
  const spec = obj.spec ?? {};
  if (!spec.request) errors.push({ type: 'FieldValueRequired', field: 'spec.request', message: 'Required value' });
  else if (!Buffer.from(String(spec.request), 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.request', message: 'Invalid value: "<omitted>": PEM block type must be CERTIFICATE REQUEST' });
  }
  if (!spec.signerName) errors.push({ type: 'FieldValueRequired', field: 'spec.signerName', message: 'Required value' });
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.usages', message: 'Required value' });
  }
  return errors;
}

/** Sets spec.username and spec.groups from the authenticated requester on create. */
export class CsrRequesterAdmission implements AdmissionPlugin {
  readonly name = 'CertificateSigningRequestRequester';

  admit(attrs: AdmissionAttributes): void {
    if (attrs.operation !== 'CREATE' || attrs.def.resource !== 'certificatesigningrequests' || attrs.subresource) return;
    const obj = attrs.object;
    if (!obj) return;
    obj.spec = { ...(obj.spec ?? {}), username: attrs.user.name, groups: [...attrs.user.groups] };
    delete obj.spec.uid;
    delete obj.spec.extra;
  }
}
