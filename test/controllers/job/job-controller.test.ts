// Job controller stories against a real API server, with a stand-in kubelet finishing pods.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { events, jobs, pods } from '../../../src/client/resources.js';
import { JobController } from '../../../src/controllers/job/index.js';
import { FakeKubelet, eventually, jobManifest, setPodPhase, startHarness } from './helpers.js';
import type { Harness } from './helpers.js';

const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

function condition(job: Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

describe('job controller', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      // Short back-off and batching so the stories run in well under a second each.
      job: (ctx) => new JobController(ctx, { podFailureBackoffMs: 20, maxPodFailureBackoffMs: 200, syncBatchPeriodMs: 5 }),
    });
  });
  after(async () => {
    await h.stop();
  });

  const jobsApi = () => h.client.resource(jobs, 'default');
  const podsApi = () => h.client.resource(pods, 'default');
  const podsOf = async (job: string) => (await podsApi().list({ labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;

  it('runs completions=5 with parallelism=2 to completion, never more than 2 pods at once', async () => {
    // The kubelet here only watches; the test finishes pods itself, in rounds.
    const kubelet = new FakeKubelet(h.client, () => undefined);
    await kubelet.start();
    try {
      await jobsApi().create(jobManifest('five', { completions: 5, parallelism: 2 }));
      let succeeded = 0;
      while (succeeded < 5) {
        const want = Math.min(2, 5 - succeeded);
        const active = await eventually(async () => {
          const ps = (await podsOf('five')).filter((p) => !p.status?.phase || p.status.phase === 'Pending');
          return ps.length === want ? ps : undefined;
        }, `${want} active pods after ${succeeded} successes`);
        // The status settles on both counts (it may pass through active=1 with one success
        // counted while the second finished pod is still being tracked).
        await eventually(async () => {
          const x = await jobsApi().get('five');
          return x.status?.active === want && (x.status?.succeeded ?? 0) === succeeded ? x : undefined;
        }, `status.active=${want}, status.succeeded=${succeeded}`);
        for (const p of active) await setPodPhase(h.client, p, 'Succeeded');
        succeeded += want;
      }
      const done = await eventually(async () => {
        const j = await jobsApi().get('five');
        return condition(j, 'Complete') ? j : undefined;
      }, 'job five to complete');
      assert.equal(done.status?.succeeded, 5);
      assert.equal(done.status?.failed ?? 0, 0);
      assert.equal(done.status?.active ?? 0, 0);
      assert.ok(done.status?.startTime);
      assert.ok(done.status?.completionTime);
      assert.deepEqual(done.status?.uncountedTerminatedPods ?? {}, {});
      assert.equal(kubelet.maxActive, 2, 'parallelism 2: two pods at once, never more');
      const ps = await podsOf('five');
      assert.equal(ps.length, 5);
      for (const p of ps) {
        assert.ok(!(p.metadata?.finalizers ?? []).includes(TRACKING_FINALIZER), 'finalizer removed once counted');
        const ref = p.metadata?.ownerReferences?.[0];
        assert.equal(ref?.kind, 'Job');
        assert.equal(ref?.controller, true);
        assert.equal(ref?.blockOwnerDeletion, true);
        assert.ok(p.metadata?.name?.startsWith('five-'));
      }
      const evs = await eventually(async () => {
        const list = (await h.client.resource(events, 'default').list()).items.filter((e) => e.involvedObject.name === 'five');
        return list.some((e) => e.reason === 'Completed') ? list : undefined;
      }, 'Completed event');
      assert.ok(evs.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: five-/.test(e.message ?? '')));
      assert.equal(evs.find((e) => e.reason === 'Completed')?.message, 'Job completed');
    } finally {
      await kubelet.stop();
    }
  });

  it('runs a quick job to completion with the kubelet finishing pods as they appear', async () => {
    const kubelet = new FakeKubelet(h.client, (p) => (p.metadata?.labels?.['job-name'] === 'quick' ? 'Succeeded' : undefined));
    await kubelet.start();
    try {
      await jobsApi().create(jobManifest('quick', { completions: 5, parallelism: 2 }));
      const done = await eventually(async () => {
        const j = await jobsApi().get('quick');
        return condition(j, 'Complete') ? j : undefined;
      }, 'job quick to complete');
      assert.equal(done.status?.succeeded, 5);
      assert.ok(kubelet.maxActive <= 2, `at most 2 active pods, saw ${kubelet.maxActive}`);
      assert.equal((await podsOf('quick')).length, 5, 'no pod beyond the completions');
    } finally {
      await kubelet.stop();
    }
  });

  it('stops a failing job at backoffLimit with the upstream condition', async () => {
    const kubelet = new FakeKubelet(h.client, (p) => (p.metadata?.labels?.['job-name'] === 'fails' ? 'Failed' : undefined));
    await kubelet.start();
    try {
      await jobsApi().create(jobManifest('fails', { backoffLimit: 2 }));
      const failed = await eventually(async () => {
        const j = await jobsApi().get('fails');
        return condition(j, 'Failed') ? j : undefined;
      }, 'job fails to fail');
      const c = condition(failed, 'Failed')!;
      assert.equal(c.reason, 'BackoffLimitExceeded');
      assert.equal(c.message, 'Job has reached the specified backoff limit');
      // backoffLimit 2 allows 2 retries: the third failure ends the job.
      assert.equal(failed.status?.failed, 3);
      assert.equal(failed.status?.active ?? 0, 0);
      assert.equal(condition(failed, 'Complete'), undefined);
      assert.equal((await podsOf('fails')).length, 3);
      await eventually(async () => (await h.client.resource(events, 'default').list()).items
        .some((e) => e.involvedObject.name === 'fails' && e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'), 'BackoffLimitExceeded event');
    } finally {
      await kubelet.stop();
    }
  });

  it('gives Indexed pods their completion index and records completedIndexes', async () => {
    const kubelet = new FakeKubelet(h.client, (p) => {
      if (p.metadata?.labels?.['job-name'] !== 'indexed') return undefined;
      // Index 1 fails once; the controller must re-create a pod for index 1.
      return p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1' && !failedOnce++ ? 'Failed' : 'Succeeded';
    });
    let failedOnce = 0;
    await kubelet.start();
    try {
      await jobsApi().create(jobManifest('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
      const done = await eventually(async () => {
        const j = await jobsApi().get('indexed');
        return condition(j, 'Complete') ? j : undefined;
      }, 'indexed job to complete');
      assert.equal(done.status?.completedIndexes, '0-2');
      assert.equal(done.status?.succeeded, 3);
      assert.equal(done.status?.failed, 1);
      const ps = await podsOf('indexed');
      assert.equal(ps.length, 4);
      for (const p of ps) {
        const ix = p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
        assert.ok(ix !== undefined && ['0', '1', '2'].includes(ix));
        assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], ix);
        assert.equal(p.spec?.hostname, `indexed-${ix}`);
        assert.ok(p.metadata?.name?.startsWith(`indexed-${ix}-`));
        const env = p.spec?.containers[0]?.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
        assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
      }
      assert.equal(ps.filter((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1').length, 2);
    } finally {
      await kubelet.stop();
    }
  });

  it('deletes the pods of a suspended job and sets Suspended; resuming starts them again', async () => {
    await jobsApi().create(jobManifest('pausable', { completions: 2, parallelism: 2 }));
    await eventually(async () => (await podsOf('pausable')).length === 2, 'two pods');
    await jobsApi().patch('pausable', 'merge', { spec: { suspend: true } });
    const suspended = await eventually(async () => {
      const j = await jobsApi().get('pausable');
      return condition(j, 'Suspended') && (await podsOf('pausable')).length === 0 ? j : undefined;
    }, 'job suspended with no pods');
    const c = condition(suspended, 'Suspended')!;
    assert.equal(c.reason, 'JobSuspended');
    assert.equal(c.message, 'Job suspended');
    assert.equal(suspended.status?.active ?? 0, 0);
    assert.equal(suspended.status?.failed ?? 0, 0, 'pods deleted by suspension are not failures');

    await jobsApi().patch('pausable', 'merge', { spec: { suspend: false } });
    const resumed = await eventually(async () => {
      const j = await jobsApi().get('pausable');
      const s = j.status?.conditions?.find((x) => x.type === 'Suspended');
      return s?.status === 'False' && (await podsOf('pausable')).length === 2 ? j : undefined;
    }, 'job resumed with two pods');
    assert.equal(resumed.status?.conditions?.find((x) => x.type === 'Suspended')?.reason, 'JobResumed');
  });

  it('creates no pods for a job created suspended', async () => {
    await jobsApi().create(jobManifest('born-suspended', { suspend: true }));
    const j = await eventually(async () => {
      const x = await jobsApi().get('born-suspended');
      return condition(x, 'Suspended') ? x : undefined;
    }, 'Suspended condition');
    assert.equal(j.status?.startTime, undefined);
    assert.equal((await podsOf('born-suspended')).length, 0);
  });

  it('fails the job at once on a FailJob pod failure policy rule', async () => {
    await jobsApi().create(jobManifest('policy', {
      completions: 2,
      parallelism: 2,
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
    }));
    const [first] = await eventually(async () => {
      const ps = await podsOf('policy');
      return ps.length === 2 ? ps : undefined;
    }, 'two pods');
    await setPodPhase(h.client, first as Pod, 'Failed', 42);
    const failed = await eventually(async () => {
      const j = await jobsApi().get('policy');
      return condition(j, 'Failed') ? j : undefined;
    }, 'job to fail by policy');
    const c = condition(failed, 'Failed')!;
    assert.equal(c.reason, 'PodFailurePolicy');
    assert.equal(c.message, `Container main for pod default/${first!.metadata!.name} failed with exit code 42 matching FailJob rule at index 0`);
    assert.equal(condition(failed, 'FailureTarget')?.reason, 'PodFailurePolicy');
    // The other pod was deleted, and both are counted as failed.
    assert.equal(failed.status?.failed, 2);
    await eventually(async () => (await podsOf('policy')).length === 1, 'running pod deleted');
  });

  it('ignores failures an Ignore rule matches', async () => {
    let n = 0;
    const kubelet = new FakeKubelet(h.client, (p) => (p.metadata?.labels?.['job-name'] === 'ignored' ? (n++ === 0 ? 'Failed' : 'Succeeded') : undefined));
    await kubelet.start();
    try {
      await jobsApi().create(jobManifest('ignored', {
        backoffLimit: 0,
        podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] },
      }));
      const done = await eventually(async () => {
        const j = await jobsApi().get('ignored');
        return condition(j, 'Complete') ? j : undefined;
      }, 'job to complete despite an ignored failure');
      assert.equal(done.status?.failed ?? 0, 0);
      assert.equal(done.status?.succeeded, 1);
    } finally {
      await kubelet.stop();
    }
  });

  it('fails a job past activeDeadlineSeconds with DeadlineExceeded', async () => {
    await jobsApi().create(jobManifest('deadline', { activeDeadlineSeconds: 1 }));
    const failed = await eventually(async () => {
      const j = await jobsApi().get('deadline');
      return condition(j, 'Failed') ? j : undefined;
    }, 'job to pass its deadline', 5000);
    const c = condition(failed, 'Failed')!;
    assert.equal(c.reason, 'DeadlineExceeded');
    assert.equal(c.message, 'Job was active longer than specified deadline');
    await eventually(async () => (await podsOf('deadline')).length === 0, 'pod deleted');
  });

  it('releases the tracking finalizer of pods whose job was deleted', async () => {
    await jobsApi().create(jobManifest('doomed', { parallelism: 2, completions: 2 }));
    const running = await eventually(async () => {
      const ps = await podsOf('doomed');
      return ps.length === 2 && ps.every((p) => p.metadata?.finalizers?.includes(TRACKING_FINALIZER)) ? ps : undefined;
    }, 'two tracked pods');
    // Orphan propagation: this test server has no garbage collector, so the pods stay.
    await jobsApi().delete('doomed', { propagationPolicy: 'Orphan' });
    await eventually(async () => {
      const ps = await podsOf('doomed');
      return ps.length === running.length && ps.every((p) => !(p.metadata?.finalizers ?? []).includes(TRACKING_FINALIZER));
    }, 'finalizers removed from the orphaned pods');
  });
});
