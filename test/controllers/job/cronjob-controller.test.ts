// CronJob controller stories against a real API server. Time is a FakeClock: the controller
// requeues each CronJob for its next schedule time on that clock, and the test moves it.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { FakeClock } from '../../../src/client/clock.js';
import { cronJobs, events, jobs } from '../../../src/client/resources.js';
import { CronJobController } from '../../../src/controllers/job/index.js';
import { eventually as poll, startHarness } from './helpers.js';
import type { Harness } from './helpers.js';

const MINUTE = 60_000;
const SCHEDULED_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

function cronJobManifest(name: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
      },
      ...spec,
    },
  };
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

describe('cronjob controller', () => {
  let h: Harness;
  let clock: FakeClock;
  // A fresh cluster and clock per story: the fake clock runs minutes ahead of the API server's.
  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    h = await startHarness({ cronjob: (ctx) => new CronJobController(ctx) }, clock);
  });
  afterEach(async () => {
    await h.stop();
  });

  const cjApi = () => h.client.resource(cronJobs, 'default');
  const jobsApi = () => h.client.resource(jobs, 'default');
  const jobsOf = async (cj: string) => (await jobsApi().list()).items
    .filter((j) => j.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === cj))
    .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  const eventsOf = async (cj: string) => (await h.client.resource(events, 'default').list()).items.filter((e) => e.involvedObject.name === cj);

  /**
   * Polls while letting fake time trickle (2 ms a poll): a sync that hit a conflict is retried
   * after a per-item back-off of a few milliseconds on the controller's (fake) clock.
   */
  function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
    return poll(() => {
      clock.step(2);
      return fn();
    }, what);
  }

  /** Creates the CronJob and returns the first minute boundary after its creation. */
  async function create(cj: CronJob): Promise<number> {
    const created = await cjApi().create(cj);
    const createdAt = Date.parse(created.metadata!.creationTimestamp!);
    if (clock.now() < createdAt) clock.setTime(createdAt);
    return Math.floor(createdAt / MINUTE) * MINUTE + MINUTE;
  }

  /** Moves the fake clock to `ms` (never backwards). */
  function advanceTo(ms: number): void {
    if (ms > clock.now()) clock.setTime(ms);
  }

  async function finish(name: string, outcome: 'Complete' | 'Failed', startedAt: number): Promise<void> {
    const t = utc(startedAt);
    const status: Job['status'] = {
      startTime: t,
      conditions: [{ type: outcome, status: 'True', lastProbeTime: t, lastTransitionTime: t, ...(outcome === 'Failed' ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } : {}) }],
      ...(outcome === 'Complete' ? { completionTime: utc(startedAt + 1000), succeeded: 1 } : { failed: 1 }),
    };
    await jobsApi().patch(name, 'merge', { status }, { subresource: 'status' });
  }

  it('creates a Job at each scheduled time, named after the time, and records it in status', async () => {
    const t1 = await create(cronJobManifest('ticker'));
    advanceTo(t1 + 1000);
    const [first] = await eventually(async () => {
      const js = await jobsOf('ticker');
      return js.length === 1 ? js : undefined;
    }, 'first job');
    assert.equal(first!.metadata?.name, `ticker-${t1 / MINUTE}`);
    assert.equal(first!.metadata?.annotations?.[SCHEDULED_ANNOTATION], utc(t1));
    assert.equal(first!.metadata?.labels?.app, 'ticker');
    const ref = first!.metadata?.ownerReferences?.[0];
    assert.equal(ref?.kind, 'CronJob');
    assert.equal(ref?.controller, true);
    assert.equal(ref?.blockOwnerDeletion, true);
    const cj = await eventually(async () => {
      const x = await cjApi().get('ticker');
      return x.status?.active?.length === 1 ? x : undefined;
    }, 'status.active');
    assert.equal(cj.status?.active?.[0]?.name, first!.metadata?.name);
    assert.equal(cj.status?.active?.[0]?.uid, first!.metadata?.uid);
    assert.equal(cj.status?.lastScheduleTime, utc(t1));
    await eventually(async () => (await eventsOf('ticker')).some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${first!.metadata?.name}`), 'SuccessfulCreate event');

    // Nothing more before the next minute; then the second run.
    advanceTo(t1 + MINUTE - 1000);
    advanceTo(t1 + MINUTE + 1000);
    const js = await eventually(async () => {
      const x = await jobsOf('ticker');
      return x.length === 2 ? x : undefined;
    }, 'second job');
    assert.deepEqual(js.map((j) => j.metadata?.name), [`ticker-${t1 / MINUTE}`, `ticker-${t1 / MINUTE + 1}`]);
  });

  it('Forbid holds a run back while the previous Job is active, and starts it late once that one completed', async () => {
    const t1 = await create(cronJobManifest('forbid', { concurrencyPolicy: 'Forbid' }));
    advanceTo(t1 + 1000);
    const [first] = await eventually(async () => {
      const js = await jobsOf('forbid');
      return js.length === 1 ? js : undefined;
    }, 'first job');
    advanceTo(t1 + MINUTE + 1000);
    await eventually(async () => (await eventsOf('forbid')).some((e) => e.reason === 'JobAlreadyActive'
      && e.message === 'Not starting job because prior execution is running and concurrency policy is Forbid'), 'JobAlreadyActive event');
    assert.equal((await jobsOf('forbid')).length, 1);

    // As upstream (no startingDeadlineSeconds): the held-back run starts as soon as the slot frees.
    await finish(first!.metadata!.name!, 'Complete', t1);
    const js = await eventually(async () => {
      const x = await jobsOf('forbid');
      return x.length === 2 ? x : undefined;
    }, 'the held-back run');
    assert.deepEqual(js.map((j) => j.metadata?.name), [`forbid-${t1 / MINUTE}`, `forbid-${t1 / MINUTE + 1}`]);
    const cj = await eventually(async () => {
      const x = await cjApi().get('forbid');
      return x.status?.active?.length === 1 && x.status.active[0]!.name === js[1]!.metadata?.name ? x : undefined;
    }, 'only the new job active');
    assert.equal(cj.status?.lastSuccessfulTime, utc(t1 + 1000));
    assert.equal(cj.status?.lastScheduleTime, utc(t1 + MINUTE));
    await eventually(async () => (await eventsOf('forbid')).some((e) => e.reason === 'SawCompletedJob'
      && e.message === `Saw completed job: ${first!.metadata!.name}, condition: Complete`), 'SawCompletedJob event');
  });

  it('Forbid with startingDeadlineSeconds drops a run held back too long', async () => {
    const t1 = await create(cronJobManifest('forbid-deadline', { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 20 }));
    advanceTo(t1 + 1000);
    const [first] = await eventually(async () => {
      const js = await jobsOf('forbid-deadline');
      return js.length === 1 ? js : undefined;
    }, 'first job');
    advanceTo(t1 + MINUTE + 1000);
    await eventually(async () => (await eventsOf('forbid-deadline')).some((e) => e.reason === 'JobAlreadyActive'), 'JobAlreadyActive event');
    // The slot frees 30 s after the held-back time: past its 20 s deadline, so it never runs.
    advanceTo(t1 + MINUTE + 30_000);
    await finish(first!.metadata!.name!, 'Complete', t1);
    await eventually(async () => !(await cjApi().get('forbid-deadline')).status?.active?.length, 'first job left status.active');
    advanceTo(t1 + 2 * MINUTE + 1000);
    const js = await eventually(async () => {
      const x = await jobsOf('forbid-deadline');
      return x.length === 2 ? x : undefined;
    }, 'the next on-time run');
    assert.deepEqual(js.map((j) => j.metadata?.name), [`forbid-deadline-${t1 / MINUTE}`, `forbid-deadline-${t1 / MINUTE + 2}`]);
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    const t1 = await create(cronJobManifest('replace', { concurrencyPolicy: 'Replace' }));
    advanceTo(t1 + 1000);
    await eventually(async () => (await jobsOf('replace')).length === 1, 'first job');
    advanceTo(t1 + MINUTE + 1000);
    const [only] = await eventually(async () => {
      const js = await jobsOf('replace');
      return js.length === 1 && js[0]!.metadata?.name === `replace-${t1 / MINUTE + 1}` ? js : undefined;
    }, 'first job replaced by the second');
    const cj = await eventually(async () => {
      const x = await cjApi().get('replace');
      return x.status?.active?.length === 1 && x.status.active[0]!.uid === only!.metadata?.uid ? x : undefined;
    }, 'status.active holds only the new job');
    assert.equal(cj.status?.lastScheduleTime, utc(t1 + MINUTE));
    await eventually(async () => (await eventsOf('replace')).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job replace-${t1 / MINUTE}`), 'SuccessfulDelete event');
  });

  it('keeps only successfulJobsHistoryLimit and failedJobsHistoryLimit finished Jobs, deleting the oldest', async () => {
    const t1 = await create(cronJobManifest('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      advanceTo(t1 + i * MINUTE + 1000);
      names.push(`history-${t1 / MINUTE + i}`);
      await eventually(async () => (await jobsOf('history')).length === i + 1, `job ${i + 1}`);
    }
    await finish(names[0]!, 'Complete', t1);
    await finish(names[1]!, 'Complete', t1 + MINUTE);
    await eventually(async () => {
      const left = (await jobsOf('history')).map((j) => j.metadata?.name);
      return !left.includes(names[0]) && left.includes(names[1]!);
    }, 'oldest successful job deleted');
    await finish(names[2]!, 'Failed', t1 + 2 * MINUTE);
    await finish(names[3]!, 'Failed', t1 + 3 * MINUTE);
    const left = await eventually(async () => {
      const l = (await jobsOf('history')).map((j) => j.metadata?.name);
      return l.length === 2 ? l : undefined;
    }, 'oldest failed job deleted');
    assert.deepEqual(left, [names[1], names[3]]);
    const cj = await eventually(async () => {
      const x = await cjApi().get('history');
      return !x.status?.active?.length ? x : undefined;
    }, 'no active jobs left');
    assert.equal(cj.status?.lastSuccessfulTime, utc(t1 + MINUTE + 1000));
  });

  it('starts nothing while suspended, and skips starts missed beyond startingDeadlineSeconds', async () => {
    const t1 = await create(cronJobManifest('late', { suspend: true, startingDeadlineSeconds: 10 }));
    advanceTo(t1 + 30_000);
    await cjApi().patch('late', 'merge', { spec: { suspend: false } });
    // t1 is 30 s past with a 10 s deadline: it is skipped, and the next minute runs.
    advanceTo(t1 + MINUTE + 1000);
    const js = await eventually(async () => {
      const x = await jobsOf('late');
      return x.length >= 1 ? x : undefined;
    }, 'the on-time run');
    assert.deepEqual(js.map((j) => j.metadata?.name), [`late-${t1 / MINUTE + 1}`]);
  });

  it('warns about too many missed start times and runs only the most recent one', async () => {
    const t1 = await create(cronJobManifest('behind', { suspend: true }));
    await cjApi().patch('behind', 'merge', { spec: { suspend: false } });
    // Unsuspended, then the clock jumps 150 minutes: 150 starts were missed.
    advanceTo(t1 + 149 * MINUTE + 1000);
    const ev = await eventually(async () => (await eventsOf('behind')).find((e) => e.reason === 'TooManyMissedTimes'), 'TooManyMissedTimes event');
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message ?? '', /^too many missed start times: 15\d\. Set or decrease \.spec\.startingDeadlineSeconds or check clock skew$/);
    const js = await eventually(async () => {
      const x = await jobsOf('behind');
      return x.length === 1 ? x : undefined;
    }, 'one job');
    assert.equal(js[0]!.metadata?.name, `behind-${t1 / MINUTE + 149}`);
  });

  it('reads the schedule in spec.timeZone and stamps the scheduled time in that zone', async () => {
    await create(cronJobManifest('tokyo', { schedule: '30 6 * * *', timeZone: 'Asia/Tokyo' }));
    advanceTo(clock.now() + 24 * 60 * MINUTE + 1000);
    const [job] = await eventually(async () => {
      const x = await jobsOf('tokyo');
      return x.length === 1 ? x : undefined;
    }, 'the daily run');
    const stamp = job!.metadata?.annotations?.[SCHEDULED_ANNOTATION] ?? '';
    assert.match(stamp, /^\d{4}-\d\d-\d\dT06:30:00\+09:00$/);
    // 06:30 in Tokyo is 21:30 UTC the day before.
    assert.equal(new Date(Date.parse(stamp)).getUTCHours(), 21);
    assert.equal(job!.metadata?.name, `tokyo-${Date.parse(stamp) / MINUTE}`);
  });
});
