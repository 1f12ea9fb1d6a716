// The admin kubeconfig: one cluster, one user and one context, all named after the context,
// with the CA and the client certificate embedded (the *-data fields hold base64 of the PEM,
// as `kubectl config set-credentials --embed-certs` writes them).
import { stringify } from 'yaml';
import { writeFileAtomic } from './write-file-atomic.js';

export interface AdminKubeconfigOptions {
  /** API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Name of the cluster, user and context (default `coxswain`). */
  context?: string;
}

export function buildAdminKubeconfig(opts: AdminKubeconfigOptions): string {
  const name = opts.context ?? 'coxswain';
  const base64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': base64(opts.caPem) } }],
    users: [
      {
        name,
        user: { 'client-certificate-data': base64(opts.certPem), 'client-key-data': base64(opts.keyPem) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
  // lineWidth 0: never fold the long base64 strings.
  return stringify(config, { lineWidth: 0 });
}

/** Writes a kubeconfig readable only by its owner (it holds a private key), atomically. */
export async function writeKubeconfig(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, 0o600);
}
