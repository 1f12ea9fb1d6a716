// Signs and verifies service-account JWTs (ES256 or RS256 by the key, `kid` = the key id) with `jose`.
import { SignJWT, jwtVerify, decodeProtectedHeader, decodeJwt, type JWK } from 'jose';
import type { ServiceAccountClaims } from './claims.js';
import { DEFAULT_ISSUER } from './claims.js';
import type { ServiceAccountSigningKey } from './signing-key.js';

export interface TokenIssuerOptions {
  key: ServiceAccountSigningKey;
  /** `iss`, and the API server's own audience (default https://kubernetes.default.svc.cluster.local). */
  issuer?: string;
  /** Audiences the API server accepts (upstream --api-audiences; default [issuer]). */
  apiAudiences?: string[];
  /** Only for tests: the current time. */
  now?: () => Date;
}

/** Why a token was refused; the authenticator logs it and answers 401. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export class ServiceAccountTokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: string[];
  readonly now: () => Date;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.apiAudiences = opts.apiAudiences ?? [this.issuer];
    this.now = opts.now ?? (() => new Date());
  }

  get keyId(): string {
    return this.opts.key.keyId;
  }

  get algorithm(): string {
    return this.opts.key.algorithm;
  }

  async sign(claims: ServiceAccountClaims): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: this.opts.key.algorithm, kid: this.opts.key.keyId })
      .sign(this.opts.key.privateKey);
  }

  /** Whether the token looks like one we issued (a JWT with our iss), without checking its signature. */
  isOurs(token: string): boolean {
    if (token.split('.').length !== 3) return false;
    try {
      decodeProtectedHeader(token);
      return decodeJwt(token).iss === this.issuer;
    } catch {
      return false;
    }
  }

  /**
   * Checks signature, issuer, time (upstream allows a minute of skew) and that the token is
   * for one of the API audiences; returns its claims.
   */
  async verify(token: string): Promise<ServiceAccountClaims> {
    try {
      const { payload } = await jwtVerify(token, this.opts.key.publicKey, {
        issuer: this.issuer,
        algorithms: [this.opts.key.algorithm],
        currentDate: this.now(),
        clockTolerance: 60,
      });
      const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud ?? [];
      if (!aud.some((a) => this.apiAudiences.includes(a))) throw new InvalidTokenError('token audiences is invalid for the current issuer');
      if (!payload['kubernetes.io']) throw new InvalidTokenError('token has no kubernetes.io claim');
      return payload as unknown as ServiceAccountClaims;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError(err instanceof Error ? err.message : String(err));
    }
  }

  /** The public key as a JWK, for /openid/v1/jwks. */
  publicJwk(): JWK {
    const jwk = this.opts.key.publicKey.export({ format: 'jwk' });
    const material = jwk.kty === 'EC' ? { crv: jwk.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e };
    return { use: 'sig', kty: jwk.kty, kid: this.opts.key.keyId, alg: this.opts.key.algorithm, ...material };
  }
}
