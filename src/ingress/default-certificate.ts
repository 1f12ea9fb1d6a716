// The certificate served when no Ingress TLS entry covers the requested name (or the client
// sent no SNI): self-signed and made at start-up, like ingress-nginx's "Kubernetes Ingress
// Controller Fake Certificate". Clients are expected to reject it; it only keeps TLS answering.
import 'reflect-metadata'; // @peculiar/x509 registers its providers through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export const DEFAULT_CERTIFICATE_COMMON_NAME = 'Coxswain Ingress Controller Fake Certificate';

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export async function createDefaultCertificate(now: Date = new Date()): Promise<CertificatePair> {
  const alg: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(serial).toString('hex'),
    name: `CN=${DEFAULT_CERTIFICATE_COMMON_NAME}, O=Acme Co`,
    keys,
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + 365 * 24 * 3600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'ingress.local' }]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
