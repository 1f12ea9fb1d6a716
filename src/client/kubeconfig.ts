// Reads a kubeconfig into HTTP transport options: the current (or a named) context's
// cluster server and CA, and its user's client certificate/key or bearer token. Inline
// *-data fields hold base64, file fields are relative to the kubeconfig's directory, as
// upstream's clientcmd resolves them.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { HttpTransportOptions } from './http-transport.js';

type NamedEntry = { name?: string } & Record<string, unknown>;

export interface KubeconfigLoadOptions {
  /** Context to use instead of current-context. */
  context?: string;
  /** Directory relative file references resolve against (default: the file's directory). */
  baseDir?: string;
}

/** Loads the kubeconfig at `path`. */
export function loadKubeconfigFile(path: string, opts: KubeconfigLoadOptions = {}): HttpTransportOptions {
  return parseKubeconfig(readFileSync(path, 'utf8'), { baseDir: dirname(resolve(path)), ...opts });
}

/** Parses kubeconfig text (YAML or JSON). */
export function parseKubeconfig(text: string, opts: KubeconfigLoadOptions = {}): HttpTransportOptions {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const contextName = opts.context ?? (doc['current-context'] as string | undefined);
  if (!contextName) throw new Error('kubeconfig: no context given and no current-context set');
  const context = pick<Record<string, string>>(doc.contexts, 'context', contextName, 'context');
  const cluster = pick<Record<string, unknown>>(doc.clusters, 'cluster', context.cluster, 'cluster');
  const user = context.user ? pick<Record<string, unknown>>(doc.users, 'user', context.user, 'user') : {};
  const baseDir = opts.baseDir ?? process.cwd();
  const material = (dataKey: string, fileKey: string, from: Record<string, unknown>): Buffer | undefined => {
    if (typeof from[dataKey] === 'string') return Buffer.from(from[dataKey] as string, 'base64');
    if (typeof from[fileKey] === 'string') {
      const f = from[fileKey] as string;
      return readFileSync(isAbsolute(f) ? f : resolve(baseDir, f));
    }
    return undefined;
  };
  if (typeof cluster.server !== 'string') throw new Error(`kubeconfig: cluster ${context.cluster} has no server`);
  let token = typeof user.token === 'string' ? user.token : undefined;
  if (!token && typeof user.tokenFile === 'string') {
    const f = user.tokenFile;
    token = readFileSync(isAbsolute(f) ? f : resolve(baseDir, f), 'utf8').trim();
  }
  return {
    server: cluster.server,
    caPem: material('certificate-authority-data', 'certificate-authority', cluster),
    certPem: material('client-certificate-data', 'client-certificate', user),
    keyPem: material('client-key-data', 'client-key', user),
    token,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
  };
}

function pick<T>(list: unknown, field: string, name: string | undefined, what: string): T {
  const entries = Array.isArray(list) ? (list as NamedEntry[]) : [];
  const found = entries.find((e) => e.name === name);
  if (!found) throw new Error(`kubeconfig: ${what} "${name ?? ''}" not found`);
  return (found[field] ?? {}) as T;
}
