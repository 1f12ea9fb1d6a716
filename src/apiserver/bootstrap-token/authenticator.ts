// Bearer-token authentication with bootstrap tokens, as upstream's bootstrap token
// authenticator (plugin/pkg/auth/authenticator/token/bootstrap): `Authorization: Bearer
// <id>.<secret>` is user system:bootstrap:<id> in system:bootstrappers plus the token's
// auth-extra-groups, if the Secret exists, is not being deleted, has the right type and
// secret, has not expired and allows authentication. Anything else is "not this
// authenticator's" (undefined), so the next one in the chain may try.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Authenticator, UserInfo } from '../authn.js';
import { parseBootstrapToken } from './token.js';
import {
  BOOTSTRAPPERS_GROUP, BOOTSTRAP_TOKEN_SECRET_TYPE, bootstrapTokenSecretName, secretString,
} from './secret.js';

/** Finds a Secret in kube-system by name, synchronously (from an informer's cache). */
export type BootstrapSecretLookup = (name: string) => Secret | undefined;

const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export class BootstrapTokenAuthenticator implements Authenticator {
  constructor(
    private readonly lookup: BootstrapSecretLookup,
    private readonly now: () => Date = () => new Date(),
  ) {}

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const bearer = bearerToken(req.headers.authorization);
    return bearer === undefined ? undefined : this.authenticateToken(bearer);
  }

  authenticateToken(bearer: string): UserInfo | undefined {
    const token = parseBootstrapToken(bearer);
    if (!token) return undefined;
    const secret = this.lookup(bootstrapTokenSecretName(token.id));
    if (!secret || secret.metadata?.deletionTimestamp || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
    if (!constantTimeEqual(secretString(secret, 'token-secret'), token.secret)) return undefined;
    if (secretString(secret, 'token-id') !== token.id) return undefined;
    if (isExpired(secretString(secret, 'expiration'), this.now())) return undefined;
    if (secretString(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
    const groups = extraGroups(secretString(secret, 'auth-extra-groups'));
    if (!groups) return undefined;
    return {
      name: `system:bootstrap:${token.id}`,
      groups: [...new Set([BOOTSTRAPPERS_GROUP, ...groups]), 'system:authenticated'],
    };
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, as upstream). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : undefined;
}

/** An unparseable expiration counts as expired, as upstream. */
function isExpired(expiration: string, now: Date): boolean {
  if (!expiration) return false;
  const at = Date.parse(expiration);
  return Number.isNaN(at) || now.getTime() >= at;
}

/** Comma-separated groups; undefined (reject the token) when one is not a bootstrappers group. */
function extraGroups(text: string): string[] | undefined {
  const groups = text.split(',').map((g) => g.trim()).filter(Boolean);
  return groups.every((g) => EXTRA_GROUP_PATTERN.test(g)) ? groups : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
