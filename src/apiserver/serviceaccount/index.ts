// Service-account tokens: signing key, TokenRequest, authenticator and issuer discovery.
export * from './claims.js';
export * from './signing-key.js';
export * from './token-issuer.js';
export * from './token-request.js';
export * from './authenticator.js';
export * from './oidc-discovery.js';
