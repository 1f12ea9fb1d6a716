// When a CronJob runs, after upstream's pkg/controller/cronjob utils.go: the most recent
// missed start since the last one (or since creation), how many were missed, when to look
// again, and the Job made for one scheduled time.
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from './constants.js';
import type { Schedule } from './cron-schedule.js';

/** As upstream's nextScheduleDelta: requeue a little after the scheduled time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface ScheduleTimes {
  /** The last schedule time, or the creation time (raised to now − startingDeadlineSeconds). */
  earliest: number;
  /** The latest schedule time not after now, if one is due. */
  mostRecent?: number;
  missed: number;
  error?: string;
}

export function mostRecentScheduleTime(cj: CronJob, now: number, sched: Schedule, includeStartingDeadline: boolean): ScheduleTimes {
  let earliest = Date.parse(cj.metadata?.creationTimestamp ?? '') || now;
  if (cj.status?.lastScheduleTime) earliest = Date.parse(cj.status.lastScheduleTime);
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && sds !== undefined && sds !== null) {
    // Nothing older than the deadline will be started anyway.
    earliest = Math.max(earliest, now - sds * 1000);
  }
  const t1 = sched.next(earliest);
  const t2 = t1 === undefined ? undefined : sched.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 0 };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 1 };
  const between = t1 !== undefined && t2 !== undefined ? Math.round((t2 - t1) / 1000) : 0;
  // A schedule that parses but never fires (the 31st of February) ends up here.
  if (between < 1) return { earliest, missed: 0, error: 'time difference between two schedules is less than 1 second' };
  // As upstream: estimate the count from the first interval, then walk only the last stretch.
  const missed = Math.floor(Math.floor((now - t1!) / 1000) / between) + 1;
  let mostRecent: number | undefined;
  const walk = (from: number) => {
    for (let t = sched.next(from); t !== undefined && t <= now; t = sched.next(t)) mostRecent = t;
  };
  walk(t1! + (missed - 2) * between * 1000);
  // Irregular schedules (1st and 2nd of each month) can make the estimate overshoot.
  if (mostRecent === undefined) walk(earliest);
  return { earliest, mostRecent, missed };
}

/** Milliseconds until the sync after the next scheduled time (upstream nextScheduleTimeDuration). */
export function nextScheduleDelayMs(cj: CronJob, now: number, sched: Schedule): number | undefined {
  const t = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (t.error) from = now;
  else if (t.mostRecent !== undefined) from = t.mostRecent;
  else from = t.missed === 0 ? t.earliest : now;
  const next = sched.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** Upstream getJobName: the scheduled time in minutes since the epoch keeps names unique per run. */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata?.name}-${Math.floor(scheduledMs / 60_000)}`;
}

export function cronJobControllerRef(cj: CronJob): OwnerReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    name: cj.metadata!.name!,
    uid: cj.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The Job for one scheduled time (upstream getJobFromTemplate2). */
export function jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
  const tpl = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata?.namespace,
      labels: { ...tpl?.metadata?.labels },
      annotations: {
        ...tpl?.metadata?.annotations,
        // RFC 3339 in the CronJob's time zone (UTC when it has none), as upstream.
        [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339(scheduledMs, cj.spec?.timeZone ?? 'UTC'),
      },
      ownerReferences: [cronJobControllerRef(cj)],
    },
    spec: structuredClone(tpl?.spec ?? {}) as Job['spec'],
  };
}

/** Go's time.RFC3339 of `ms` in `zone`: "2024-01-01T09:00:00-05:00", or "…Z" at offset zero. */
export function formatRfc3339(ms: number, zone: string): string {
  const { wall, offsetMin } = wallClock(ms, zone);
  const iso = new Date(wall).toISOString().replace(/\.\d{3}Z$/, '');
  if (offsetMin === 0) return `${iso}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${iso}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Go's time.RFC1123Z in UTC, as upstream's MissSchedule event prints the missed time. */
export function formatRfc1123z(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The wall-clock time in `zone` (as a UTC epoch value) and the zone's offset, in minutes. */
function wallClock(ms: number, zone: string): { wall: number; offsetMin: number } {
  const seconds = Math.floor(ms / 1000) * 1000;
  if (zone === 'UTC' || zone === '') return { wall: seconds, offsetMin: 0 };
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone === 'Local' ? undefined : zone,
    hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(seconds));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return { wall, offsetMin: Math.round((wall - seconds) / 60_000) };
}
