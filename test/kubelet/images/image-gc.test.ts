// Image garbage collection policy against a fake image service and filesystem: nothing below
// the high threshold; above it, unused images go least recently used first until the low
// threshold is reached; images in use, pinned or younger than 2 minutes stay; falling short
// is FreeDiskSpaceFailed on the node.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/client/clock.js';
import { ImageGCManager } from '../../../src/kubelet/images/image-gc.js';
import type { ContainerStatus } from '../../../src/kubelet/runtime/types.js';
import { FakeImageService } from './fake-image-service.js';

const MB = 1_000_000;
const CAPACITY = 1000 * MB;

function setup() {
  const clock = new FakeClock();
  const images = new FakeImageService();
  const containers: ContainerStatus[] = [];
  const nodeEvents: { type: string; reason: string; message: string }[] = [];
  const gc = new ImageGCManager({
    images,
    containers: async () => containers,
    clock,
    fsCapacity: async () => ({ capacityBytes: CAPACITY, availableBytes: CAPACITY - images.usedBytes }),
    nodeEvent: (type, reason, message) => nodeEvents.push({ type, reason, message }),
  });
  const add = (name: string, sizeMB: number, pinned = false) => {
    images.usedBytes += sizeMB * MB;
    return images.add(name, sizeMB * MB, { pinned });
  };
  const use = (image: string, imageRef = '') => {
    containers.push({
      id: `c-${containers.length}`, podSandboxId: 's', metadata: { name: 'c', attempt: 0 }, state: 'CONTAINER_EXITED',
      image, imageRef, createdAt: 0, logPath: '', labels: {}, annotations: {},
    });
  };
  const clear = () => void containers.splice(0);
  return { clock, images, gc, add, use, clear, nodeEvents };
}

describe('image garbage collection', () => {
  it('uses the upstream defaults: 85 % high, 80 % low, 2 min minimum age', () => {
    assert.deepEqual(setup().gc.policy, { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 });
  });

  it('does nothing below the high threshold', async () => {
    const { clock, images, gc, add } = setup();
    add('a:1', 840);
    await gc.detectImages(clock.now());
    clock.step(10 * 60_000);
    const r = await gc.garbageCollect();
    assert.equal(r.usagePercent, 84);
    assert.deepEqual(r.removed, []);
    assert.deepEqual(images.removed, []);
  });

  it('at the high threshold frees unused images, least recently used first, down to the low threshold', async () => {
    const { clock, images, gc, add, use } = setup();
    const old = add('old:1', 300);
    const older = add('older:1', 300);
    const fresh = add('fresh:1', 260);
    // older and old were used by containers earlier, older before old; fresh never.
    use(older.id);
    await gc.detectImages(clock.now());
    clock.step(60_000);
    use(old.id);
    await gc.detectImages(clock.now());
    clock.step(10 * 60_000);
    // No container uses anything any more.
    const r = await gc.garbageCollect();
    assert.equal(r.usagePercent, 86);
    // 80 % of 1000 MB is 800 MB used: 60 MB must go. Never used (lastUsed 0) sorts first.
    assert.equal(r.bytesToFree, 60 * MB);
    assert.deepEqual(r.removed, [fresh.id]);
    assert.deepEqual(images.removed, [fresh.id]);
    assert.ok(images.images.has(old.id) && images.images.has(older.id));
  });

  it('keeps going in LRU order until enough is freed', async () => {
    const { clock, images, gc, add, use, clear } = setup();
    const a = add('a:1', 300);
    const b = add('b:1', 300);
    const c = add('c:1', 300);
    use(b.id);
    await gc.detectImages(clock.now());
    clock.step(60_000);
    clear();
    use(a.id);
    await gc.detectImages(clock.now());
    clock.step(10 * 60_000);
    clear();
    images.usedBytes = 950 * MB;
    const r = await gc.garbageCollect();
    // 150 MB to free: c (never used) then b (used before a).
    assert.equal(r.bytesToFree, 150 * MB);
    assert.deepEqual(r.removed, [c.id]);
    images.usedBytes = 990 * MB;
    const r2 = await gc.garbageCollect();
    assert.equal(r2.bytesToFree, 190 * MB);
    assert.deepEqual(r2.removed, [b.id]);
    assert.ok(images.images.has(a.id));
  });

  it('never removes an image in use (matched by id, tag or reference), a pinned one, or one younger than 2 min', async () => {
    const { clock, images, gc, add, use, nodeEvents } = setup();
    const byId = add('by-id:1', 200);
    add('by-tag:1', 200);
    add('registry.k8s.io/pause:3.9', 100, true);
    await gc.detectImages(clock.now());
    clock.step(10 * 60_000);
    const young = add('young:1', 400);
    use(byId.id);
    use('by-tag:1');
    clock.step(60_000);
    await assert.rejects(gc.garbageCollect(), /Failed to garbage collect required amount of images\. Attempted to free 100000000 bytes, but only found 0 bytes eligible to free\./);
    assert.deepEqual(images.removed, []);
    assert.deepEqual(nodeEvents.map((e) => [e.type, e.reason]), [['Warning', 'FreeDiskSpaceFailed']]);
    // Once old enough and unused, the young one goes.
    clock.step(2 * 60_000);
    const r = await gc.garbageCollect();
    assert.deepEqual(r.removed, [young.id]);
  });

  it('counts images present at the first detection as old (upstream zero time)', async () => {
    const { clock, images, gc, add } = setup();
    const a = add('a:1', 900);
    await gc.detectImages(clock.now());
    const r = await gc.garbageCollect();
    assert.deepEqual(r.removed, [a.id]);
    assert.deepEqual(images.removed, [a.id]);
  });

  it('records ImageGCFailed on the node only when collection fails twice in a row', async () => {
    const { clock, gc, add, use, nodeEvents } = setup();
    const a = add('a:1', 900);
    use(a.id);
    await gc.runOnce();
    assert.deepEqual(nodeEvents.map((e) => e.reason), ['FreeDiskSpaceFailed']);
    clock.step(5 * 60_000);
    await gc.runOnce();
    assert.deepEqual(nodeEvents.map((e) => e.reason), ['FreeDiskSpaceFailed', 'FreeDiskSpaceFailed', 'ImageGCFailed']);
  });

  it('runs at start and every 5 minutes, and stops', async () => {
    const { clock, images, gc, add } = setup();
    const settle = async () => { for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); };
    gc.start();
    clock.step(0);
    await settle(); // the first run: nothing there yet
    add('late:1', 900);
    clock.step(5 * 60_000);
    await settle(); // second run: over the threshold, but 'late' was only just detected
    assert.deepEqual(images.removed, []);
    clock.step(5 * 60_000);
    await settle(); // third run: 5 minutes old, unused: removed
    assert.equal(images.removed.length, 1);
    await gc.stop();
    add('later:1', 900);
    clock.step(60 * 60_000);
    await settle();
    assert.equal(images.removed.length, 1, 'nothing runs after stop');
  });
});
