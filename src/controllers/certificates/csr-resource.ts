// certificates.k8s.io/v1 CertificateSigningRequest, as the client sees it, and the words
// upstream uses in it (k8s.io/api/certificates/v1).
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { ResourceDescriptor } from '../../client/resources.js';

export const certificateSigningRequests: ResourceDescriptor<CertificateSigningRequest> = {
  group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', namespaced: false,
};

/** Client certificates for kubelets talking to the API server (CN system:node:<name>, O system:nodes). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Other client certificates for the API server. */
export const API_SERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

export type CsrCondition = NonNullable<NonNullable<CertificateSigningRequest['status']>['conditions']>[number];

export function conditionOf(csr: CertificateSigningRequest, type: string): CsrCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status !== 'False');
}
