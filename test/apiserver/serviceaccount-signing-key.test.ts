// The service-account signing key under the data dir: made once (sa.key 0600, sa.pub), reused
// afterwards so tokens survive restarts, and its key id as upstream derives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureServiceAccountKeyPem, signingKeyFromPem } from '../../src/apiserver/serviceaccount/index.js';

test('sa.key and sa.pub are created at first start and reused', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-key-'));
  try {
    const first = await ensureServiceAccountKeyPem(dir);
    assert.equal((await stat(path.join(dir, 'sa.key'))).mode & 0o777, 0o600);
    const pub = await readFile(path.join(dir, 'sa.pub'), 'utf8');
    assert.equal(createPublicKey(first).export({ type: 'spki', format: 'pem' }), pub);
    assert.equal(await ensureServiceAccountKeyPem(dir), first, 'reused');
    const key = signingKeyFromPem(first);
    assert.equal(key.privateKey.asymmetricKeyType, 'rsa');
    const der = createPublicKey(first).export({ type: 'spki', format: 'der' });
    assert.equal(key.keyId, createHash('sha256').update(der).digest('base64url'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
