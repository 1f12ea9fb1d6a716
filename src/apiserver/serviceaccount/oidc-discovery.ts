// Service account issuer discovery, as upstream's /.well-known/openid-configuration and
// /openid/v1/jwks: lets other parties verify our tokens with standard OIDC libraries.
import type { ServiceAccountTokenIssuer } from './token-issuer.js';

export const OIDC_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export function openIdConfiguration(issuer: ServiceAccountTokenIssuer, jwksUri?: string): object {
  return {
    issuer: issuer.issuer,
    jwks_uri: jwksUri ?? `${issuer.issuer}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [issuer.algorithm],
  };
}

export function jwks(issuer: ServiceAccountTokenIssuer): object {
  return { keys: [issuer.publicJwk()] };
}
