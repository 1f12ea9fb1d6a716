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
    // Events reach the API a little after the status (the recorder batches them).
    const pulledLocally = /^Successfully pulled image "busybox" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: [1-9]\d* bytes\.$/;
    let always: { reason: string; message: string }[] = [];
    let present: { reason: string; message: string }[] = [];
    await eventually('the image events', async () => {
      [always, present] = await Promise.all([events(k, 'always'), events(k, 'present')]);
      const ok = always.some((e) => e.reason === 'Pulling' && e.message === 'Pulling image "busybox"')
        && always.some((e) => e.reason === 'Pulled' && pulledLocally.test(e.message))
        && present.some((e) => e.reason === 'Pulled' && e.message === 'Container image "busybox" already present on machine');
      return ok ? true : undefined;
    }, 20_000).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify({ always, present })}`));
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
    // The status alternates as upstream's: ErrImagePull at each attempt, ImagePullBackOff in
    // between; reason and message are read together.
    const waiting = await eventually('ImagePullBackOff', async () => {
      const v = await podField(k, 'nopull', '{.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].state.waiting.message}');
      return v.startsWith('ImagePullBackOff|') ? v : undefined;
    }, 30_000);
    assert.equal(waiting, `ImagePullBackOff|Back-off pulling image "${image}"`);
    const line = await k.ok(['get', 'pod', 'nopull', '--no-headers']);
    assert.match(line, /^nopull\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s+0\s/);
    // Events reach the API a little after the status (the recorder batches them).
    const wanted: [string, RegExp][] = [
      ['Pulling', /^Pulling image "127\.0\.0\.1:1\/none:1"$/],
      ['Failed', /^Failed to pull image "127\.0\.0\.1:1\/none:1": rpc error: code = \w+ desc = /],
      ['Failed', /^Error: ErrImagePull$/],
      ['BackOff', /^Back-off pulling image "127\.0\.0\.1:1\/none:1"$/],
      ['Failed', /^Error: ImagePullBackOff$/],
    ];
    let ev: { reason: string; message: string }[] = [];
    await eventually('the image events', async () => {
      ev = await events(k, 'nopull');
      return wanted.every(([reason, re]) => ev.some((e) => e.reason === reason && re.test(e.message))) ? true : undefined;
    }, 20_000).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(ev)}`));
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
    // Events are written once the process has spare time (client/idle-gate.ts), so they may
    // come a little after the status.
    let ev: { reason: string; message: string }[] = [];
    await eventually('the ErrImageNeverPull event', async () => {
      ev = await events(k, 'neverpull');
      return ev.some((e) => e.reason === 'ErrImageNeverPull') ? true : undefined;
    }, 10_000).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(ev)}`));
    assert.ok(!ev.some((e) => e.reason === 'Pulling'), 'nothing was pulled');
  });
});
