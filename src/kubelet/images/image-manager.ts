// The kubelet's image manager, after upstream's pkg/kubelet/images (EnsureImageExists): before
// a container is created its image is made present according to imagePullPolicy, with the
// upstream events on the pod — Pulling, Pulled ("Successfully pulled image … in 1.2s (1.3s
// including waiting). Image size: N bytes." or "Container image … already present on
// machine"), Failed, BackOff ("Back-off pulling image …"), ErrImageNeverPull — and the
// waiting reasons ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName. Failed
// pulls back off per pod and image (10 s doubling to 300 s). Pulls are serialised, as with
// upstream's default serializeImagePulls=true. Credentials come from the pod's
// imagePullSecrets (docker-keyring.ts).
import type { Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { goDuration } from '../go-duration.js';
import type { ImageAuth, ImageService } from '../runtime/types.js';
import { keyringFromSecrets } from './docker-keyring.js';
import { applyDefaultImageTag, InvalidImageNameError } from './image-reference.js';
import { ImagePullBackoff } from './image-pull-backoff.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Why a container waits for its image (its status' waiting reason), as upstream's images errors. */
export type ImageWaitingReason =
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'ErrImageNeverPull'
  | 'InvalidImageName'
  | 'ImageInspectError'
  | 'RegistryUnavailable'
  | 'SignatureValidationFailed';

export type EnsureImageResult =
  | { ok: true; imageRef: string }
  | { ok: false; reason: ImageWaitingReason; message: string; retryAfterMs: number };

/** Records an event on the pod, for the container being started. */
export type ImageEventSink = (type: EventType, reason: string, message: string) => void;

export interface ImageManagerOptions {
  /** The runtime's image service; without one every image counts as present (process, sim). */
  images?: ImageService;
  clock: Clock;
  /** Looks a pull secret up (informer cache); undefined when missing. */
  secret?: (namespace: string, name: string) => Secret | undefined;
  /** Records an event on the pod itself (not a container). */
  podEvent?: (pod: Pod, type: EventType, reason: string, message: string) => void;
  /** One pull at a time (default true, as upstream's serializeImagePulls). */
  serializePulls?: boolean;
  backoff?: ImagePullBackoff;
  logger?: Logger;
}

/** How soon to look again after a failed pull, so ImagePullBackOff shows while it lasts. */
const RECHECK_AFTER_FAILURE_MS = 2_000;

/** The pull policy of a container, defaulted as the API server does (for pods built in memory). */
export function pullPolicyOf(container: Container): PullPolicy {
  const p = container.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const image = container.image ?? '';
  const last = image.slice(image.lastIndexOf('/') + 1).split('@')[0]!;
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : image.includes('@') ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function shouldPull(policy: PullPolicy, present: boolean): boolean {
  if (policy === 'Always') return true;
  if (policy === 'Never') return false;
  return !present;
}

interface PullOutcome {
  imageRef: string;
  pullMs: number;
  sizeBytes: number;
}

export class ImageManager {
  private readonly clock: Clock;
  private readonly logger: Logger;
  readonly backoff: ImagePullBackoff;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ImageManagerOptions) {
    this.clock = opts.clock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'image-manager' });
    this.backoff = opts.backoff ?? new ImagePullBackoff(opts.clock);
  }

  /** Whether a runtime image service is behind this manager (false: images are never pulled). */
  get pulls(): boolean {
    return this.opts.images !== undefined;
  }

  /** Upstream EnsureImageExists. Never throws for pull problems: they come back as a waiting reason. */
  async ensureImageExists(pod: Pod, container: Container, event: ImageEventSink): Promise<EnsureImageResult> {
    const imgRef = container.image ?? '';
    const images = this.opts.images;
    if (!images) {
      event('Normal', 'Pulled', `Container image "${imgRef}" already present on machine`);
      return { ok: true, imageRef: imgRef };
    }
    let image: string;
    try {
      image = applyDefaultImageTag(imgRef);
    } catch (err) {
      if (!(err instanceof InvalidImageNameError)) throw err;
      const message = `Failed to apply default image tag "${imgRef}": couldn't parse image name "${imgRef}": ${err.message}`;
      event('Warning', 'InspectFailed', message);
      return { ok: false, reason: 'InvalidImageName', message, retryAfterMs: RECHECK_AFTER_FAILURE_MS };
    }

    let present: string | undefined;
    try {
      present = (await images.imageStatus(image))?.id;
    } catch (err) {
      const message = `Failed to inspect image "${imgRef}": ${errorText(err)}`;
      event('Warning', 'InspectFailed', message);
      return { ok: false, reason: 'ImageInspectError', message, retryAfterMs: RECHECK_AFTER_FAILURE_MS };
    }

    const policy = pullPolicyOf(container);
    if (!shouldPull(policy, present !== undefined)) {
      if (present !== undefined) {
        event('Normal', 'Pulled', `Container image "${imgRef}" already present on machine`);
        return { ok: true, imageRef: present };
      }
      const message = `Container image "${imgRef}" is not present with pull policy of Never`;
      event('Warning', 'ErrImageNeverPull', message);
      return { ok: false, reason: 'ErrImageNeverPull', message, retryAfterMs: RECHECK_AFTER_FAILURE_MS };
    }

    const key = `${pod.metadata?.uid ?? ''}_${imgRef}`;
    if (this.backoff.isInBackOff(key)) {
      const message = `Back-off pulling image "${imgRef}"`;
      event('Normal', 'BackOff', message);
      return { ok: false, reason: 'ImagePullBackOff', message, retryAfterMs: this.backoff.remainingMs(key) };
    }

    event('Normal', 'Pulling', `Pulling image "${imgRef}"`);
    const started = this.clock.now();
    let outcome: PullOutcome;
    try {
      outcome = await this.serialized(() => this.pullWithSecrets(images, pod, image));
    } catch (err) {
      const text = errorText(err);
      event('Warning', 'Failed', `Failed to pull image "${imgRef}": ${text}`);
      this.backoff.next(key);
      this.logger.info('image pull failed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, image: imgRef, err: text });
      return { ok: false, ...classifyPullError(imgRef, text), retryAfterMs: RECHECK_AFTER_FAILURE_MS };
    }
    const totalMs = this.clock.now() - started;
    event('Normal', 'Pulled',
      `Successfully pulled image "${imgRef}" in ${goDuration(Math.trunc(outcome.pullMs))} (${goDuration(Math.trunc(totalMs))} including waiting). Image size: ${outcome.sizeBytes} bytes.`);
    this.backoff.gc();
    return { ok: true, imageRef: outcome.imageRef };
  }

  /** Forgets a removed pod's back-offs. */
  forgetPod(uid: string): void {
    this.backoff.forgetPod(uid);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    if (this.opts.serializePulls === false) return fn();
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** As upstream's kuberuntime PullImage: anonymous without matching credentials, else each in turn. */
  private async pullWithSecrets(images: ImageService, pod: Pod, image: string): Promise<PullOutcome> {
    const started = this.clock.now();
    const auths: (ImageAuth | undefined)[] = keyringFromSecrets(this.pullSecrets(pod)).lookup(image);
    if (auths.length === 0) auths.push(undefined);
    const errors: string[] = [];
    for (const auth of auths) {
      try {
        const imageRef = await images.pullImage(image, auth);
        const pullMs = this.clock.now() - started;
        const sizeBytes = (await images.imageStatus(imageRef).catch(() => undefined))?.sizeBytes ?? 0;
        return { imageRef, pullMs, sizeBytes };
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  }

  /** The pod's pull secrets; missing ones get upstream's FailedToRetrieveImagePullSecret event. */
  private pullSecrets(pod: Pod): Secret[] {
    const ns = pod.metadata?.namespace ?? 'default';
    const found: Secret[] = [];
    const missing: string[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      const s = this.opts.secret?.(ns, ref.name);
      if (s) found.push(s);
      else missing.push(ref.name);
    }
    if (missing.length) {
      this.opts.podEvent?.(pod, 'Warning', 'FailedToRetrieveImagePullSecret',
        `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    }
    return found;
  }
}

/** Upstream evalCRIPullErr: two CRI error prefixes get their own reason, the rest is ErrImagePull. */
function classifyPullError(imgRef: string, text: string): { reason: ImageWaitingReason; message: string } {
  for (const [prefix, reason, why] of [
    ['RegistryUnavailable', 'RegistryUnavailable', 'the registry is unavailable'],
    ['SignatureValidationFailed', 'SignatureValidationFailed', 'the signature validation failed'],
  ] as const) {
    if (text.startsWith(prefix)) return { reason, message: `image pull failed for ${imgRef} because ${why}${text.slice(prefix.length)}` };
  }
  return { reason: 'ErrImagePull', message: text };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
