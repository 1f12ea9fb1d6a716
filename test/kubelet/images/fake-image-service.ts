// An in-memory ImageService for the image manager and GC tests: a set of images, pulls that
// succeed for names in `registry` (and record the credentials used) or fail as containerd does.
import type { Clock } from '../../../src/client/clock.js';
import type { ImageAuth, ImageFsUsage, ImageInfo, ImageService } from '../../../src/kubelet/runtime/types.js';
import { normalizeImage } from '../../../src/kubelet/images/image-reference.js';

export class FakeImageService implements ImageService {
  readonly images = new Map<string, ImageInfo>();
  /** Images a pull can fetch (normalised name → size); a pull of anything else fails. */
  readonly registry = new Map<string, number>();
  /** Credentials a registry requires (normalised name → username). */
  readonly requiresUser = new Map<string, string>();
  readonly pulls: { image: string; auth?: ImageAuth }[] = [];
  readonly removed: string[] = [];
  /** How long a pull takes on the clock (set with a FakeClock to see durations in events). */
  pullMs = 0;
  usedBytes = 0;
  private seq = 0;

  constructor(private readonly clock?: Clock & { step?(ms: number): void }) {}

  add(name: string, sizeBytes: number, extra: Partial<ImageInfo> = {}): ImageInfo {
    const info: ImageInfo = { id: `sha256:${(++this.seq).toString(16).padStart(64, '0')}`, repoTags: [normalizeImage(name)], repoDigests: [], sizeBytes, pinned: false, ...extra };
    this.images.set(info.id, info);
    return info;
  }

  private find(image: string): ImageInfo | undefined {
    if (this.images.has(image)) return this.images.get(image);
    const n = normalizeImage(image);
    return [...this.images.values()].find((i) => i.repoTags.includes(n));
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    return this.find(image);
  }

  async pullImage(image: string, auth?: ImageAuth): Promise<string> {
    this.pulls.push({ image, ...(auth ? { auth } : {}) });
    if (this.pullMs && this.clock?.step) this.clock.step(this.pullMs);
    const n = normalizeImage(image);
    const size = this.registry.get(n);
    if (size === undefined) {
      throw new Error(`rpc error: code = Unknown desc = failed to pull and unpack image "${n}": failed to resolve reference "${n}": dial tcp 127.0.0.1:1: connect: connection refused`);
    }
    const user = this.requiresUser.get(n);
    if (user && auth?.username !== user) {
      throw new Error(`rpc error: code = Unknown desc = failed to pull and unpack image "${n}": 401 Unauthorized`);
    }
    return (this.find(image) ?? this.add(image, size)).id;
  }

  async listImages(): Promise<ImageInfo[]> {
    return [...this.images.values()];
  }

  async removeImage(image: string): Promise<void> {
    const found = this.find(image);
    if (!found) return;
    this.images.delete(found.id);
    this.removed.push(found.id);
    this.usedBytes -= found.sizeBytes;
  }

  async imageFsInfo(): Promise<ImageFsUsage[]> {
    return [{ mountpoint: '/var/lib/fake', usedBytes: this.usedBytes }];
  }
}
