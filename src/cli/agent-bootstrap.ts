// How `coxswain agent` gets its own credentials from a join token, after kubeadm's token
// discovery and the kubelet's TLS bootstrap:
// 1. read kube-public/cluster-info without trusting the server yet, and accept its CA only
//    if it matches the pin in the token (K10<sha256 of the CA's public key>::…);
// 2. authenticated by the bootstrap token over TLS verified with that CA, create a
//    CertificateSigningRequest for CN system:node:<node>, O system:nodes (signer
//    kubernetes.io/kube-apiserver-client-kubelet);
// 3. once the server's approver and signer have issued the certificate, write it with its
//    key into <agent-data-dir>/kubelet.kubeconfig, which later starts use without a token.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import https from 'node:https';
import { randomBytes, webcrypto } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../client/api-client.js';
import { HttpTransport } from '../client/http-transport.js';
import { UnauthorizedError } from '../api/errors.js';
import { buildAdminKubeconfig, writeKubeconfig } from '../apiserver/kubeconfig.js';
import { CLUSTER_INFO_PATH, readClusterInfo } from '../apiserver/bootstrap-token/cluster-info.js';
import { caCertHash, formatBootstrapToken, parseJoinToken } from '../apiserver/bootstrap-token/token.js';
import {
  certificateSigningRequests, conditionOf, KUBELET_CLIENT_SIGNER, NODE_USER_PREFIX, NODES_GROUP,
} from '../controllers/certificates/csr-resource.js';

x509.cryptoProvider.set(webcrypto);

/** A join failure whose message says what to do; the CLI prints it without a stack. */
export class AgentJoinError extends Error {
  override readonly name = 'AgentJoinError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface BootstrapOptions {
  server: string;
  token: string;
  nodeName: string;
  kubeconfigPath: string;
  /** How long to wait for the server to issue the certificate (default 60 s). */
  timeoutMs?: number;
}

export const TOKEN_REJECTED_MESSAGE = 'the server rejected the join token: check `coxswain token` on the server';

/** Runs the whole bootstrap and writes the kubeconfig; returns the cluster's CA. */
export async function bootstrapNodeCredentials(opts: BootstrapOptions): Promise<{ caPem: string }> {
  const join = parseJoinToken(opts.token);
  if (!join) {
    throw new AgentJoinError('the join token is malformed: expected K10<hash>::<id>.<secret> as `coxswain token` prints it on the server');
  }
  if (!join.caHash) {
    throw new AgentJoinError('the join token has no CA hash (K10<hash>::…), so the server cannot be verified: use the full token `coxswain token` prints on the server');
  }
  const caPem = await discoverCa(opts.server, join.caHash);
  const client = new ApiClient(new HttpTransport({ server: opts.server, caPem, token: formatBootstrapToken(join.token) }), {
    userAgent: 'coxswain-agent/bootstrap',
  });
  const { certPem, keyPem } = await requestNodeCertificate(client, opts.nodeName, opts.timeoutMs ?? 60_000);
  await writeKubeconfig(opts.kubeconfigPath, buildAdminKubeconfig({ server: opts.server, caPem, certPem, keyPem, context: 'default' }));
  return { caPem };
}

/** Fetches cluster-info over TLS without verification and checks its CA against the pin. */
export async function discoverCa(server: string, caHash: string): Promise<string> {
  const url = new URL(CLUSTER_INFO_PATH, server);
  const { status, body } = await insecureGet(url).catch((err: unknown) => {
    throw new AgentJoinError(`cannot reach the server at ${server}: ${errorText(err)}; check --server and that the server is running`, { cause: err });
  });
  if (status !== 200) {
    throw new AgentJoinError(`the server at ${server} did not give out its cluster-info (HTTP ${status}); is it a coxswain server?`);
  }
  let caPem: string;
  try {
    caPem = readClusterInfo(JSON.parse(body) as ConfigMap).caPem;
  } catch (err) {
    throw new AgentJoinError(`the server at ${server} sent an unusable cluster-info: ${errorText(err)}`, { cause: err });
  }
  const actual = caCertHash(caPem);
  if (actual !== caHash) {
    throw new AgentJoinError(
      `the server's CA does not match the join token (token pins sha256:${caHash}, server has sha256:${actual}): `
      + 'check --server points at the right cluster and the token is current (`coxswain token` on the server)',
    );
  }
  return caPem;
}

async function requestNodeCertificate(client: ApiClient, nodeName: string, timeoutMs: number): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [`${NODE_USER_PREFIX}${nodeName}`] }, { O: [NODES_GROUP] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const csrs = client.resource(certificateSigningRequests);
  // The kubelet names its requests node-csr-<something unique>.
  const name = `node-csr-${randomBytes(8).toString('hex')}`;
  try {
    await csrs.create({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: {
        request: Buffer.from(request.toString('pem'), 'utf8').toString('base64'),
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
      },
    });
  } catch (err) {
    if (err instanceof UnauthorizedError) throw new AgentJoinError(TOKEN_REJECTED_MESSAGE, { cause: err });
    throw new AgentJoinError(`cannot ask the server for a node certificate: ${errorText(err)}`, { cause: err });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const csr: CertificateSigningRequest = await csrs.get(name);
    if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem };
    const refused = conditionOf(csr, 'Denied') ?? conditionOf(csr, 'Failed');
    if (refused) {
      throw new AgentJoinError(`the server refused the node certificate request ${name} (${refused.type}: ${refused.message ?? refused.reason ?? ''})`);
    }
    if (Date.now() > deadline) {
      throw new AgentJoinError(
        `the node certificate request ${name} was not signed within ${Math.round(timeoutMs / 1000)} s: `
        + 'approve it with `kubectl certificate approve` or check that the server runs its certificate controllers',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function insecureGet(url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Unverified on purpose: the CA in the answer is checked against the token's pin.
    const req = https.get(url, { rejectUnauthorized: false, headers: { Accept: 'application/json' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
