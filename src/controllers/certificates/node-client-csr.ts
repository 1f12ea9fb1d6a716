// What makes a CSR a kubelet's client-certificate request, as upstream's
// pkg/apis/certificates IsKubeletClientCSR: subject CN system:node:<name> and O exactly
// [system:nodes], no SANs, and usages within digital signature, key encipherment and client
// auth.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { NODE_USER_PREFIX, NODES_GROUP } from './csr-resource.js';

const ALLOWED_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

/** The PKCS#10 request in spec.request; throws when it does not parse. */
export function parseCsrRequest(csr: CertificateSigningRequest): x509.Pkcs10CertificateRequest {
  const pem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
  return new x509.Pkcs10CertificateRequest(pem);
}

/** Why the request is not a kubelet client request; undefined when it is. */
export function kubeletClientProblem(csr: CertificateSigningRequest, request: x509.Pkcs10CertificateRequest): string | undefined {
  const orgs = request.subjectName.getField('O');
  const cns = request.subjectName.getField('CN');
  if (orgs.length !== 1 || orgs[0] !== NODES_GROUP) return `subject organization is not ${NODES_GROUP}`;
  if (cns.length !== 1 || !cns[0]!.startsWith(NODE_USER_PREFIX)) return `subject common name does not begin with ${NODE_USER_PREFIX}`;
  if (request.getExtension("2.5.29.17" /* subjectAltName */)) return 'subject alternative names are not allowed';
  const usages = csr.spec?.usages ?? [];
  const bad = usages.filter((u) => !ALLOWED_USAGES.has(u));
  if (bad.length > 0 || !usages.includes('client auth')) return `usages must include client auth and only ${[...ALLOWED_USAGES].join(', ')}`;
  return undefined;
}
