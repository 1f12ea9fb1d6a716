// As upstream's ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a new
// pod runs as a service account that must exist (`default` when it names none), and unless
// the pod or the account opts out with automountServiceAccountToken: false, every container
// and init container gets the projected `kube-api-access-<random>` volume (a bound token,
// the cluster CA and the namespace) read-only at /var/run/secrets/kubernetes.io/serviceaccount.
// Mirror pods (static pods seen through the API) may not use service accounts at all.
import { randomInt } from 'node:crypto';
import { ForbiddenError, NotFoundError } from '../../api/errors.js';
import type { KubeObject } from '../../api/kinds.js';
import type { ResourceRegistry } from '../resources.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The kubelet's projected token lifetime that upstream treats specially (see claims.ts). */
const TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
// Upstream's SimpleNameGenerator alphabet: no vowels (no words), no 0/1/3 (look-alikes).
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The projected volume upstream's TokenVolumeSource builds. */
export function tokenVolumeSource(): KubeObject {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return s;
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  /** A function for callers that build the plugin before the server (its registry) exists. */
  constructor(private readonly registry: ResourceRegistry | (() => ResourceRegistry)) {}

  private get resources(): ResourceRegistry {
    return typeof this.registry === 'function' ? this.registry() : this.registry;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!isPodCreate(a)) return;
    const pod = a.object!;
    const spec = (pod.spec ??= {});
    if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
      // Upstream never gives a mirror pod an account; our pod defaulting names `default`, undone here.
      if (spec.serviceAccountName === DEFAULT_SERVICE_ACCOUNT_NAME) {
        delete spec.serviceAccountName;
        delete spec.serviceAccount;
      }
      return;
    }
    if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT_NAME;
    spec.serviceAccount = spec.serviceAccountName;
    const sa = await this.serviceAccount(a.namespace, spec.serviceAccountName, podName(a));
    if (shouldAutomount(sa, spec)) mountToken(spec);
    if ((!Array.isArray(spec.imagePullSecrets) || spec.imagePullSecrets.length === 0) && sa.imagePullSecrets?.length) {
      spec.imagePullSecrets = sa.imagePullSecrets.map((s: KubeObject) => ({ name: s.name }));
    }
  }

  validate(a: AdmissionAttributes): void {
    if (!isPodCreate(a)) return;
    const pod = a.object!;
    if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) return;
    // As upstream: a mirror pod cannot use credentials the kubelet was not given by the API.
    const spec = pod.spec ?? {};
    const forbid = (why: string) => new ForbiddenError(`pods "${podName(a)}" is forbidden: ${why}`, { name: podName(a), kind: 'pods' });
    if (spec.serviceAccountName) throw forbid('a mirror pod may not reference service accounts');
    for (const v of spec.volumes ?? []) {
      if (v.secret) throw forbid(`volume ${v.name} has secret volume source, which is not allowed in mirror pods`);
      if (v.projected?.sources?.some((s: KubeObject) => s.serviceAccountToken)) {
        throw forbid(`volume ${v.name} has serviceAccountToken projection, which is not allowed in mirror pods`);
      }
    }
  }

  /** The account, read through the watch cache and then live, as upstream (lister, then client). */
  private async serviceAccount(namespace: string, name: string, pod: string): Promise<KubeObject> {
    const store = this.resources.core('serviceaccounts');
    try {
      return (await store.get(namespace, name)).obj;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    try {
      return (await store.getLatest(namespace, name)).obj;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      throw new ForbiddenError(
        `pods "${pod}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
        { name: pod, kind: 'pods' },
      );
    }
  }
}

function isPodCreate(a: AdmissionAttributes): boolean {
  return a.operation === 'CREATE' && !a.subresource && a.def.group === '' && a.def.resource === 'pods' && !!a.object;
}

function podName(a: AdmissionAttributes): string {
  return a.name || a.object?.metadata?.name || a.object?.metadata?.generateName || '';
}

/** The pod's own setting wins over the account's; both default to mounting. */
function shouldAutomount(sa: KubeObject, spec: KubeObject): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/**
 * Adds the token volume mount to every (init) container that has nothing mounted at the
 * token path, and the volume itself when some container needs it and the pod lacks one.
 */
function mountToken(spec: KubeObject): void {
  const volumes: KubeObject[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  let volumeName = existing?.name as string | undefined;
  if (!volumeName) {
    const taken = new Set(volumes.map((v) => v.name));
    do volumeName = `${SERVICE_ACCOUNT_VOLUME_PREFIX}${randomSuffix()}`; while (taken.has(volumeName));
  }
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as KubeObject[]) {
    const mounts: KubeObject[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}
