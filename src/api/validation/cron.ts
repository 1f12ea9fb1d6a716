// Cron schedule syntax as CronJobs accept it (upstream uses robfig/cron ParseStandard):
// five fields (minute hour day-of-month month day-of-week) or a descriptor (@hourly, @every 1h…).
// Returns an error text in robfig's words, or undefined when the schedule parses.

interface FieldBounds { min: number; max: number; names?: string[] }

const bounds: FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const descriptors = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function parseNumber(text: string, b: FieldBounds): number | string {
  const named = b.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + b.min;
  if (!/^[0-9]+$/.test(text)) return `failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`;
  return Number(text);
}

function checkRange(expr: string, b: FieldBounds): string | undefined {
  const [rangePart = '', stepPart, extra] = expr.split('/');
  if (extra !== undefined) return `too many slashes: ${expr}`;
  let lo: number;
  let hi: number;
  if (rangePart === '*' || rangePart === '?') {
    lo = b.min;
    hi = b.max;
  } else {
    const bits = rangePart.split('-');
    if (bits.length > 2) return `too many hyphens: ${expr}`;
    const a = parseNumber(bits[0] ?? '', b);
    if (typeof a === 'string') return a;
    lo = a;
    if (bits.length === 2) {
      const z = parseNumber(bits[1]!, b);
      if (typeof z === 'string') return z;
      hi = z;
    } else {
      hi = stepPart !== undefined ? b.max : a;
    }
  }
  if (stepPart !== undefined) {
    const step = parseNumber(stepPart, { min: 0, max: 0 });
    if (typeof step === 'string') return step;
    if (step <= 0) return `step of range should be a positive number: ${expr}`;
  }
  if (lo < b.min) return `beginning of range (${lo}) below minimum (${b.min}): ${expr}`;
  if (hi > b.max) return `end of range (${hi}) above maximum (${b.max}): ${expr}`;
  if (lo > hi) return `beginning of range (${lo}) beyond end of range (${hi}): ${expr}`;
  return undefined;
}

export function cronScheduleError(schedule: string): string | undefined {
  let spec = schedule.trim();
  if (spec.length === 0) return 'empty spec string';
  // robfig accepts a leading TZ=/CRON_TZ= zone; the CronJob validator rejects it separately.
  const tz = /^(CRON_TZ|TZ)=(\S+)\s*(.*)$/.exec(spec);
  if (tz) spec = tz[3]!.trim();
  if (spec.startsWith('@')) {
    if (descriptors.has(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      const d = spec.slice('@every '.length).trim();
      return /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(d) ? undefined : `failed to parse duration @every ${d}: time: invalid duration "${d}"`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    for (const part of fields[i]!.split(',')) {
      const err = checkRange(part, bounds[i]!);
      if (err) return err;
    }
  }
  return undefined;
}
