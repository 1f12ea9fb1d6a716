// The serviceaccounts/token subresource (upstream's TokenREST): a TokenRequest names the
// audiences, lifetime and an optional object (Pod, Secret or Node) the token is bound to;
// the answer carries the signed token and when it expires.
import type { KubeObject } from '../../api/kinds.js';
import { BadRequestError, ConflictError, InvalidError, NotFoundError, type FieldError } from '../../api/errors.js';
import type { ResourceRegistry } from '../resources.js';
import {
  buildClaims, DEFAULT_EXPIRATION_SECONDS, EXPIRATION_EXTENSION_SECONDS, MAX_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, type ObjectRef,
} from './claims.js';
import type { ServiceAccountTokenIssuer } from './token-issuer.js';

export interface TokenRequestOptions {
  /** Upstream --service-account-extend-token-expiration (default true). */
  extendExpiration?: boolean;
  /** Upstream --service-account-max-token-expiration (0: no cap). */
  maxExpirationSeconds?: number;
}

export class TokenRequestHandler {
  constructor(
    private readonly resources: ResourceRegistry,
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly opts: TokenRequestOptions = {},
  ) {}

  /** Issues a token for `namespace/name`; `body` is the decoded TokenRequest. */
  async create(namespace: string, name: string, body: KubeObject | undefined): Promise<KubeObject> {
    const req: KubeObject = structuredClone(body ?? {});
    req.apiVersion = 'authentication.k8s.io/v1';
    req.kind = 'TokenRequest';
    const meta = (req.metadata ??= {});
    if (meta.name && meta.name !== name) {
      throw invalid(name, [{ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${meta.name}": must match the service account name if specified` }]);
    }
    if (meta.namespace && meta.namespace !== namespace) {
      throw invalid(name, [{ type: 'FieldValueInvalid', field: 'metadata.namespace', message: `Invalid value: "${meta.namespace}": must match the service account namespace if specified` }]);
    }
    const sa = (await this.resources.core('serviceaccounts').get(namespace, name)).obj;
    const spec = (req.spec ??= {});
    if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [...this.issuer.apiAudiences];
    spec.expirationSeconds ??= DEFAULT_EXPIRATION_SECONDS;
    meta.name = sa.metadata?.name;
    meta.namespace = namespace;
    meta.uid ||= sa.metadata?.uid;
    const now = this.issuer.now();
    meta.creationTimestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const errs = validateSpec(spec.expirationSeconds);
    if (errs.length) throw invalid('', errs);

    const bound = await this.boundObject(namespace, name, spec.boundObjectRef);
    let expirationSeconds = Number(spec.expirationSeconds);
    const max = this.opts.maxExpirationSeconds ?? 0;
    if (max > 0 && expirationSeconds > max) expirationSeconds = spec.expirationSeconds = max;
    // As upstream: a pod-bound token for the API audiences asked for with the kubelet's 3607 s
    // lives a year but records warnafter, so old clients that never reload keep working.
    let warnAfterSeconds: number | undefined;
    let exp = expirationSeconds;
    const kubeAudiences = (spec.audiences as string[]).every((a) => this.issuer.apiAudiences.includes(a));
    if ((this.opts.extendExpiration ?? true) && bound.pod && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && kubeAudiences) {
      warnAfterSeconds = expirationSeconds;
      exp = max > 0 ? Math.min(max, EXPIRATION_EXTENSION_SECONDS) : EXPIRATION_EXTENSION_SECONDS;
    }
    const claims = buildClaims({
      issuer: this.issuer.issuer,
      namespace,
      serviceAccount: { name: sa.metadata!.name, uid: sa.metadata!.uid },
      audiences: spec.audiences,
      expirationSeconds: exp,
      warnAfterSeconds,
      pod: bound.pod,
      secret: bound.secret,
      node: bound.node,
      now,
    });
    const token = await this.issuer.sign(claims);
    // As upstream: the status reports the requested lifetime, not an extended one.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + expirationSeconds * 1000);
    req.status = { token, expirationTimestamp: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') };
    return req;
  }

  private async boundObject(namespace: string, saName: string, ref: KubeObject | undefined): Promise<{ pod?: ObjectRef; secret?: ObjectRef; node?: { name: string; uid?: string } }> {
    if (!ref) return {};
    const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
    const gvk = `${ref.apiVersion ? `${ref.apiVersion}, ` : ''}Kind=${ref.kind ?? ''}`;
    let out: { pod?: ObjectRef; secret?: ObjectRef; node?: { name: string; uid?: string } };
    let uid: string;
    let kind: string;
    if (group === '' && ref.kind === 'Pod') {
      const pod = (await this.resources.core('pods').get(namespace, ref.name)).obj;
      if (pod.spec?.serviceAccountName !== saName) {
        throw new BadRequestError(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
      }
      uid = pod.metadata!.uid;
      kind = 'Pod';
      out = { pod: { name: pod.metadata!.name, uid } };
      // As upstream's ServiceAccountTokenPodNodeInfo: the pod's node is named, with its uid when known.
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        try {
          const node = (await this.resources.core('nodes').get('', nodeName)).obj;
          out.node = { name: nodeName, uid: node.metadata?.uid };
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          out.node = { name: nodeName };
        }
      }
    } else if (group === '' && ref.kind === 'Secret') {
      const secret = (await this.resources.core('secrets').get(namespace, ref.name)).obj;
      uid = secret.metadata!.uid;
      kind = 'Secret';
      out = { secret: { name: secret.metadata!.name, uid } };
    } else if (group === '' && ref.kind === 'Node') {
      const node = (await this.resources.core('nodes').get('', ref.name)).obj;
      uid = node.metadata!.uid;
      kind = 'Node';
      out = { node: { name: node.metadata!.name, uid } };
    } else {
      throw new BadRequestError(`cannot bind token to object of type ${gvk}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw new ConflictError(kind, '', ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    return out;
  }
}

function validateSpec(expirationSeconds: unknown): FieldError[] {
  const v = Number(expirationSeconds);
  if (v < MIN_EXPIRATION_SECONDS) {
    return [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${v}: may not specify a duration less than 10 minutes` }];
  }
  if (v > MAX_EXPIRATION_SECONDS) {
    return [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${v}: may not specify a duration larger than 2^32 seconds` }];
  }
  return [];
}

function invalid(name: string, errs: FieldError[]): InvalidError {
  return new InvalidError('TokenRequest', 'authentication.k8s.io', name, errs);
}
