// Certificates for the HTTPS listener, chosen by SNI. Each `spec.tls[]` entry of a served
// Ingress binds its hosts to the Secret it names (type kubernetes.io/tls: tls.crt, tls.key,
// in the Ingress's namespace). As ingress-nginx: the oldest Ingress wins a host; a missing or
// broken Secret, or a certificate that does not cover the host, leaves the host on the default
// certificate (with a warning). An entry without hosts covers the hosts of its Ingress's rules.
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { X509Certificate } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { Lister } from '../client/lister.js';
import type { Logger } from '../logger.js';
import type { CertificatePair } from './default-certificate.js';
import { wildcardFor } from './host-match.js';
import { sortOldestFirst } from './route-table.js';

interface LoadedSecret {
  /** `namespace/name` */
  key: string;
  resourceVersion: string;
  context: SecureContext;
  cert: X509Certificate;
}

export class CertificateStore {
  readonly defaultContext: SecureContext;
  private exact = new Map<string, LoadedSecret>();
  private wildcard = new Map<string, LoadedSecret>();
  private loaded = new Map<string, LoadedSecret>();
  /** Problems already reported, so a rebuild does not repeat a warning. */
  private reported = new Set<string>();

  constructor(defaultCertificate: CertificatePair, private readonly logger: Logger) {
    this.defaultContext = createSecureContext({ cert: defaultCertificate.certPem, key: defaultCertificate.keyPem });
  }

  /** The context for an SNI name (the default one when nothing binds it). */
  contextFor(servername: string | undefined): SecureContext {
    return this.lookup(servername)?.context ?? this.defaultContext;
  }

  /** The Secret (`namespace/name`) serving an SNI name; undefined for the default certificate. */
  secretFor(servername: string | undefined): string | undefined {
    return this.lookup(servername)?.key;
  }

  private lookup(servername: string | undefined): LoadedSecret | undefined {
    const name = (servername ?? '').toLowerCase();
    if (!name) return undefined;
    const wild = wildcardFor(name);
    return this.exact.get(name) ?? (wild ? this.wildcard.get(wild) : undefined);
  }

  /** For tls.createServer's SNICallback. */
  readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    cb(null, this.contextFor(servername));
  };

  /** Recomputes the host → certificate bindings from the served Ingresses and the Secret cache. */
  rebuild(ingresses: readonly Ingress[], secrets: Lister<Secret>): void {
    const exact = new Map<string, LoadedSecret>();
    const wildcard = new Map<string, LoadedSecret>();
    const loaded = new Map<string, LoadedSecret>();
    const problems = new Set<string>();
    const problem = (msg: string, fields: Record<string, unknown>) => {
      const key = `${msg} ${JSON.stringify(fields)}`;
      problems.add(key);
      if (!this.reported.has(key)) this.logger.warn(msg, fields);
    };

    for (const ing of sortOldestFirst(ingresses)) {
      const ns = ing.metadata?.namespace ?? '';
      const ingress = `${ns}/${ing.metadata?.name ?? ''}`;
      for (const tls of ing.spec?.tls ?? []) {
        if (!tls.secretName) continue;
        const secretKey = `${ns}/${tls.secretName}`;
        let entry = loaded.get(secretKey);
        if (!entry) {
          const secret = secrets.get(ns, tls.secretName);
          if (!secret) {
            problem('TLS secret not found; using the default certificate', { ingress, secret: secretKey });
            continue;
          }
          try {
            entry = this.load(secretKey, secret);
          } catch (err) {
            problem('TLS secret unusable; using the default certificate', { ingress, secret: secretKey, error: (err as Error).message });
            continue;
          }
          loaded.set(secretKey, entry);
        }
        const hosts = tls.hosts?.length ? tls.hosts : (ing.spec?.rules ?? []).map((r) => r.host ?? '').filter(Boolean);
        for (const raw of hosts) {
          const host = raw.toLowerCase();
          const map = host.startsWith('*.') ? wildcard : exact;
          if (map.has(host)) continue;
          if (!covers(entry.cert, host)) {
            problem('TLS certificate does not cover the host; using the default certificate', { ingress, secret: secretKey, host });
            continue;
          }
          map.set(host, entry);
        }
      }
    }
    this.exact = exact;
    this.wildcard = wildcard;
    this.loaded = loaded;
    this.reported = problems;
  }

  private load(key: string, secret: Secret): LoadedSecret {
    const version = secret.metadata?.resourceVersion ?? '';
    const cached = this.loaded.get(key);
    if (cached && cached.resourceVersion === version) return cached;
    const certB64 = secret.data?.['tls.crt'];
    const keyB64 = secret.data?.['tls.key'];
    if (!certB64 || !keyB64) throw new Error('the secret has no tls.crt and tls.key');
    const certPem = Buffer.from(certB64, 'base64').toString('utf8');
    const keyPem = Buffer.from(keyB64, 'base64').toString('utf8');
    const context = createSecureContext({ cert: certPem, key: keyPem });
    return { key, resourceVersion: version, context, cert: new X509Certificate(certPem) };
  }
}

/** Whether the certificate is valid for a host; for a wildcard host, for any one label under it. */
function covers(cert: X509Certificate, host: string): boolean {
  const probe = host.startsWith('*.') ? `sni-probe${host.slice(1)}` : host;
  return cert.checkHost(probe) !== undefined;
}
