// kubeadm's discovery document: the ConfigMap kube-public/cluster-info holds a kubeconfig
// with the API server's address and CA and no credentials. A joining node reads it before it
// trusts the server (over unverified TLS), then checks the CA against the pin in its token.
// Upstream lets system:anonymous read exactly this object (kubeadm's Role
// kubeadm:bootstrap-signer-clusterinfo); ClusterInfoAnonymousAuthenticator does the same
// here, where unauthenticated requests are otherwise refused.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { parse, stringify } from 'yaml';
import { ANONYMOUS, type Authenticator, type UserInfo } from '../authn.js';

export const CLUSTER_INFO_NAMESPACE = 'kube-public';
export const CLUSTER_INFO_NAME = 'cluster-info';
export const CLUSTER_INFO_PATH = `/api/v1/namespaces/${CLUSTER_INFO_NAMESPACE}/configmaps/${CLUSTER_INFO_NAME}`;

export function clusterInfoConfigMap(server: string, caPem: string): ConfigMap {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: '', cluster: { 'certificate-authority-data': Buffer.from(caPem, 'utf8').toString('base64'), server } }],
    contexts: [],
    'current-context': '',
    preferences: {},
    users: [],
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CLUSTER_INFO_NAME, namespace: CLUSTER_INFO_NAMESPACE },
    data: { kubeconfig: stringify(kubeconfig, { lineWidth: 0 }) },
  };
}

/** The CA (PEM) and server of a cluster-info ConfigMap; throws when it has none. */
export function readClusterInfo(cm: ConfigMap): { caPem: string; server: string } {
  const text = cm.data?.kubeconfig;
  if (!text) throw new Error('the cluster-info ConfigMap has no kubeconfig');
  const config = parse(text) as { clusters?: Array<{ cluster?: Record<string, string> }> };
  const cluster = config.clusters?.[0]?.cluster;
  const caData = cluster?.['certificate-authority-data'];
  if (!caData) throw new Error('the cluster-info kubeconfig has no certificate-authority-data');
  return { caPem: Buffer.from(caData, 'base64').toString('utf8'), server: cluster?.server ?? '' };
}

/** system:anonymous for a credential-less GET of cluster-info, and nothing else. */
export class ClusterInfoAnonymousAuthenticator implements Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined {
    if (req.method !== 'GET' || req.headers.authorization) return undefined;
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized) return undefined;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    return path === CLUSTER_INFO_PATH ? ANONYMOUS : undefined;
  }
}
