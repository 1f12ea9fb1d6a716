// Bootstrap tokens and the join token built from one. A bootstrap token is kubeadm's
// `<id>.<secret>` (6 + 16 characters of [a-z0-9]), stored as the Secret
// kube-system/bootstrap-token-<id>. The join token the server prints folds in the CA pin, as
// k3s's "secure" token does: `K10<sha256 hex>::<id>.<secret>`. The hash is kubeadm's
// --discovery-token-ca-cert-hash (SHA-256 of the CA's SubjectPublicKeyInfo), so a CA whose
// certificate is re-issued with the same key keeps its pin.
import { X509Certificate, createHash, randomInt } from 'node:crypto';

export interface BootstrapToken {
  id: string;
  secret: string;
}

export interface JoinToken {
  token: BootstrapToken;
  /** Hex SHA-256 of the CA's SubjectPublicKeyInfo; absent for a bare `<id>.<secret>`. */
  caHash?: string;
}

/** As upstream's bootstrap token regexp (k8s.io/cluster-bootstrap/token/api). */
const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const JOIN_TOKEN_PREFIX = 'K10';
const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function generateBootstrapToken(): BootstrapToken {
  return { id: randomString(6), secret: randomString(16) };
}

export function formatBootstrapToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`;
}

export function parseBootstrapToken(text: string): BootstrapToken | undefined {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function formatJoinToken(token: BootstrapToken, caHash: string): string {
  return `${JOIN_TOKEN_PREFIX}${caHash}::${formatBootstrapToken(token)}`;
}

/** Parses `K10<hash>::<id>.<secret>` or a bare `<id>.<secret>`; undefined when neither. */
export function parseJoinToken(text: string): JoinToken | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith(JOIN_TOKEN_PREFIX)) {
    const sep = trimmed.indexOf('::');
    if (sep < 0) return undefined;
    const caHash = trimmed.slice(JOIN_TOKEN_PREFIX.length, sep).toLowerCase();
    const token = parseBootstrapToken(trimmed.slice(sep + 2));
    if (!token || !/^[0-9a-f]{64}$/.test(caHash)) return undefined;
    return { token, caHash };
  }
  const token = parseBootstrapToken(trimmed);
  return token ? { token } : undefined;
}

/** Hex SHA-256 of the certificate's SubjectPublicKeyInfo (kubeadm's CA pin, without `sha256:`). */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return out;
}
