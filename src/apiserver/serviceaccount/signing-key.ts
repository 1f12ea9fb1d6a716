// The key pair that signs service-account tokens: RSA, as kubeadm's sa.key / sa.pub, made at
// first start under the data dir and reused afterwards (every token handed out stays valid
// across restarts). The key id is what upstream derives from the public key: the unpadded
// base64url SHA-256 of its DER (PKIX) encoding, so `kid` and the JWKS agree.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../write-file-atomic.js';

export interface ServiceAccountSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export const SA_KEY_FILE = 'sa.key';
export const SA_PUB_FILE = 'sa.pub';

/** Upstream keyIDFromPublicKey: base64url(sha256(PKIX DER)) without padding. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export function signingKeyFromPem(privateKeyPem: string): ServiceAccountSigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A new in-memory key (tests, and servers started without a data dir). */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

let ephemeral: string | undefined;

/** One generated key shared by every server in this process that was given none (RSA keygen is slow). */
export function ephemeralSigningKeyPem(): string {
  ephemeral ??= generateSigningKeyPem();
  return ephemeral;
}

/** Reads `<dir>/sa.key`, creating it (and sa.pub) when missing; returns the private key PEM. */
export async function ensureServiceAccountKeyPem(dir: string): Promise<string> {
  try {
    const pem = await readFile(join(dir, SA_KEY_FILE), 'utf8');
    signingKeyFromPem(pem); // unreadable keys are replaced below
    return pem;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && !(err instanceof Error && /key|PEM|decoder/i.test(err.message))) throw err;
  }
  const pem = generateSigningKeyPem();
  const pub = createPublicKey(pem).export({ type: 'spki', format: 'pem' }) as string;
  await writeFileAtomic(join(dir, SA_KEY_FILE), pem, 0o600);
  await writeFileAtomic(join(dir, SA_PUB_FILE), pub, 0o644);
  return pem;
}
