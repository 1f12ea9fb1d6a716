// The claims of a service-account token, shaped as upstream's pkg/serviceaccount/claims.go:
// registered claims (iss, sub, aud, exp, iat, nbf, jti) plus a private `kubernetes.io` claim
// naming the namespace, the service account and the object the token is bound to.
import { randomUUID } from 'node:crypto';

/** The issuer and API audience kube-apiserver is normally run with (`--service-account-issuer`). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The expiry kubelet's projected token asks for; upstream extends it (warnafter) for a safe transition. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** How long such an extended token really lives (upstream ExpirationExtensionSeconds: one year). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
/** TokenRequestSpec default (upstream SetDefaults_TokenRequestSpec). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** Upstream ValidateTokenRequest bounds. */
export const MIN_EXPIRATION_SECONDS = 600;
export const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  warnafter?: number;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** Upstream serviceaccount.MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/** Upstream serviceaccount.MakeGroupNames plus system:authenticated (added by the authn chain upstream). */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

export interface ClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  /** Lifetime written into exp. */
  expirationSeconds: number;
  /** When set, warnafter = now + this (a token extended for the safe transition). */
  warnAfterSeconds?: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  now: Date;
}

export function buildClaims(input: ClaimsInput): ServiceAccountClaims {
  const now = Math.floor(input.now.getTime() / 1000);
  const k: KubernetesClaim = { namespace: input.namespace, serviceaccount: input.serviceAccount };
  if (input.pod) k.pod = input.pod;
  if (input.secret) k.secret = input.secret;
  if (input.node) k.node = input.node;
  if (input.warnAfterSeconds) k.warnafter = now + input.warnAfterSeconds;
  return {
    iss: input.issuer,
    sub: serviceAccountUsername(input.namespace, input.serviceAccount.name),
    aud: input.audiences,
    exp: now + input.expirationSeconds,
    iat: now,
    nbf: now,
    jti: randomUUID(),
    'kubernetes.io': k,
  };
}
