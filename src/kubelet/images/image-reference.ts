// Image references as the Docker distribution grammar reads them, which is how upstream's
// kubelet (parsers.ParseImageName) and containerd's CRI plugin normalise names: a first path
// component with a "." or ":" (or "localhost") is the registry, else the registry is
// docker.io and one-component names live under library/; no tag and no digest means :latest.

export const DEFAULT_REGISTRY = 'docker.io';
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';

export interface ImageReference {
  /** Registry host (with port), e.g. docker.io, 127.0.0.1:5000. */
  registry: string;
  /** Path inside the registry, e.g. library/busybox. */
  repository: string;
  tag?: string;
  digest?: string;
}

export class InvalidImageNameError extends Error {
  override readonly name = 'InvalidImageNameError';
}

// Lowercase path components separated by "/", each [a-z0-9] runs joined by . _ __ or dashes.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d+)?$/;

function isRegistryComponent(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

export function parseImageReference(image: string): ImageReference {
  if (!image || image !== image.trim()) throw new InvalidImageNameError(`invalid reference format: "${image}"`);
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidImageNameError(`invalid reference format: "${image}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidImageNameError(`invalid reference format: "${image}"`);
  }
  const slash = rest.indexOf('/');
  let registry = DEFAULT_REGISTRY;
  let repository = rest;
  if (slash >= 0 && isRegistryComponent(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!HOST.test(registry)) throw new InvalidImageNameError(`invalid reference format: "${image}"`);
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  if (!repository || !repository.split('/').every((p) => PATH_COMPONENT.test(p))) {
    throw new InvalidImageNameError(
      /[A-Z]/.test(repository) ? `invalid reference format: repository name must be lowercase: "${image}"` : `invalid reference format: "${image}"`,
    );
  }
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** registry/repository, e.g. docker.io/library/busybox (what credentials are looked up by). */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The fully qualified name, with :latest when neither tag nor digest is given. */
export function normalizeImage(image: string): string {
  const ref = parseImageReference(image);
  const tag = ref.tag ?? (ref.digest ? undefined : 'latest');
  return `${repositoryOf(ref)}${tag ? `:${tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * As upstream's applyDefaultImageTag: `busybox` becomes `busybox:latest`, keeping the short
 * name (the runtime, not the kubelet, decides what a short name means).
 */
export function applyDefaultImageTag(image: string): string {
  const ref = parseImageReference(image);
  return ref.tag === undefined && ref.digest === undefined ? `${image}:latest` : image;
}
