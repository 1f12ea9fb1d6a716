// Kubernetes resource quantities (apimachinery resource.Quantity): "100m", "1Gi", "1e3", "0.5".
// Values are held exactly as a count of nano-units (BigInt); like upstream, precision below
// one nano-unit is rounded up (away from zero).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** The upstream regex quoted in its parse error message. */
export const quantityRegexText = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

export class QuantityParseError extends Error {
  override name = 'QuantityParseError';
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const NANO = 1_000_000_000n;

function pow(base: bigint, exp: number): bigint {
  let r = 1n;
  for (let i = 0; i < exp; i++) r *= base;
  return r;
}

/** Division rounding away from zero, as upstream rounds sub-nano precision up. */
function divAway(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den === 0n ? q : num < 0n ? q - 1n : q + 1n;
}

export class Quantity {
  private constructor(readonly nanos: bigint, readonly format: QuantityFormat) {}

  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format);
  }

  static fromMillis(millis: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(Math.round(millis)) * 1_000_000n, format);
  }

  /** Parses a quantity string (or a JSON number); throws QuantityParseError. */
  static parse(input: string | number): Quantity {
    const s = typeof input === 'number' ? numberToText(input) : input;
    const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
    if (!m || s.length === 0 || (m[2] === '' && (m[3] ?? '') === '')) {
      throw new QuantityParseError('quantities must match the regular expression ' + `'${quantityRegexText}'`);
    }
    const [, sign, whole, frac = '', suffix = ''] = m;
    let num = BigInt(`${whole}${frac}` || '0');
    let den = pow(10n, frac.length);
    let format: QuantityFormat;
    if (suffix in binarySuffixes) {
      format = 'BinarySI';
      num *= pow(1024n, binarySuffixes[suffix]!);
    } else if (suffix in decimalSuffixes) {
      format = 'DecimalSI';
      const e = decimalSuffixes[suffix]!;
      if (e >= 0) num *= pow(10n, e);
      else den *= pow(10n, -e);
    } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
      format = 'DecimalExponent';
      const e = Number(suffix.slice(1));
      if (Math.abs(e) > 100) throw new QuantityParseError('quantity exponent is out of range');
      if (e >= 0) num *= pow(10n, e);
      else den *= pow(10n, -e);
    } else {
      throw new QuantityParseError('unable to parse quantity\'s suffix');
    }
    let nanos = divAway(num * NANO, den);
    if (sign === '-') nanos = -nanos;
    return new Quantity(nanos, format);
  }

  static tryParse(input: unknown): Quantity | undefined {
    if (typeof input !== 'string' && typeof input !== 'number') return undefined;
    try {
      return Quantity.parse(input);
    } catch {
      return undefined;
    }
  }

  /** Value in base units as a float (e.g. "100m" → 0.1, "1Gi" → 1073741824). */
  toNumber(): number {
    return Number(this.nanos) / 1e9;
  }

  /** Value in base units rounded up to an integer, like upstream Value(). */
  value(): number {
    return Number(divAway(this.nanos, NANO));
  }

  /** Value in milli-units rounded up, like upstream MilliValue(). */
  milliValue(): number {
    return Number(divAway(this.nanos, 1_000_000n));
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.format);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** Canonical text, as upstream Quantity.String(): "1500m", "2k", "1Gi", "1e3". */
  toString(): string {
    if (this.nanos === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const small = this.nanos > -1024n * NANO && this.nanos < 1024n * NANO;
      // Upstream shows small or fractional binary quantities as DecimalSI to avoid rounding.
      if (small || this.nanos % NANO !== 0n) format = 'DecimalSI';
      else {
        let n = this.nanos / NANO;
        let k = 0;
        while (k < 6 && n % 1024n === 0n) {
          n /= 1024n;
          k++;
        }
        const suffix = Object.keys(binarySuffixes).find((s) => binarySuffixes[s] === k) ?? '';
        return `${n}${suffix}`;
      }
    }
    // Largest power of 1000 that leaves an integer mantissa.
    let exp = -9;
    let mantissa = this.nanos;
    while (exp < 18 && mantissa % 1000n === 0n) {
      mantissa /= 1000n;
      exp += 3;
    }
    if (format === 'DecimalExponent') return exp === 0 ? `${mantissa}` : `${mantissa}e${exp}`;
    const suffix = Object.keys(decimalSuffixes).find((s) => decimalSuffixes[s] === exp) ?? '';
    return `${mantissa}${suffix}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function numberToText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityParseError('quantities must be finite');
  // Avoid JS exponent text like "1e-7" becoming ambiguous; toString handles both forms.
  return String(n).replace('e+', 'e');
}

export function parseQuantity(input: string | number): Quantity {
  return Quantity.parse(input);
}

/** Re-renders a quantity in canonical form, or returns the input when it does not parse. */
export function canonicalQuantity(input: string | number): string {
  const q = Quantity.tryParse(input);
  return q ? q.toString() : String(input);
}
