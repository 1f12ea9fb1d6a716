// What the server side of `coxswain agent` needs, wired into `coxswain up`: the bootstrap
// token authenticator (fed by an informer on kube-system's bootstrap-token Secrets), the
// cluster-info ConfigMap, and the server's own join token under <data-dir>/server/token
// (mode 0600, as k3s keeps /var/lib/rancher/k3s/server/token).
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { configMaps, secrets } from '../../client/resources.js';
import type { SharedIndexInformer } from '../../client/shared-informer.js';
import { AlreadyExistsError, NotFoundError } from '../../api/errors.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import type { Authenticator } from '../authn.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { BootstrapTokenAuthenticator } from './authenticator.js';
import { clusterInfoConfigMap, ClusterInfoAnonymousAuthenticator, CLUSTER_INFO_NAME, CLUSTER_INFO_NAMESPACE } from './cluster-info.js';
import {
  BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, bootstrapTokenSecret, bootstrapTokenSecretName, secretString,
} from './secret.js';
import { caCertHash, formatJoinToken, generateBootstrapToken, parseJoinToken, type BootstrapToken } from './token.js';

export const SERVER_TOKEN_FILE = join('server', 'token');

export interface NodeJoinStartOptions {
  dataDir: string;
  /** URL agents use to reach the API server (written to cluster-info). */
  serverUrl: string;
  caPem: string;
}

/**
 * Create before the API server (its authenticators go into the server's chain), start once
 * the server answers, stop before the server stops.
 */
export class NodeJoin {
  private informers: InformerFactory | undefined;
  private secretInformer: SharedIndexInformer<Secret> | undefined;
  private readonly bootstrap = new BootstrapTokenAuthenticator((name) =>
    this.secretInformer?.lister.get(BOOTSTRAP_TOKEN_NAMESPACE, name));
  /** The server's join token, once started. */
  joinToken = '';

  constructor(private readonly logger: Logger = nullLogger) {}

  /** Bootstrap tokens, then anonymous access to cluster-info; after the client-certificate authenticator. */
  get authenticators(): Authenticator[] {
    return [this.bootstrap, new ClusterInfoAnonymousAuthenticator()];
  }

  /** `client` must be allowed to read and write Secrets and ConfigMaps (an in-process admin). */
  async start(client: ApiClient, opts: NodeJoinStartOptions): Promise<string> {
    this.informers = new InformerFactory(client, {
      namespace: BOOTSTRAP_TOKEN_NAMESPACE,
      selectors: { fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` },
      logger: this.logger,
    });
    this.secretInformer = this.informers.informerFor(secrets);
    this.informers.start();
    await this.informers.waitForSync();

    await upsertClusterInfo(client, opts.serverUrl, opts.caPem);
    const token = await ensureServerToken(client, opts.dataDir);
    // Wait until the authenticator can see the token, so an agent started right after the
    // server prints it is not refused.
    const name = bootstrapTokenSecretName(token.id);
    for (let i = 0; i < 100 && !this.secretInformer.lister.get(BOOTSTRAP_TOKEN_NAMESPACE, name); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.joinToken = formatJoinToken(token, caCertHash(opts.caPem));
    await writeFileAtomic(serverTokenPath(opts.dataDir), `${this.joinToken}\n`, 0o600);
    return this.joinToken;
  }

  async stop(): Promise<void> {
    await this.informers?.stop();
    this.informers = undefined;
  }
}

export function serverTokenPath(dataDir: string): string {
  return join(dataDir, SERVER_TOKEN_FILE);
}

/** The join token `coxswain up` last wrote under `dataDir`; undefined when there is none. */
export async function readServerToken(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(serverTokenPath(dataDir), 'utf8')).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Reuses the token in the file while its Secret still holds it; otherwise (first start, a
 * fresh store, or the Secret deleted to revoke it) makes a new one.
 */
async function ensureServerToken(client: ApiClient, dataDir: string): Promise<BootstrapToken> {
  const path = serverTokenPath(dataDir);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const previous = parseJoinToken((await readServerToken(dataDir)) ?? '')?.token;
  const tokenSecrets = client.resource(secrets, BOOTSTRAP_TOKEN_NAMESPACE);
  if (previous) {
    const existing = await tokenSecrets.get(bootstrapTokenSecretName(previous.id)).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (existing && existing.type === BOOTSTRAP_TOKEN_SECRET_TYPE && secretString(existing, 'token-secret') === previous.secret) return previous;
  }
  for (;;) {
    const token = generateBootstrapToken();
    try {
      await tokenSecrets.create(bootstrapTokenSecret(token, { description: 'The default token nodes join with (coxswain agent --token).' }));
      return token;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err; // an id clash: draw again
    }
  }
}

async function upsertClusterInfo(client: ApiClient, serverUrl: string, caPem: string): Promise<void> {
  const cms = client.resource(configMaps, CLUSTER_INFO_NAMESPACE);
  const desired = clusterInfoConfigMap(serverUrl, caPem);
  const existing = await cms.get(CLUSTER_INFO_NAME).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (!existing) {
    await cms.create(desired);
  } else if (existing.data?.kubeconfig !== desired.data?.kubeconfig) {
    await cms.update({ ...existing, data: { ...existing.data, ...desired.data } });
  }
}
