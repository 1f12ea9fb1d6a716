// The key pair that signs service-account tokens, kept as sa.key / sa.pub under the data dir:
// made at first start and reused afterwards (every token handed out stays valid across
// restarts). New keys are ECDSA P-256, tokens ES256, which kube-apiserver accepts as readily as
// kubeadm's RSA: a signature costs about a tenth of RSA-2048's, and the kubelet asks for one
// per pod it starts. An RSA sa.key from before (or one supplied) keeps signing RS256. The key
// id is what upstream derives from the public key: the unpadded base64url SHA-256 of its DER
// (PKIX) encoding, so `kid` and the JWKS agree.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../write-file-atomic.js';

/** The JWS algorithm of a key, as kube-apiserver picks it from the key's type and curve. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface ServiceAccountSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  algorithm: SigningAlgorithm;
}

const EC_ALGORITHMS: Record<string, SigningAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const alg = key.asymmetricKeyType === 'ec' ? EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!alg) throw new Error(`service account signing key: unsupported key type ${key.asymmetricKeyType} (RSA or ECDSA P-256/384/521)`);
  return alg;
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
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), algorithm: algorithmOf(privateKey) };
}

/** A new in-memory key (tests, and servers started without a data dir). */
export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

let ephemeral: string | undefined;

/** One generated key shared by every server in this process that was given none. */
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
