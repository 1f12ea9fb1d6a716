// The cluster's certificates: a CA, the API server's serving certificate and the admin
// client certificate, generated at first start under the data dir and reused afterwards.
// Lifetimes follow kubeadm and k3s: CA 10 years, leaf certificates 1 year, renewed at
// start-up when fewer than 90 days remain.
import 'reflect-metadata'; // @peculiar/x509 registers its providers through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import { X509Certificate as NodeX509Certificate, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from './write-file-atomic.js';
import { ensureServiceAccountKeyPem } from './serviceaccount/signing-key.js';

x509.cryptoProvider.set(webcrypto);

export interface Pki {
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  /** Signs service-account tokens (sa.key, as kubeadm; sa.pub beside it). */
  serviceAccountKeyPem?: string;
}

export interface EnsurePkiOptions {
  /** Extra DNS names and IP addresses for the serving certificate (added to the defaults). */
  hosts: string[];
  /** Only for tests: the current time. */
  now?: Date;
}

export interface ClientCertificateOptions {
  commonName: string;
  /** Kubernetes reads O= as the user's groups (e.g. system:masters, system:nodes). */
  organizations?: string[];
  days?: number;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** Names every in-cluster and local client uses to reach the API server. */
export const DEFAULT_SERVING_HOSTS: readonly string[] = [
  '127.0.0.1',
  '::1',
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  // The `kubernetes` Service's ClusterIP: the first address of the service CIDR (10.43.0.0/16).
  '10.43.0.1',
];

export const ADMIN_COMMON_NAME = 'coxswain-admin';
/** Upstream's superuser group: RBAC lets it do anything. */
export const ADMIN_GROUP = 'system:masters';

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_DAYS = 3650;
const LEAF_DAYS = 365;
const RENEW_BEFORE_DAYS = 90;
// Backdate notBefore a little so that a peer whose clock is slightly behind accepts the cert.
const BACKDATE_MS = 5 * 60 * 1000;

const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
} as const;

const CERT_MODE = 0o644;
const KEY_MODE = 0o600;

/**
 * Loads the certificates under `dir`, creating or renewing what is missing, expiring,
 * not issued by the CA on disk, or (for the serving certificate) made for other hosts.
 */
export async function ensurePki(dir: string, opts: EnsurePkiOptions): Promise<Pki> {
  const now = opts.now ?? new Date();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hosts = servingHosts(opts.hosts);

  let ca = await readPair(dir, FILES.caCert, FILES.caKey);
  let caRenewed = false;
  // The CA is only replaced when unusable: a new CA invalidates every kubeconfig handed out.
  if (!ca || !isUsable(ca, now, null)) {
    ca = await createCa(now);
    await writePair(dir, FILES.caCert, FILES.caKey, ca);
    caRenewed = true;
  }

  let server = await readPair(dir, FILES.serverCert, FILES.serverKey);
  if (caRenewed || !server || !isUsable(server, now, ca.certPem) || !sameHosts(server.certPem, hosts)) {
    server = await issue(ca, {
      subject: 'CN=coxswain-apiserver',
      days: LEAF_DAYS,
      now,
      usage: x509.ExtendedKeyUsage.serverAuth,
      sans: hosts,
    });
    await writePair(dir, FILES.serverCert, FILES.serverKey, server);
  }

  let admin = await readPair(dir, FILES.adminCert, FILES.adminKey);
  if (caRenewed || !admin || !isUsable(admin, now, ca.certPem)) {
    admin = await issueClientCertificate(
      { caCertPem: ca.certPem, caKeyPem: ca.keyPem },
      { commonName: ADMIN_COMMON_NAME, organizations: [ADMIN_GROUP], days: LEAF_DAYS },
      now,
    );
    await writePair(dir, FILES.adminCert, FILES.adminKey, admin);
  }

  return {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    serviceAccountKeyPem: await ensureServiceAccountKeyPem(dir),
  };
}

/** Issues a client certificate signed by the cluster CA (CN = user name, O = groups). */
export async function issueClientCertificate(
  pki: Pick<Pki, 'caCertPem' | 'caKeyPem'>,
  opts: ClientCertificateOptions,
  now: Date = new Date(),
): Promise<IssuedCertificate> {
  const subject = [`CN=${escapeDnValue(opts.commonName)}`, ...(opts.organizations ?? []).map((o) => `O=${escapeDnValue(o)}`)];
  return issue(
    { certPem: pki.caCertPem, keyPem: pki.caKeyPem },
    { subject: subject.join(', '), days: opts.days ?? LEAF_DAYS, now, usage: x509.ExtendedKeyUsage.clientAuth, sans: [] },
  );
}

/** The default serving names plus `extra`, deduplicated, IPs in canonical form, sorted. */
export function servingHosts(extra: readonly string[]): string[] {
  const all = new Set<string>();
  for (const host of [...DEFAULT_SERVING_HOSTS, ...extra]) {
    const trimmed = host.trim();
    if (trimmed) all.add(canonicalHost(trimmed));
  }
  return [...all].sort();
}

interface Pair {
  certPem: string;
  keyPem: string;
}

interface IssueParams {
  subject: string;
  days: number;
  now: Date;
  usage: x509.ExtendedKeyUsage;
  sans: string[];
}

async function createCa(now: Date): Promise<Pair> {
  const keys = await generateKeys();
  // A timestamped CN, as k3s does ("k3s-server-ca@<unix>"), tells CA generations apart.
  const name = `CN=coxswain-ca@${Math.floor(now.getTime() / 1000)}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    keys,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

async function issue(ca: Pair, params: IssueParams): Promise<Pair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // keyEncipherment is meaningless for ECDSA but harmless; upstream sets it for every leaf.
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([params.usage]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (params.sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        params.sans.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host })),
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: params.subject,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    notBefore: new Date(params.now.getTime() - BACKDATE_MS),
    notAfter: new Date(params.now.getTime() + params.days * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function importPrivateKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return (await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign'])) as webcrypto.CryptoKey;
}

/** 128 random bits with the top bit clear: a positive serial, as RFC 5280 requires. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/**
 * Parseable, matching its key, not expiring soon, and (when `caPem` is given, i.e. for a leaf)
 * signed by that CA. A CA is kept until it has actually expired.
 */
function isUsable(pair: Pair, now: Date, caPem: string | null): boolean {
  try {
    const cert = new NodeX509Certificate(pair.certPem);
    const publicFromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
    if (!publicFromKey.equals(cert.publicKey.export({ type: 'spki', format: 'der' }))) return false;
    const renewAt = new Date(cert.validTo).getTime() - (caPem ? RENEW_BEFORE_DAYS * DAY_MS : 0);
    if (now.getTime() >= renewAt) return false;
    if (caPem) {
      const ca = new NodeX509Certificate(caPem);
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function sameHosts(certPem: string, hosts: string[]): boolean {
  const cert = new x509.X509Certificate(certPem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return hosts.length === 0;
  const present = [...new Set(san.names.items.map((n) => canonicalHost(n.value)))].sort();
  return present.length === hosts.length && present.every((h, i) => h === hosts[i]);
}

function canonicalHost(host: string): string {
  // The WHATWG URL parser prints IPv6 addresses in their shortest form (RFC 5952).
  if (isIP(host) === 6) return new URL(`https://[${host}]/`).hostname.slice(1, -1);
  return host.toLowerCase();
}

/** RFC 4514 escaping for the characters the DN string parser treats specially. */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

async function readPair(dir: string, certFile: string, keyFile: string): Promise<Pair | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([
      readFile(join(dir, certFile), 'utf8'),
      readFile(join(dir, keyFile), 'utf8'),
    ]);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writePair(dir: string, certFile: string, keyFile: string, pair: Pair): Promise<void> {
  // Key first: a crash in between leaves a cert that fails the key check on the next start
  // rather than a new cert paired with an old key.
  await writeFileAtomic(join(dir, keyFile), pair.keyPem, KEY_MODE);
  await writeFileAtomic(join(dir, certFile), pair.certPem, CERT_MODE);
}
