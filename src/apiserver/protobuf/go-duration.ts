// metav1.Duration travels as nanoseconds on the protobuf wire and as Go's
// time.Duration string ("1h2m3s", "1.5s", "300ms") in JSON.

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n,
  'μs': 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Formats nanoseconds the way Go's time.Duration.String does. */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  if (abs < UNITS.s) {
    // Below a second Go picks the largest unit that keeps an integer part.
    const [unit, size] = abs < UNITS.us ? ['ns', 1n] : abs < UNITS.ms ? ['µs', UNITS.us] : ['ms', UNITS.ms];
    return `${sign}${fraction(abs, size)}${unit}`;
  }
  const h = abs / UNITS.h;
  const m = (abs % UNITS.h) / UNITS.m;
  const s = fraction(abs % UNITS.m, UNITS.s);
  if (h > 0n) return `${sign}${h}h${m}m${s}s`;
  if (m > 0n) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** `value / size` as a decimal with trailing zeros removed. */
function fraction(value: bigint, size: bigint): string {
  const whole = value / size;
  const rest = value % size;
  if (rest === 0n) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Parses a Go duration string into nanoseconds; throws on malformed input. */
export function parseGoDuration(text: string): bigint {
  const m = /^([-+]?)((?:\d*\.?\d*(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw new Error(`time: invalid duration "${text}"`);
  let total = 0n;
  for (const part of m[2].matchAll(/(\d*)\.?(\d*)(ns|us|µs|μs|ms|s|m|h)/g)) {
    if (part[1] === '' && part[2] === '') throw new Error(`time: invalid duration "${text}"`);
    const unit = UNITS[part[3]];
    total += BigInt(part[1] || '0') * unit;
    if (part[2]) total += (BigInt(part[2]) * unit) / 10n ** BigInt(part[2].length);
  }
  return m[1] === '-' ? -total : total;
}
