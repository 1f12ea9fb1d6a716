// Image garbage collection, as upstream's ImageGCManager (pkg/kubelet/images): every 5 minutes
// the images are detected (first seen, last used by any container, size); when the image
// filesystem is at or above the high threshold (85 %) of its capacity, unused images are
// removed least recently used first (ties: first detected first) until usage is back at the
// low threshold (80 %). An image in use, pinned (the sandbox image), or detected less than
// minAge (2 min) ago is never removed. Images present at the first detection count as
// detected "long ago", as upstream's zero time. Falling short records FreeDiskSpaceFailed on
// the node.
import { statfs } from 'node:fs/promises';
import type { Clock } from '../../client/clock.js';
import type { EventType } from '../../client/event-recorder.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { Periodic } from '../periodic.js';
import type { ContainerStatus, ImageService } from '../runtime/types.js';
import { normalizeImage } from './image-reference.js';

export interface ImageGCPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minAgeMs: number;
}

/** Upstream's kubelet defaults (imageGCHighThresholdPercent, imageGCLowThresholdPercent, imageMinimumGCAge). */
export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000 };
/** Upstream ImageGCPeriod (and the detection period). */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

export interface FsCapacity {
  capacityBytes: number;
  availableBytes: number;
}

export interface ImageGCDeps {
  images: ImageService;
  /** Every container the runtime has, running or not (their images are in use). */
  containers: () => Promise<ContainerStatus[]>;
  clock: Clock;
  policy?: Partial<ImageGCPolicy>;
  /** Capacity of the filesystem holding `mountpoint` (default: statfs). */
  fsCapacity?: (mountpoint: string) => Promise<FsCapacity>;
  /** Records an event on the node. */
  nodeEvent?: (type: EventType, reason: string, message: string) => void;
  logger?: Logger;
}

interface ImageRecord {
  firstDetected: number;
  lastUsed: number;
  sizeBytes: number;
  pinned: boolean;
}

export interface ImageGCResult {
  usagePercent: number;
  /** Bytes that had to go to reach the low threshold (0 when under the high threshold). */
  bytesToFree: number;
  freedBytes: number;
  removed: string[];
}

export class ImageGCFailedError extends Error {
  override readonly name = 'ImageGCFailedError';
}

export async function statfsCapacity(mountpoint: string): Promise<FsCapacity> {
  const s = await statfs(mountpoint);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

export class ImageGCManager {
  readonly policy: ImageGCPolicy;
  private readonly records = new Map<string, ImageRecord>();
  private initialized = false;
  private prevFailed = false;
  private readonly logger: Logger;
  private readonly loop: Periodic;

  constructor(private readonly deps: ImageGCDeps) {
    this.policy = { ...DEFAULT_IMAGE_GC_POLICY, ...deps.policy };
    if (this.policy.lowThresholdPercent > this.policy.highThresholdPercent) {
      throw new Error(`image GC low threshold ${this.policy.lowThresholdPercent}% is above the high threshold ${this.policy.highThresholdPercent}%`);
    }
    this.logger = (deps.logger ?? nullLogger).child({ component: 'image-gc' });
    this.loop = new Periodic('image garbage collection', deps.clock, IMAGE_GC_PERIOD_MS, () => this.runOnce(), this.logger);
  }

  /** Detects now, then collects every 5 minutes. */
  start(): void {
    this.loop.start(0);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * One period: detection (the first time), then collection. As upstream's kubelet, a failure
   * is only logged the first time and becomes an ImageGCFailed event on the node when repeated.
   */
  async runOnce(): Promise<void> {
    try {
      if (!this.initialized) await this.detectImages(this.deps.clock.now());
      await this.garbageCollect();
      this.prevFailed = false;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.prevFailed) this.deps.nodeEvent?.('Warning', 'ImageGCFailed', message);
      this.logger.warn(this.prevFailed ? 'image garbage collection failed multiple times in a row' : 'image garbage collection failed once', { err: message });
      this.prevFailed = true;
    }
  }

  /** Records the images and which are in use now (upstream detectImages). */
  async detectImages(now: number): Promise<void> {
    const [images, containers] = await Promise.all([this.deps.images.listImages(), this.deps.containers()]);
    const inUse = new Set<string>();
    for (const c of containers) {
      for (const name of [c.image, c.imageRef]) {
        if (!name) continue;
        inUse.add(name);
        const n = safeNormalize(name);
        if (n) inUse.add(n);
      }
    }
    // Images already there at the first detection were detected "long ago" (upstream: zero time).
    const detectedAt = this.initialized ? now : 0;
    const current = new Set<string>();
    for (const image of images) {
      current.add(image.id);
      let r = this.records.get(image.id);
      if (!r) this.records.set(image.id, (r = { firstDetected: detectedAt, lastUsed: 0, sizeBytes: 0, pinned: false }));
      if ([image.id, ...image.repoTags, ...image.repoDigests].some((n) => inUse.has(n))) r.lastUsed = now;
      r.sizeBytes = image.sizeBytes;
      r.pinned = image.pinned;
    }
    for (const id of [...this.records.keys()]) if (!current.has(id)) this.records.delete(id);
    this.initialized = true;
  }

  /** Upstream GarbageCollect: frees down to the low threshold when at or over the high one. */
  async garbageCollect(): Promise<ImageGCResult> {
    const fs = (await this.deps.images.imageFsInfo())[0];
    if (!fs) throw new ImageGCFailedError('the runtime reports no image filesystem');
    const { capacityBytes: capacity, availableBytes } = await (this.deps.fsCapacity ?? statfsCapacity)(fs.mountpoint);
    const available = Math.min(availableBytes, capacity);
    if (capacity <= 0) {
      const message = `invalid capacity ${capacity} on image filesystem at mount point "${fs.mountpoint}"`;
      this.deps.nodeEvent?.('Warning', 'InvalidDiskCapacity', message);
      throw new ImageGCFailedError(message);
    }
    const now = this.deps.clock.now();
    const usagePercent = 100 - Math.floor((available * 100) / capacity);
    if (usagePercent < this.policy.highThresholdPercent) {
      await this.detectImages(now);
      return { usagePercent, bytesToFree: 0, freedBytes: 0, removed: [] };
    }
    const bytesToFree = Math.floor((capacity * (100 - this.policy.lowThresholdPercent)) / 100) - available;
    this.logger.info('image filesystem over the high threshold, freeing images', { usagePercent, highThreshold: this.policy.highThresholdPercent, bytesToFree });
    const { freedBytes, removed } = await this.freeSpace(bytesToFree, now);
    if (freedBytes < bytesToFree) {
      const message = `Failed to garbage collect required amount of images. Attempted to free ${bytesToFree} bytes, but only found ${freedBytes} bytes eligible to free.`;
      this.deps.nodeEvent?.('Warning', 'FreeDiskSpaceFailed', message);
      throw new ImageGCFailedError(message);
    }
    return { usagePercent, bytesToFree, freedBytes, removed };
  }

  /** Removes unused images, least recently used first, until `bytesToFree` are freed. */
  async freeSpace(bytesToFree: number, freeTime: number): Promise<{ freedBytes: number; removed: string[] }> {
    await this.detectImages(freeTime);
    const candidates = [...this.records.entries()]
      // In use now (lastUsed set by this detection) or pinned: never.
      .filter(([, r]) => r.lastUsed < freeTime && !r.pinned)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
    let freedBytes = 0;
    const removed: string[] = [];
    const failures: string[] = [];
    for (const [id, r] of candidates) {
      if (freedBytes >= bytesToFree) break;
      // Just pulled, perhaps about to be used.
      if (freeTime - r.firstDetected < this.policy.minAgeMs) continue;
      try {
        this.logger.info('removing image to free space', { image: id, sizeBytes: r.sizeBytes });
        await this.deps.images.removeImage(id);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
        continue;
      }
      this.records.delete(id);
      freedBytes += r.sizeBytes;
      removed.push(id);
    }
    if (failures.length) {
      throw new ImageGCFailedError(`wanted to free ${bytesToFree} bytes, but freed ${freedBytes} bytes space with errors in image deletion: [${failures.join(', ')}]`);
    }
    return { freedBytes, removed };
  }
}

function safeNormalize(image: string): string | undefined {
  try {
    return normalizeImage(image);
  } catch {
    return undefined;
  }
}
