// The image manager's policy and events, against a fake image service and a fake clock:
// pull policies (and their defaults), the upstream event texts, ErrImagePull → back-off
// (10 s doubling to 300 s, per pod and image), ErrImageNeverPull, InvalidImageName, pull
// secrets, and serialised pulls with "including waiting".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../src/client/clock.js';
import { ImageManager, pullPolicyOf } from '../../../src/kubelet/images/image-manager.js';
import type { EnsureImageResult } from '../../../src/kubelet/images/image-manager.js';
import { FakeImageService } from './fake-image-service.js';

const UNREACHABLE = '127.0.0.1:1/none:1';

interface Recorded { type: string; reason: string; message: string }

function setup(opts: { secrets?: Secret[]; serializePulls?: boolean } = {}) {
  const clock = new FakeClock();
  const images = new FakeImageService(clock);
  const podEvents: Recorded[] = [];
  const manager = new ImageManager({
    images,
    clock,
    secret: (ns, name) => opts.secrets?.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
    podEvent: (_pod, type, reason, message) => podEvents.push({ type, reason, message }),
    serializePulls: opts.serializePulls,
  });
  const events: Recorded[] = [];
  const ensure = (c: Container, p: Pod = pod()): Promise<EnsureImageResult> =>
    manager.ensureImageExists(p, c, (type, reason, message) => events.push({ type, reason, message }));
  return { clock, images, manager, events, podEvents, ensure };
}

function pod(extra: Partial<NonNullable<Pod['spec']>> = {}, uid = 'uid-1'): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid }, spec: { containers: [], ...extra } };
}

function dockerConfigJsonSecret(name: string, auths: Record<string, { username: string; password: string }>): Secret {
  const withAuth = Object.fromEntries(Object.entries(auths).map(([k, v]) => [k, { ...v, auth: Buffer.from(`${v.username}:${v.password}`).toString('base64') }]));
  return {
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: withAuth })).toString('base64') },
  };
}

describe('image manager: pull policies', () => {
  it('without an image service every image is present (process and sim runtimes)', async () => {
    const events: Recorded[] = [];
    const m = new ImageManager({ clock: new FakeClock() });
    const r = await m.ensureImageExists(pod(), { name: 'c', image: 'busybox' }, (type, reason, message) => events.push({ type, reason, message }));
    assert.deepEqual(r, { ok: true, imageRef: 'busybox' });
    assert.deepEqual(events, [{ type: 'Normal', reason: 'Pulled', message: 'Container image "busybox" already present on machine' }]);
  });

  it('IfNotPresent with the image present: no pull, "already present on machine"', async () => {
    const { images, events, ensure } = setup();
    const img = images.add('busybox:1.36', 1000);
    const r = await ensure({ name: 'c', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' });
    assert.deepEqual(r, { ok: true, imageRef: img.id });
    assert.equal(images.pulls.length, 0);
    assert.deepEqual(events, [{ type: 'Normal', reason: 'Pulled', message: 'Container image "busybox:1.36" already present on machine' }]);
  });

  it('IfNotPresent with the image missing pulls it', async () => {
    const { images, events, ensure } = setup();
    images.registry.set('127.0.0.1:5000/app:2', 4096);
    const r = await ensure({ name: 'c', image: '127.0.0.1:5000/app:2', imagePullPolicy: 'IfNotPresent' });
    assert.equal(r.ok, true);
    assert.deepEqual(images.pulls.map((p) => p.image), ['127.0.0.1:5000/app:2']);
    assert.deepEqual(events.map((e) => e.reason), ['Pulling', 'Pulled']);
  });

  it('Always pulls even when present, with the upstream Pulling and Pulled texts', async () => {
    const { images, events, ensure } = setup();
    images.add('busybox', 2_150_000);
    images.registry.set('docker.io/library/busybox:latest', 2_150_000);
    images.pullMs = 1234;
    const r = await ensure({ name: 'c', image: 'busybox', imagePullPolicy: 'Always' });
    assert.equal(r.ok, true);
    // The runtime is asked for the name with the default tag applied, as upstream.
    assert.deepEqual(images.pulls.map((p) => p.image), ['busybox:latest']);
    assert.deepEqual(events, [
      { type: 'Normal', reason: 'Pulling', message: 'Pulling image "busybox"' },
      { type: 'Normal', reason: 'Pulled', message: 'Successfully pulled image "busybox" in 1.234s (1.234s including waiting). Image size: 2150000 bytes.' },
    ]);
  });

  it('Never with the image missing: ErrImageNeverPull, no pull', async () => {
    const { images, events, ensure } = setup();
    const r = await ensure({ name: 'c', image: 'app:1', imagePullPolicy: 'Never' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'ErrImageNeverPull');
    assert.equal(!r.ok && r.message, 'Container image "app:1" is not present with pull policy of Never');
    assert.equal(images.pulls.length, 0);
    assert.deepEqual(events, [{ type: 'Warning', reason: 'ErrImageNeverPull', message: 'Container image "app:1" is not present with pull policy of Never' }]);
  });

  it('Never with the image present runs it', async () => {
    const { images, ensure } = setup();
    images.add('app:1', 10);
    assert.equal((await ensure({ name: 'c', image: 'app:1', imagePullPolicy: 'Never' })).ok, true);
    assert.equal(images.pulls.length, 0);
  });

  it('an unparsable name is InvalidImageName (InspectFailed event)', async () => {
    const { events, ensure } = setup();
    const r = await ensure({ name: 'c', image: 'Busybox:1', imagePullPolicy: 'IfNotPresent' });
    assert.equal(!r.ok && r.reason, 'InvalidImageName');
    assert.equal(events[0]?.reason, 'InspectFailed');
    assert.match(events[0]!.message, /^Failed to apply default image tag "Busybox:1"/);
  });

  for (const [image, policy] of [
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['127.0.0.1:5000/app', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['127.0.0.1:5000/app:2', 'IfNotPresent'],
    ['busybox@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
  ] as const) {
    it(`defaults the policy of ${image} to ${policy} (as the API server's defaulting)`, () => {
      assert.equal(pullPolicyOf({ name: 'c', image }), policy);
    });
  }
});

describe('image manager: failed pulls back off', () => {
  it('ErrImagePull, then ImagePullBackOff for 10 s, then 20 s, … capped at 300 s', async () => {
    const { clock, events, ensure } = setup();
    const c: Container = { name: 'c', image: UNREACHABLE, imagePullPolicy: 'IfNotPresent' };
    const first = await ensure(c);
    assert.equal(!first.ok && first.reason, 'ErrImagePull');
    assert.match(!first.ok ? first.message : '', /^rpc error: code = Unknown desc = failed to pull and unpack image/);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Normal', 'Pulling'], ['Warning', 'Failed']]);
    assert.match(events[1]!.message, /^Failed to pull image "127\.0\.0\.1:1\/none:1": rpc error: code = Unknown/);

    events.length = 0;
    clock.step(9_000);
    const during = await ensure(c);
    assert.equal(!during.ok && during.reason, 'ImagePullBackOff');
    assert.equal(!during.ok && during.message, 'Back-off pulling image "127.0.0.1:1/none:1"');
    assert.equal(!during.ok && during.retryAfterMs, 1_000);
    assert.deepEqual(events, [{ type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image "127.0.0.1:1/none:1"' }]);

    // The back-off doubles with each failed pull: 10, 20, 40, 80, 160, 300, 300 s.
    const seen: number[] = [];
    clock.step(1_000);
    for (let i = 0; i < 7; i++) {
      const r = await ensure(c);
      assert.equal(!r.ok && r.reason, 'ErrImagePull', `pull ${i + 2} is attempted`);
      const backoff = await ensure(c);
      assert.equal(!backoff.ok && backoff.reason, 'ImagePullBackOff');
      const wait = !backoff.ok ? backoff.retryAfterMs : 0;
      seen.push(wait);
      clock.step(wait);
    }
    assert.deepEqual(seen, [20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('backs off per pod: another pod with the same image pulls at once', async () => {
    const { images, ensure } = setup();
    const c: Container = { name: 'c', image: UNREACHABLE, imagePullPolicy: 'IfNotPresent' };
    await ensure(c, pod({}, 'uid-a'));
    const other = await ensure(c, pod({}, 'uid-b'));
    assert.equal(!other.ok && other.reason, 'ErrImagePull');
    assert.equal(images.pulls.length, 2);
  });

  it('forgets a back-off untouched for twice the cap (10 min): the next failure starts at 10 s again', async () => {
    const { clock, manager, ensure } = setup();
    const c: Container = { name: 'c', image: UNREACHABLE, imagePullPolicy: 'IfNotPresent' };
    await ensure(c);
    clock.step(10_000);
    await ensure(c); // back-off now 20 s
    clock.step(600_001);
    await ensure(c);
    assert.equal(manager.backoff.remainingMs('uid-1_' + UNREACHABLE), 10_000);
  });
});

describe('image manager: pull secrets', () => {
  it('passes the matching dockerconfigjson credentials to the pull', async () => {
    const secret = dockerConfigJsonSecret('regcred', { '127.0.0.1:5000': { username: 'alice', password: 's3cret' }, 'other.example': { username: 'bob', password: 'x' } });
    const { images, ensure } = setup({ secrets: [secret] });
    images.registry.set('127.0.0.1:5000/team/app:1', 100);
    images.requiresUser.set('127.0.0.1:5000/team/app:1', 'alice');
    const r = await ensure({ name: 'c', image: '127.0.0.1:5000/team/app:1', imagePullPolicy: 'IfNotPresent' }, pod({ imagePullSecrets: [{ name: 'regcred' }] }));
    assert.equal(r.ok, true);
    assert.equal(images.pulls.length, 1);
    assert.deepEqual(images.pulls[0]!.auth, {
      username: 'alice', password: 's3cret', auth: Buffer.from('alice:s3cret').toString('base64'), serverAddress: '127.0.0.1:5000',
    });
  });

  it('tries each matching credential in turn', async () => {
    const a = dockerConfigJsonSecret('a', { '127.0.0.1:5000': { username: 'alice', password: 'y' } });
    const b = dockerConfigJsonSecret('b', { '127.0.0.1:5000/team': { username: 'wrong', password: 'x' } });
    const { images, ensure } = setup({ secrets: [a, b] });
    images.registry.set('127.0.0.1:5000/team/app:1', 100);
    images.requiresUser.set('127.0.0.1:5000/team/app:1', 'alice');
    const r = await ensure({ name: 'c', image: '127.0.0.1:5000/team/app:1', imagePullPolicy: 'IfNotPresent' }, pod({ imagePullSecrets: [{ name: 'a' }, { name: 'b' }] }));
    assert.equal(r.ok, true);
    // The more specific key (with a path) first; it fails, the host-wide one works.
    assert.deepEqual(images.pulls.map((p) => p.auth?.username), ['wrong', 'alice']);
  });

  it('pulls anonymously when no secret matches the registry, and reports missing secrets', async () => {
    const secret = dockerConfigJsonSecret('regcred', { 'registry.example': { username: 'alice', password: 'x' } });
    const { images, podEvents, ensure } = setup({ secrets: [secret] });
    images.registry.set('127.0.0.1:5000/app:1', 100);
    await ensure({ name: 'c', image: '127.0.0.1:5000/app:1', imagePullPolicy: 'IfNotPresent' }, pod({ imagePullSecrets: [{ name: 'regcred' }, { name: 'gone' }] }));
    assert.deepEqual(images.pulls, [{ image: '127.0.0.1:5000/app:1' }]);
    assert.deepEqual(podEvents, [{
      type: 'Warning', reason: 'FailedToRetrieveImagePullSecret',
      message: 'Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.',
    }]);
  });
});

describe('image manager: serialised pulls', () => {
  it('pulls one image at a time; the second one\'s time includes its wait', async () => {
    const { images, events, ensure } = setup();
    images.registry.set('127.0.0.1:5000/a:1', 1);
    images.registry.set('127.0.0.1:5000/b:1', 2);
    images.pullMs = 1000;
    await Promise.all([
      ensure({ name: 'a', image: '127.0.0.1:5000/a:1', imagePullPolicy: 'IfNotPresent' }),
      ensure({ name: 'b', image: '127.0.0.1:5000/b:1', imagePullPolicy: 'IfNotPresent' }),
    ]);
    const pulled = events.filter((e) => e.reason === 'Pulled').map((e) => e.message);
    assert.deepEqual(pulled, [
      'Successfully pulled image "127.0.0.1:5000/a:1" in 1s (1s including waiting). Image size: 1 bytes.',
      'Successfully pulled image "127.0.0.1:5000/b:1" in 1s (2s including waiting). Image size: 2 bytes.',
    ]);
  });
});
