// Cron schedules as CronJobs read them (upstream robfig/cron ParseStandard): five fields or a
// descriptor (@hourly, @daily, @every 90m…), optionally prefixed by TZ=<zone> or
// CRON_TZ=<zone>. Field matching and time zones come from croner; without a zone the
// process's local zone applies, as upstream's controller manager uses its own.
import { Cron } from 'croner';
import { cronScheduleError } from '../../api/validation/cron.js';

export interface Schedule {
  /** The first activation strictly after `afterMs`, or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const GO_DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** True when `zone` names a time zone this runtime knows (as Go's time.LoadLocation). */
export function isValidTimeZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a schedule; throws an Error with robfig's wording when it does not parse. */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  let text = spec.trim();
  let zone = timeZone;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s*(.*)$/.exec(text);
  if (tz) {
    zone = tz[1];
    text = tz[2]!.trim();
  }
  if (zone !== undefined && !isValidTimeZone(zone)) throw new Error(`provided bad location ${zone}: unknown time zone ${zone}`);
  const error = cronScheduleError(text);
  if (error) throw new Error(error);
  if (text.startsWith('@every ')) return everySchedule(text.slice('@every '.length).trim());
  // robfig reads "?" as "*"; croner would read it as "the current value".
  const pattern = DESCRIPTORS[text] ?? text.replace(/\?/g, '*');
  const timezone = zone === undefined || zone === 'Local' ? undefined : zone === '' ? 'UTC' : zone;
  const cron = new Cron(pattern, { paused: true, mode: '5-part', ...(timezone ? { timezone } : {}) });
  return {
    next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime() ?? undefined,
  };
}

/** robfig's ConstantDelaySchedule: whole seconds, at least one; counted from the second before. */
function everySchedule(duration: string): Schedule {
  let ms = 0;
  for (const m of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * GO_DURATION_UNITS[m[2]!]!;
  const delay = Math.max(1000, Math.floor(ms / 1000) * 1000);
  return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + delay };
}
