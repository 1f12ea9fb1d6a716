// The kubelet's ImageService over a CRI client (runtime.v1 ImageService), as upstream's
// kuberuntime_image.go: image status, pull with credentials, list, remove, image fs usage.
// Pull errors read as upstream's gRPC errors ("rpc error: code = Unknown desc = …").
//
// One departure, for offline machines: the images Coxswain builds itself (pause and busybox,
// `coxswain image build-defaults`) exist in no registry this machine may reach, so a "pull"
// of one of them that is already present is answered from the local store instead of
// contacting docker.io — as a registry mirror on the machine would. Everything else is pulled.
import * as grpc from '@grpc/grpc-js';
import type { CriClient } from '../runtime/cri/client.js';
import { CriCallError } from '../runtime/cri/client.js';
import type * as api from '../runtime/cri/api-types.js';
import { int64ToNumber } from '../runtime/cri/int64.js';
import type { ImageAuth, ImageFsUsage, ImageInfo, ImageService } from '../runtime/types.js';
import { normalizeImage } from './image-reference.js';

/** Go's grpc codes.Code names, for error texts as upstream prints them. */
const GO_CODE_NAMES: Record<number, string> = {
  [grpc.status.CANCELLED]: 'Canceled',
  [grpc.status.UNKNOWN]: 'Unknown',
  [grpc.status.INVALID_ARGUMENT]: 'InvalidArgument',
  [grpc.status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [grpc.status.NOT_FOUND]: 'NotFound',
  [grpc.status.ALREADY_EXISTS]: 'AlreadyExists',
  [grpc.status.PERMISSION_DENIED]: 'PermissionDenied',
  [grpc.status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [grpc.status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [grpc.status.ABORTED]: 'Aborted',
  [grpc.status.OUT_OF_RANGE]: 'OutOfRange',
  [grpc.status.UNIMPLEMENTED]: 'Unimplemented',
  [grpc.status.INTERNAL]: 'Internal',
  [grpc.status.UNAVAILABLE]: 'Unavailable',
  [grpc.status.DATA_LOSS]: 'DataLoss',
  [grpc.status.UNAUTHENTICATED]: 'Unauthenticated',
};

/** A CRI call failed; the message is the upstream kubelet's rendering of the gRPC status. */
export class ImageServiceError extends Error {
  override readonly name = 'ImageServiceError';
  constructor(readonly code: number, readonly details: string) {
    super(`rpc error: code = ${GO_CODE_NAMES[code] ?? `Code(${code})`} desc = ${details}`);
  }
}

function rethrow(err: unknown): never {
  if (err instanceof CriCallError) throw new ImageServiceError(err.code, err.details);
  throw err;
}

export function imageInfoFromCri(i: api.Image): ImageInfo {
  return { id: i.id, repoTags: i.repoTags ?? [], repoDigests: i.repoDigests ?? [], sizeBytes: int64ToNumber(i.size), pinned: !!i.pinned };
}

export interface CriImageServiceOptions {
  /** Images answered from the local store when present (normalised names); see the header. */
  localImages?: readonly string[];
}

export class CriImageService implements ImageService {
  private readonly localImages: Set<string>;

  constructor(private readonly client: CriClient, opts: CriImageServiceOptions = {}) {
    this.localImages = new Set((opts.localImages ?? []).map((n) => safeNormalize(n) ?? n));
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    try {
      const res = await this.client.imageStatus({ image });
      // The CRI answers "not present" with an empty image, not an error.
      return res.image && res.image.id ? imageInfoFromCri(res.image) : undefined;
    } catch (err) {
      return rethrow(err);
    }
  }

  async pullImage(image: string, auth?: ImageAuth): Promise<string> {
    const normalized = safeNormalize(image);
    if (normalized && this.localImages.has(normalized)) {
      const local = await this.imageStatus(image);
      if (local) return local.id;
    }
    try {
      return await this.client.pullImage({ image }, auth);
    } catch (err) {
      return rethrow(err);
    }
  }

  async listImages(): Promise<ImageInfo[]> {
    try {
      return (await this.client.listImages()).map(imageInfoFromCri);
    } catch (err) {
      return rethrow(err);
    }
  }

  async removeImage(image: string): Promise<void> {
    try {
      await this.client.removeImage({ image });
    } catch (err) {
      // As upstream: removing an image that is gone already is not an error.
      if (err instanceof CriCallError && err.code === grpc.status.NOT_FOUND) return;
      rethrow(err);
    }
  }

  async imageFsInfo(): Promise<ImageFsUsage[]> {
    try {
      const res = await this.client.imageFsInfo();
      return res.imageFilesystems.map((f) => ({ mountpoint: f.fsId?.mountpoint ?? '', usedBytes: int64ToNumber(f.usedBytes?.value) }));
    } catch (err) {
      return rethrow(err);
    }
  }
}

function safeNormalize(image: string): string | undefined {
  try {
    return normalizeImage(image);
  } catch {
    return undefined;
  }
}
