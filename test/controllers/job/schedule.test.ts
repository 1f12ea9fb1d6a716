// Pure pieces of the CronJob controller: schedule parsing (robfig semantics over croner),
// missed-start arithmetic, Job names and the scheduled-timestamp format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { parseSchedule } from '../../../src/controllers/job/cron-schedule.js';
import {
  formatRfc1123z, formatRfc3339, jobFromTemplate, mostRecentScheduleTime, nextScheduleDelayMs,
} from '../../../src/controllers/job/cronjob-times.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('parseSchedule', () => {
  const cases: { name: string; spec: string; tz?: string; from: string; next: string }[] = [
    { name: 'every five minutes, strictly after', spec: '*/5 * * * *', tz: 'UTC', from: '2024-01-01T00:05:00Z', next: '2024-01-01T00:10:00.000Z' },
    { name: 'day-of-month OR day-of-week when both are set', spec: '0 0 13 * 5', tz: 'UTC', from: '2024-01-06T00:00:00Z', next: '2024-01-12T00:00:00.000Z' },
    { name: 'day-of-week alone', spec: '0 0 * * mon', tz: 'UTC', from: '2024-01-01T00:00:00Z', next: '2024-01-08T00:00:00.000Z' },
    { name: '? is a wildcard', spec: '0 12 ? * *', tz: 'UTC', from: '2024-01-01T13:00:00Z', next: '2024-01-02T12:00:00.000Z' },
    { name: '@hourly', spec: '@hourly', tz: 'UTC', from: '2024-01-01T00:30:00Z', next: '2024-01-01T01:00:00.000Z' },
    { name: '@weekly is Sunday midnight', spec: '@weekly', tz: 'UTC', from: '2024-01-01T00:00:00Z', next: '2024-01-07T00:00:00.000Z' },
    { name: '@every counts from the whole second', spec: '@every 1h30m', from: '2024-01-01T00:00:00.700Z', next: '2024-01-01T01:30:00.000Z' },
    { name: 'spec.timeZone', spec: '0 9 * * *', tz: 'America/New_York', from: '2024-01-01T00:00:00Z', next: '2024-01-01T14:00:00.000Z' },
    { name: 'CRON_TZ= prefix', spec: 'CRON_TZ=Asia/Tokyo 30 6 * * *', from: '2024-01-01T00:00:00Z', next: '2024-01-01T21:30:00.000Z' },
    { name: 'TZ= prefix wins over the field', spec: 'TZ=UTC 0 9 * * *', tz: 'Asia/Tokyo', from: '2024-01-01T00:00:00Z', next: '2024-01-01T09:00:00.000Z' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(iso(parseSchedule(c.spec, c.tz).next(at(c.from))), c.next);
    });
  }

  it('rejects what robfig rejects, in its words', () => {
    assert.throws(() => parseSchedule('* * * *'), /expected exactly 5 fields, found 4/);
    assert.throws(() => parseSchedule('61 * * * *'), /end of range \(61\) above maximum \(59\)/);
    assert.throws(() => parseSchedule('@fortnightly'), /unrecognized descriptor/);
    assert.throws(() => parseSchedule('0 9 * * *', 'Mars/Olympus'), /unknown time zone Mars\/Olympus/);
  });

  it('has no next time for a date that never comes', () => {
    assert.equal(parseSchedule('0 0 31 2 *', 'UTC').next(at('2024-01-01T00:00:00Z')), undefined);
  });
});

function cronJob(spec: Partial<NonNullable<CronJob['spec']>>, created: string, lastSchedule?: string): CronJob {
  return {
    metadata: { name: 'cj', namespace: 'ns', uid: 'u1', creationTimestamp: created },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: {} } }, ...spec },
    status: lastSchedule ? { lastScheduleTime: lastSchedule } : {},
  };
}

describe('mostRecentScheduleTime', () => {
  const everyMinute = parseSchedule('* * * * *', 'UTC');

  it('finds nothing due before the first time', () => {
    const t = mostRecentScheduleTime(cronJob({}, '2024-01-01T00:00:10Z'), at('2024-01-01T00:00:50Z'), everyMinute, true);
    assert.equal(t.mostRecent, undefined);
    assert.equal(t.missed, 0);
  });

  it('finds the one due time', () => {
    const t = mostRecentScheduleTime(cronJob({}, '2024-01-01T00:00:10Z'), at('2024-01-01T00:01:05Z'), everyMinute, true);
    assert.equal(iso(t.mostRecent), '2024-01-01T00:01:00.000Z');
    assert.equal(t.missed, 1);
  });

  it('counts missed times since the last schedule time and returns the latest', () => {
    const t = mostRecentScheduleTime(cronJob({}, '2024-01-01T00:00:00Z', '2024-01-01T00:10:00Z'), at('2024-01-01T03:00:30Z'), everyMinute, true);
    assert.equal(iso(t.mostRecent), '2024-01-01T03:00:00.000Z');
    assert.equal(t.missed, 170);
  });

  it('looks no further back than startingDeadlineSeconds', () => {
    const t = mostRecentScheduleTime(cronJob({ startingDeadlineSeconds: 90 }, '2024-01-01T00:00:00Z'), at('2024-01-01T03:00:30Z'), everyMinute, true);
    // From 02:59:00 (now − 90 s), the next time strictly after is 03:00: one missed start.
    assert.equal(iso(t.mostRecent), '2024-01-01T03:00:00.000Z');
    assert.equal(t.missed, 1);
  });

  it('handles irregular schedules whose first gap is short', () => {
    const firstAndSecond = parseSchedule('0 0 1,2 * *', 'UTC');
    const t = mostRecentScheduleTime(cronJob({}, '2024-01-01T12:00:00Z'), at('2024-03-15T00:00:00Z'), firstAndSecond, true);
    assert.equal(iso(t.mostRecent), '2024-03-02T00:00:00.000Z');
  });

  it('reports a schedule that never fires as an error', () => {
    const t = mostRecentScheduleTime(cronJob({}, '2024-01-01T00:00:00Z'), at('2024-03-15T00:00:00Z'), parseSchedule('0 0 31 2 *', 'UTC'), true);
    assert.equal(t.error, 'time difference between two schedules is less than 1 second');
  });

  it('requeues 100 ms after the next time', () => {
    const cj = cronJob({}, '2024-01-01T00:00:10Z', '2024-01-01T00:01:00Z');
    assert.equal(nextScheduleDelayMs(cj, at('2024-01-01T00:01:00.500Z'), everyMinute), 59_600);
  });
});

describe('the Job for a scheduled time', () => {
  it('is named after the minutes since the epoch, owned by the CronJob, stamped in its zone', () => {
    const cj = cronJob({ timeZone: 'America/New_York', jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { template: {}, backoffLimit: 2 } } }, '2024-01-01T00:00:00Z');
    const job = jobFromTemplate(cj, at('2024-07-01T13:00:00Z'));
    assert.equal(job.metadata?.name, `cj-${at('2024-07-01T13:00:00Z') / 60_000}`);
    assert.deepEqual(job.metadata?.labels, { a: 'b' });
    assert.deepEqual(job.metadata?.annotations, { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2024-07-01T09:00:00-04:00' });
    assert.deepEqual(job.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(job.spec?.backoffLimit, 2);
  });

  it('formats times as Go does', () => {
    assert.equal(formatRfc3339(at('2024-01-01T10:00:00Z'), 'UTC'), '2024-01-01T10:00:00Z');
    assert.equal(formatRfc3339(at('2024-01-01T10:00:00Z'), 'Asia/Kolkata'), '2024-01-01T15:30:00+05:30');
    assert.equal(formatRfc1123z(at('2024-01-01T10:00:00Z')), 'Mon, 01 Jan 2024 10:00:00 +0000');
  });
});
