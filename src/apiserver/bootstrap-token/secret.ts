// The Secret that holds a bootstrap token, in upstream's layout (k8s.io/cluster-bootstrap):
// kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token, with the id, secret,
// usages, extra groups and optional expiration as data keys. `kubectl get secrets -n
// kube-system` lists the tokens; deleting one revokes it.
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { BootstrapToken } from './token.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
/** The group every bootstrap token's user is in. */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The extra group of the tokens the server makes for nodes to join (kubeadm's is system:bootstrappers:kubeadm:default-node-token). */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:coxswain:default-node-token';

export interface BootstrapTokenSecretOptions {
  description?: string;
  /** When the token stops working; never when absent. */
  expiration?: Date;
  extraGroups?: string[];
}

export function bootstrapTokenSecretName(id: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}`;
}

export function bootstrapTokenSecret(token: BootstrapToken, opts: BootstrapTokenSecretOptions = {}): Secret {
  const data: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': (opts.extraGroups ?? [DEFAULT_NODE_TOKEN_GROUP]).join(','),
  };
  if (opts.description) data.description = opts.description;
  // RFC 3339 without fractions, as kubeadm writes it.
  if (opts.expiration) data.expiration = opts.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(token.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

/** A data key of the Secret as text ('' when absent). */
export function secretString(secret: Secret, key: string): string {
  const fromString = secret.stringData?.[key];
  if (fromString !== undefined) return fromString;
  const b64 = secret.data?.[key];
  return b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('utf8');
}
