// Signs approved client-certificate requests with the cluster CA, as upstream's csrsigning
// controller does for kube-controller-manager's --cluster-signing-cert-file/-key-file: for
// kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kube-apiserver-client, the
// certificate goes to status.certificate; a request that cannot be honoured gets a Failed
// condition instead. The CA key is handed in by whoever starts the controller (coxswain up,
// which holds the data dir's PKI).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import {
  API_SERVER_CLIENT_SIGNER, certificateSigningRequests, conditionOf, KUBELET_CLIENT_SIGNER, type CsrCondition,
} from './csr-resource.js';
import { kubeletClientProblem, parseCsrRequest } from './node-client-csr.js';

x509.cryptoProvider.set(webcrypto);

export interface SigningCa {
  caCertPem: string;
  caKeyPem: string;
}

/** Upstream's --cluster-signing-duration default: one year. */
const DEFAULT_DURATION_S = 365 * 24 * 3600;
/** As upstream: spec.expirationSeconds below ten minutes is raised to ten minutes. */
const MIN_DURATION_S = 600;
const BACKDATE_MS = 5 * 60 * 1000;
const SIGNERS = new Set([KUBELET_CLIENT_SIGNER, API_SERVER_CLIENT_SIGNER]);

export class CsrSigningController extends QueueController {
  readonly name = 'csrsigning';
  private readonly informer: SharedIndexInformer<CertificateSigningRequest>;
  private caKey: Promise<webcrypto.CryptoKey> | undefined;

  constructor(ctx: ControllerContext, private readonly ca: SigningCa) {
    super(ctx, 1);
    this.informer = ctx.informers.informerFor(certificateSigningRequests);
    this.informer.addEventHandler({
      onAdd: (csr) => this.enqueue(csr.metadata!.name!),
      onUpdate: (_old, csr) => this.enqueue(csr.metadata!.name!),
    });
  }

  protected async sync(key: string): Promise<void> {
    const csr = this.informer.lister.get(key);
    if (!csr || !SIGNERS.has(csr.spec?.signerName ?? '')) return;
    if (!conditionOf(csr, 'Approved') || conditionOf(csr, 'Denied') || conditionOf(csr, 'Failed') || csr.status?.certificate) return;
    let certPem: string;
    try {
      certPem = await this.sign(csr);
    } catch (err) {
      await this.fail(csr, err instanceof Error ? err.message : String(err));
      return;
    }
    await this.client.updateStatus({ ...csr, status: { ...csr.status, certificate: Buffer.from(certPem, 'utf8').toString('base64') } });
    this.logger.info('signed certificate signing request', { csr: key, signer: csr.spec?.signerName });
  }

  private get client() {
    return this.ctx.client.resource(certificateSigningRequests);
  }

  private async sign(csr: CertificateSigningRequest): Promise<string> {
    const request = parseCsrRequest(csr);
    if (!(await request.verify())) throw new Error('the request signature does not verify');
    if (csr.spec?.signerName === KUBELET_CLIENT_SIGNER) {
      const problem = kubeletClientProblem(csr, request);
      if (problem) throw new Error(`invalid kubelet client request: ${problem}`);
    } else if (!(csr.spec?.usages ?? []).includes('client auth')) {
      throw new Error('usages must include client auth');
    }
    const caCert = new x509.X509Certificate(this.ca.caCertPem);
    const now = this.clock.now();
    const seconds = Math.max(MIN_DURATION_S, csr.spec?.expirationSeconds ?? DEFAULT_DURATION_S);
    // Never past the CA's own expiry, as upstream's signer caps it.
    const notAfter = new Date(Math.min(now + seconds * 1000, caCert.notAfter.getTime()));
    const usages = csr.spec?.usages ?? [];
    let keyUsage = x509.KeyUsageFlags.digitalSignature;
    if (usages.includes('key encipherment')) keyUsage |= x509.KeyUsageFlags.keyEncipherment;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: request.subjectName,
      issuer: caCert.subject,
      publicKey: request.publicKey,
      signingKey: await this.signingKey(),
      notBefore: new Date(now - BACKDATE_MS),
      notAfter,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(keyUsage, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ],
    });
    return cert.toString('pem');
  }

  private signingKey(): Promise<webcrypto.CryptoKey> {
    this.caKey ??= webcrypto.subtle.importKey(
      'pkcs8', x509.PemConverter.decodeFirst(this.ca.caKeyPem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'],
    ) as Promise<webcrypto.CryptoKey>;
    return this.caKey;
  }

  private async fail(csr: CertificateSigningRequest, message: string): Promise<void> {
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const failed: CsrCondition = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message, lastUpdateTime: now, lastTransitionTime: now };
    await this.client.updateStatus({ ...csr, status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] } });
    this.logger.warn('certificate signing request failed', { csr: csr.metadata?.name, error: message });
  }
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
