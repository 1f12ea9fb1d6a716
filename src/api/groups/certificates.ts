// certificates.k8s.io: CertificateSigningRequest, with upstream's strategy
// (pkg/registry/certificates/certificates/strategy.go): the requester's identity is recorded
// on create, the spec never changes after it, /status may not touch Approved/Denied, and
// /approval changes only the conditions.
import type { KindDef, KubeObject, RequestUser } from '../kinds.js';
import {
  validateCertificateSigningRequest, validateCertificateSigningRequestUpdate, type CsrUpdatePath,
} from '../validation/certificates.js';
import { defineKind, fieldAt } from './define.js';

/** Upstream PrepareForCreate: who asked comes from the request, never from the body. */
function prepareCsrForCreate(obj: KubeObject, user: RequestUser): void {
  const spec = (obj.spec ??= {});
  delete spec.uid;
  delete spec.extra;
  spec.username = user.name;
  spec.groups = [...user.groups];
  if (user.uid) spec.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length) spec.extra = structuredClone(user.extra);
  // Be explicit, as upstream: nobody creates a pre-approved request.
  obj.status = {};
  // Upstream's CSR strategy keeps no metadata.generation.
  delete obj.metadata?.generation;
}

function prepareCsrForUpdate(obj: KubeObject, old: KubeObject, subresource: string): void {
  obj.spec = structuredClone(old.spec);
  if (old.metadata?.generation === undefined) delete obj.metadata?.generation;
  if (subresource === 'status') {
    // Approved/Denied stay as stored; adding or removing them fails validation.
    preserveConditions(obj, old, 'Approved');
    preserveConditions(obj, old, 'Denied');
  } else if (subresource === 'approval') {
    const status = (obj.status ??= {});
    if (old.status?.certificate === undefined) delete status.certificate;
    else status.certificate = old.status.certificate;
  }
  // The main resource already keeps the stored status (generic strategy for kinds with one).
  populateConditionTimestamps(obj, old);
}

type Condition = { type?: string; status?: string; lastUpdateTime?: string; lastTransitionTime?: string };

function conditionsOf(obj: KubeObject): Condition[] {
  return obj.status?.conditions ?? [];
}

function preserveConditions(obj: KubeObject, old: KubeObject, type: string): void {
  const at = (o: KubeObject) => conditionsOf(o).flatMap((c, i) => (c.type === type ? [i] : []));
  const oldAt = at(old);
  const newAt = at(obj);
  if (oldAt.length !== newAt.length) return;
  newAt.forEach((n, i) => {
    obj.status.conditions[n] = structuredClone(conditionsOf(old)[oldAt[i]!]);
  });
}

/** Missing lastUpdateTime is now; a missing lastTransitionTime is kept from an unchanged condition, else now. */
function populateConditionTimestamps(obj: KubeObject, old: KubeObject): void {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const c of conditionsOf(obj)) {
    c.lastUpdateTime ||= now;
    if (!c.lastTransitionTime) {
      const same = conditionsOf(old).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

export const certificateSigningRequestKind: KindDef = defineKind({
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], subresources: ['status', 'approval'],
  hasStatus: true,
  fieldSelectors: { 'spec.signerName': fieldAt('spec.signerName') },
  prepareForCreate: prepareCsrForCreate,
  prepareForUpdate: prepareCsrForUpdate,
  validate: validateCertificateSigningRequest,
  validateUpdate: (obj, old, subresource) => validateCertificateSigningRequestUpdate(obj, old, (subresource ?? '') as CsrUpdatePath),
});

export const certificatesKinds: KindDef[] = [certificateSigningRequestKind];
