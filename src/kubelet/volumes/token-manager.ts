// Service-account tokens for projected volumes, as upstream's kubelet token manager
// (pkg/kubelet/token): each is obtained through TokenRequest bound to the pod, cached per
// (account, audience, lifetime, pod uid), and fetched again once 80% of its lifetime has
// passed (or 24 h, whichever is first), with a little jitter so pods do not refresh in step.
// When a refresh fails, the cached token is used while it is still valid.
import type { ApiClient } from '../../client/api-client.js';
import type { Clock } from '../../client/clock.js';
import { serviceAccounts } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';

const MAX_TTL_MS = 24 * 3600_000;
const MAX_JITTER_MS = 10_000;

export interface TokenRequestSpec {
  namespace: string;
  serviceAccountName: string;
  audience?: string;
  expirationSeconds: number;
  pod: { name: string; uid: string };
}

interface CachedToken {
  token: string;
  /** status.expirationTimestamp, ms. */
  expiresAt: number;
  expirationSeconds: number;
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock = { now: () => Date.now(), setTimeout: () => { throw new Error('unused'); } },
    private readonly logger: Logger = nullLogger,
    private readonly random: () => number = Math.random,
  ) {}

  /** A valid token for `spec`, requesting a new one when the cached one is due for refresh. */
  async getToken(spec: TokenRequestSpec): Promise<string> {
    const key = keyOf(spec);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached.token;
    try {
      const fresh = await this.request(spec);
      this.cache.set(key, fresh);
      return fresh.token;
    } catch (err) {
      if (cached && this.clock.now() < cached.expiresAt) {
        this.logger.warn('could not refresh service account token, using the cached one', {
          pod: `${spec.namespace}/${spec.pod.name}`, error: err instanceof Error ? err.message : String(err),
        });
        return cached.token;
      }
      throw err;
    }
  }

  /** Forgets the tokens of a pod that is gone (upstream DeleteServiceAccountToken). */
  deletePodTokens(podUid: string): void {
    for (const key of this.cache.keys()) if (key.endsWith(`/${podUid}`)) this.cache.delete(key);
  }

  private requiresRefresh(t: CachedToken): boolean {
    const now = this.clock.now();
    const issuedAt = t.expiresAt - t.expirationSeconds * 1000;
    const jitter = this.random() * MAX_JITTER_MS;
    if (now > issuedAt + MAX_TTL_MS - jitter) return true;
    return now > t.expiresAt - (t.expirationSeconds * 1000 * 20) / 100 - jitter;
  }

  private async request(spec: TokenRequestSpec): Promise<CachedToken> {
    const path = this.client.resource(serviceAccounts, spec.namespace).path(spec.namespace, spec.serviceAccountName, 'token');
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: spec.audience ? [spec.audience] : [],
        expirationSeconds: spec.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: spec.pod.name, uid: spec.pod.uid },
      },
    };
    const tr = await this.client.requestJson<{ status?: { token?: string; expirationTimestamp?: string } }>('POST', path, body);
    const token = tr.status?.token;
    const expiresAt = Date.parse(tr.status?.expirationTimestamp ?? '');
    if (!token || Number.isNaN(expiresAt)) throw new Error('TokenRequest answered without a token');
    return { token, expiresAt, expirationSeconds: spec.expirationSeconds };
  }
}

function keyOf(s: TokenRequestSpec): string {
  return `${s.namespace}/${s.serviceAccountName}/${s.audience ?? ''}/${s.expirationSeconds}/${s.pod.uid}`;
}
