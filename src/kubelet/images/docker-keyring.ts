// Registry credentials from a pod's imagePullSecrets, as upstream's credentialprovider keyring:
// `kubernetes.io/dockerconfigjson` ({"auths": {...}}) and `kubernetes.io/dockercfg` ({...})
// secrets give entries keyed by registry URL; a key matches an image when the host matches
// (a "*" matches one DNS label), the ports are equal and the key's path is a prefix of the
// image's repository path. Every matching entry is tried, most specific key first; the
// legacy index.docker.io key also serves docker.io images.
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { ImageAuth } from '../runtime/types.js';
import { DEFAULT_REGISTRY, parseImageReference, repositoryOf } from './image-reference.js';

export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
const DOCKERCFG_KEY = '.dockercfg';
const LEGACY_DEFAULT_HOST = 'index.docker.io';

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface KeyringEntry {
  /** host[:port][/path], without scheme and without a /v1/ or /v2/ prefix. */
  key: string;
  auth: ImageAuth;
}

function decodeData(secret: Secret, key: string): unknown {
  const b64 = secret.data?.[key];
  if (!b64) return undefined;
  try {
    return JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined; // as upstream: a secret that does not parse adds nothing
  }
}

/** `https://host/v1/path` → `host/path`, as upstream's keyring normalises config keys. */
function keyOf(location: string): string | undefined {
  const withScheme = /^https?:\/\//.test(location) ? location : `https://${location}`;
  let url: URL;
  try {
    url = new URL(withScheme.replace(/\*/g, 'wildcard-x'));
  } catch {
    return undefined;
  }
  const host = url.host.replace(/wildcard-x/g, '*');
  let p = url.pathname.replace(/wildcard-x/g, '*');
  if (p.startsWith('/v1/') || p.startsWith('/v2/')) p = p.slice(3);
  return p && p !== '/' ? `${host}${p.replace(/\/$/, '')}` : host;
}

function authOf(entry: DockerConfigEntry, serverAddress: string): ImageAuth {
  let { username, password } = entry;
  if (entry.auth && (!username || !password)) {
    // "auth" is base64("user:password"), as the docker CLI writes it.
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      username = plain.slice(0, i);
      password = plain.slice(i + 1);
    }
  }
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(entry.auth ? { auth: entry.auth } : {}),
    ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
    ...(entry.registrytoken ? { registryToken: entry.registrytoken } : {}),
    serverAddress,
  };
}

function hostMatches(globHost: string, host: string): boolean {
  const [gName, gPort = ''] = globHost.split(/:(?=\d+$)/);
  const [hName, hPort = ''] = host.split(/:(?=\d+$)/);
  if (gPort !== hPort) return false;
  const gParts = gName!.split('.');
  const hParts = hName!.split('.');
  if (gParts.length !== hParts.length) return false;
  return gParts.every((g, i) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*')}$`).test(hParts[i]!));
}

function keyMatches(key: string, repository: string): boolean {
  const slash = key.indexOf('/');
  const keyHost = slash < 0 ? key : key.slice(0, slash);
  const keyPath = slash < 0 ? '' : key.slice(slash);
  const rslash = repository.indexOf('/');
  const host = repository.slice(0, rslash);
  const path = repository.slice(rslash);
  return hostMatches(keyHost, host) && path.startsWith(keyPath);
}

export class DockerKeyring {
  private readonly entries: KeyringEntry[] = [];

  /** Adds the entries of a `{ "<registry>": { username, password, auth, … } }` config. */
  add(config: unknown): void {
    if (!config || typeof config !== 'object') return;
    for (const [location, value] of Object.entries(config as Record<string, DockerConfigEntry>)) {
      const key = keyOf(location);
      if (!key || !value || typeof value !== 'object') continue;
      this.entries.push({ key, auth: authOf(value, key.split('/')[0]!) });
    }
    // As upstream: most specific first (reverse lexical order puts longer paths first).
    this.entries.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  }

  /** Credentials to try for `image`, in order; empty when none match (pull anonymously). */
  lookup(image: string): ImageAuth[] {
    const repository = repositoryOf(parseImageReference(image));
    const found = this.entries.filter((e) => keyMatches(e.key, repository)).map((e) => e.auth);
    if (found.length) return found;
    if (repository.startsWith(`${DEFAULT_REGISTRY}/`)) return this.entries.filter((e) => e.key === LEGACY_DEFAULT_HOST).map((e) => e.auth);
    return [];
  }

  get size(): number {
    return this.entries.length;
  }
}

/** The keyring of a pod's pull secrets (secrets of other types add nothing, as upstream). */
export function keyringFromSecrets(secrets: Secret[]): DockerKeyring {
  const keyring = new DockerKeyring();
  for (const s of secrets) {
    if (s.type === SECRET_TYPE_DOCKER_CONFIG_JSON) {
      const cfg = decodeData(s, DOCKER_CONFIG_JSON_KEY) as { auths?: unknown } | undefined;
      keyring.add(cfg?.auths);
    } else if (s.type === SECRET_TYPE_DOCKERCFG) {
      keyring.add(decodeData(s, DOCKERCFG_KEY));
    }
  }
  return keyring;
}
