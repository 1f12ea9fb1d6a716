// Issue 6's stories on the cri runtime (one `coxswain up --runtime cri` for all, the offline
// images imported), plus the image stories of issue 7 as a user sees them in `kubectl get` and
// `kubectl describe`: the offline busybox "pulled" from the local store, IfNotPresent finding
// it present, ErrImagePull then ImagePullBackOff for an image on an unreachable loopback
// registry (nothing leaves the machine), ErrImageNeverPull.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { defineKubeletStories, eventually, podField } from './kubelet-stories.js';

/** Reason and message of the pod's events, oldest first. */
async function events(k: import('./kubectl-runner.js').Kubectl, pod: string): Promise<{ reason: string; message: string }[]> {
  const out = await k.ok(['get', 'events', '--field-selector', `involvedObject.name=${pod}`, '--sort-by=.metadata.creationTimestamp', '-o', 'json']);
  return (JSON.parse(out) as { items: { reason: string; message: string }[] }).items.map((e) => ({ reason: e.reason, message: e.message }));
}

defineKubeletStories('cri', (ctx) => {
  it('pulls the offline busybox with policy Always from the local store, and finds it present with IfNotPresent', async () => {
    const { k } = ctx();
    await k.ok(['run', 'always', '--image=busybox', '--', 'sleep', '300']);
    await k.ok(['run', 'present', '--image=busybox', '--image-pull-policy=IfNotPresent', '--', 'sleep', '300']);
    for (const pod of ['always', 'present']) {
      await eventually(`${pod} Running`, async () => ((await podField(k, pod, '{.status.phase}')) === 'Running' ? true : undefined), 30_000);
    }
    assert.equal(await podField(k, 'always', '{.spec.containers[0].imagePullPolicy}'), 'Always');
    const always = await events(k, 'always');
    assert.ok(always.some((e) => e.reason === 'Pulling' && e.message === 'Pulling image "busybox"'), JSON.stringify(always));
    assert.ok(always.some((e) => e.reason === 'Pulled' && /^Successfully pulled image "busybox" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: [1-9]\d* bytes\.$/.test(e.message)), JSON.stringify(always));
    const present = await events(k, 'present');
    assert.ok(present.some((e) => e.reason === 'Pulled' && e.message === 'Container image "busybox" already present on machine'), JSON.stringify(present));
    assert.ok(!present.some((e) => e.reason === 'Pulling'), 'IfNotPresent does not pull');
    // The status names the image the runtime resolved.
    assert.match(await podField(k, 'present', '{.status.containerStatuses[0].imageID}'), /sha256:[0-9a-f]{64}/);
  });

  it('shows ErrImagePull, then ImagePullBackOff, for an image no registry serves', async () => {
    const { k } = ctx();
    const image = '127.0.0.1:1/none:1';
    await k.ok(['run', 'nopull', `--image=${image}`, '--', 'sleep', '300']);
    const first = await eventually('ErrImagePull', async () => {
      const r = await podField(k, 'nopull', '{.status.containerStatuses[0].state.waiting.reason}');
      return r === 'ErrImagePull' || r === 'ImagePullBackOff' ? r : undefined;
    }, 30_000);
    assert.ok(first);
    const line = await eventually('ImagePullBackOff in kubectl get', async () => {
      const out = await k.ok(['get', 'pod', 'nopull', '--no-headers']);
      return /0\/1\s+ImagePullBackOff\s+0/.test(out) ? out : undefined;
    }, 30_000);
    assert.match(line, /^nopull\s/);
    assert.equal(await podField(k, 'nopull', '{.status.containerStatuses[0].state.waiting.message}'), `Back-off pulling image "${image}"`);
    const ev = await events(k, 'nopull');
    const find = (reason: string, re: RegExp) => ev.some((e) => e.reason === reason && re.test(e.message));
    assert.ok(find('Pulling', /^Pulling image "127\.0\.0\.1:1\/none:1"$/), JSON.stringify(ev));
    assert.ok(find('Failed', /^Failed to pull image "127\.0\.0\.1:1\/none:1": rpc error: code = \w+ desc = /), JSON.stringify(ev));
    assert.ok(find('Failed', /^Error: ErrImagePull$/), JSON.stringify(ev));
    assert.ok(find('BackOff', /^Back-off pulling image "127\.0\.0\.1:1\/none:1"$/), JSON.stringify(ev));
    assert.ok(find('Failed', /^Error: ImagePullBackOff$/), JSON.stringify(ev));
  });

  it('shows ErrImageNeverPull for a missing image with pull policy Never', async () => {
    const { k } = ctx();
    await k.ok(['run', 'neverpull', '--image=127.0.0.1:1/absent:1', '--image-pull-policy=Never', '--', 'sleep', '300']);
    const line = await eventually('ErrImageNeverPull', async () => {
      const out = await k.ok(['get', 'pod', 'neverpull', '--no-headers']);
      return /ErrImageNeverPull/.test(out) ? out : undefined;
    }, 30_000);
    assert.match(line, /0\/1\s+ErrImageNeverPull/);
    assert.equal(await podField(k, 'neverpull', '{.status.containerStatuses[0].state.waiting.message}'),
      'Container image "127.0.0.1:1/absent:1" is not present with pull policy of Never');
    const ev = await events(k, 'neverpull');
    assert.ok(ev.some((e) => e.reason === 'ErrImageNeverPull'), JSON.stringify(ev));
    assert.ok(!ev.some((e) => e.reason === 'Pulling'), 'nothing was pulled');
  });
});
