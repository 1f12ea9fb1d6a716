// Authenticates bearer tokens that are our service-account JWTs, as upstream's
// serviceaccount token authenticator: a valid signature and API audience, not expired, and
// the service account and the object the token is bound to still exist with the same uid
// (a token dies with its pod). Tokens with another issuer are left to other authenticators.
import type { IncomingMessage } from 'node:http';
import { NotFoundError } from '../../api/errors.js';
import type { Authenticator, UserInfo } from '../authn.js';
import type { ResourceRegistry } from '../resources.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { serviceAccountGroups, serviceAccountUsername, type ServiceAccountClaims } from './claims.js';
import { InvalidTokenError, type ServiceAccountTokenIssuer } from './token-issuer.js';

/** Upstream lets a deleted object's tokens live on for this long (graceful deletion in progress). */
const DELETION_GRACE_MS = 60_000;

/** The bearer token of a request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export class ServiceAccountTokenAuthenticator implements Authenticator {
  constructor(
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly resources: ResourceRegistry,
    private readonly logger: Logger = nullLogger,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (!token || !this.issuer.isOurs(token)) return undefined;
    try {
      return await this.validate(token);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      this.logger.debug('service account token refused', { reason: err.message });
      return undefined;
    }
  }

  /** The user a token stands for; throws InvalidTokenError with the upstream wording. */
  async validate(token: string): Promise<UserInfo> {
    const claims = await this.issuer.verify(token);
    const k = claims['kubernetes.io'];
    const ns = k.namespace;
    if (!ns || !k.serviceaccount?.name) throw new InvalidTokenError('token has no namespace or service account');
    const sa = await this.lookup('serviceaccounts', ns, k.serviceaccount.name);
    if (!sa) throw new InvalidTokenError(`service account ${ns}/${k.serviceaccount.name} has been deleted`);
    this.checkLive('service account', sa, k.serviceaccount.uid);
    if (k.pod) {
      const pod = await this.lookup('pods', ns, k.pod.name);
      if (!pod) throw new InvalidTokenError(`pod ${ns}/${k.pod.name} has been deleted`);
      this.checkLive('pod', pod, k.pod.uid);
    }
    if (k.secret) {
      const secret = await this.lookup('secrets', ns, k.secret.name);
      if (!secret) throw new InvalidTokenError(`secret ${ns}/${k.secret.name} has been deleted`);
      this.checkLive('secret', secret, k.secret.uid);
    }
    // A token bound to a node itself (not merely naming the pod's node) dies with the node.
    if (k.node && !k.pod && k.node.uid) {
      const node = await this.lookup('nodes', '', k.node.name);
      if (!node) throw new InvalidTokenError(`node ${k.node.name} has been deleted`);
      this.checkLive('node', node, k.node.uid);
    }
    return userOf(claims);
  }

  private checkLive(what: string, obj: { metadata?: { uid?: string; name?: string; deletionTimestamp?: string } }, uid: string | undefined): void {
    if (uid && obj.metadata?.uid !== uid) {
      throw new InvalidTokenError(`${what} UID (${obj.metadata?.uid}) does not match claim (${uid})`);
    }
    const deleted = obj.metadata?.deletionTimestamp;
    if (deleted && Date.parse(deleted) < this.issuer.now().getTime() - DELETION_GRACE_MS) {
      throw new InvalidTokenError(`${what} ${obj.metadata?.name} is being deleted`);
    }
  }

  private async lookup(resource: string, namespace: string, name: string): Promise<any | undefined> {
    try {
      return (await this.resources.core(resource).get(namespace, name)).obj;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}

function userOf(claims: ServiceAccountClaims): UserInfo {
  const k = claims['kubernetes.io'];
  return { name: serviceAccountUsername(k.namespace, k.serviceaccount.name), groups: serviceAccountGroups(k.namespace) };
}
