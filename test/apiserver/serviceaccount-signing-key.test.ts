// The service-account signing key under the data dir: made once (sa.key 0600, sa.pub), reused
// afterwards so tokens survive restarts, and its key id as upstream derives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { ensureServiceAccountKeyPem, ServiceAccountTokenIssuer, signingKeyFromPem } from '../../src/apiserver/serviceaccount/index.js';

test('sa.key and sa.pub are created at first start and reused', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-key-'));
  try {
    const first = await ensureServiceAccountKeyPem(dir);
    assert.equal((await stat(path.join(dir, 'sa.key'))).mode & 0o777, 0o600);
    const pub = await readFile(path.join(dir, 'sa.pub'), 'utf8');
    assert.equal(createPublicKey(first).export({ type: 'spki', format: 'pem' }), pub);
    assert.equal(await ensureServiceAccountKeyPem(dir), first, 'reused');
    const key = signingKeyFromPem(first);
    assert.equal(key.privateKey.asymmetricKeyType, 'ec');
    assert.equal(key.algorithm, 'ES256');
    const der = createPublicKey(first).export({ type: 'spki', format: 'der' });
    assert.equal(key.keyId, createHash('sha256').update(der).digest('base64url'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an RSA key (from before, or supplied) signs RS256 tokens that verify, with an RSA JWKS entry', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const key = signingKeyFromPem(pem);
  assert.equal(key.algorithm, 'RS256');
  const issuer = new ServiceAccountTokenIssuer({ key });
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign({ iss: issuer.issuer, sub: 'system:serviceaccount:default:x', aud: [issuer.issuer], iat: now, nbf: now, exp: now + 600, jti: 'j', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'x', uid: 'u' } } } as never);
  assert.equal(decodeProtectedHeader(token).alg, 'RS256');
  assert.equal((await issuer.verify(token)).sub, 'system:serviceaccount:default:x');
  const jwk = issuer.publicJwk();
  assert.equal(jwk.kty, 'RSA');
  assert.equal(jwk.alg, 'RS256');
  assert.ok(jwk.n && jwk.e);
});

test('keys of other types are refused with what to use instead', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  assert.throws(() => signingKeyFromPem(pem), /unsupported key type ed25519 \(RSA or ECDSA/);
});
