// Label selectors: the string syntax of apimachinery's labels.Parse ("a=b,c!=d,e in (f,g),!h")
// and metav1.LabelSelector (matchLabels + matchExpressions). Both become a LabelSelector.
import { BadRequestError } from './errors.js';
import { formatBadValue } from './validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: SelectorOperator;
  /** Sorted; one value for =, ==, !=, gt, lt; none for exists and !. */
  values: string[];
}

export interface LabelSelector {
  /** True when every requirement holds for these labels. */
  matches(labels: Record<string, string> | undefined | null): boolean;
  /** True when the selector selects everything (no requirements). */
  readonly empty: boolean;
  readonly requirements: readonly Requirement[];
  toString(): string;
}

export type LabelSelectorSpec = {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
};

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?[0-9]+$/.test(value!)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? n > bound : n < bound;
    }
  }
}

function requirementText(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

function makeSelector(requirements: Requirement[]): LabelSelector {
  // Upstream keeps requirements sorted by key; String() depends on that order.
  const reqs = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (labels) => reqs.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => reqs.map(requirementText).join(','),
  };
}

/** A selector that matches nothing (upstream labels.Nothing(), for a nil metav1.LabelSelector). */
export const nothingSelector: LabelSelector = {
  requirements: [],
  empty: false,
  matches: () => false,
  toString: () => '',
};

export const everythingSelector: LabelSelector = makeSelector([]);

/** Builds and validates a requirement like upstream labels.NewRequirement; returns an error text or the requirement. */
function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement | string {
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) return `<nil>: Invalid value: ${formatBadValue(key)}: ${keyErrs.join('; ')}`;
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) return `values: Invalid value: ${formatBadValue(values)}: for 'in', 'notin' operators, values set can't be empty`;
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) return `values: Invalid value: ${formatBadValue(values)}: exact-match compatibility requires one single value`;
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) return `values: Invalid value: ${formatBadValue(values)}: values set must be empty for exists and does not exist`;
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1 || !/^-?[0-9]+$/.test(values[0]!)) {
        return `values: Invalid value: ${formatBadValue(values)}: for 'Gt', 'Lt' operators, exactly one integer value is required`;
      }
      break;
  }
  for (const v of values) {
    if (operator === 'gt' || operator === 'lt') break;
    const errs = isValidLabelValue(v);
    if (errs.length) return `values[0][${key}]: Invalid value: ${formatBadValue(v)}: ${errs.join('; ')}`;
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

// --- string syntax -------------------------------------------------------------------------

type TokenKind = 'ident' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | ',' | '(' | ')' | 'gt' | 'lt' | 'eos';
interface Token { kind: TokenKind; text: string }

const special = new Set(['!', '=', ',', '(', ')', '<', '>']);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '!=' || two === '==') {
      tokens.push({ kind: two, text: two });
      i += 2;
    } else if (c === '!' || c === '=' || c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: c, text: c });
      i++;
    } else if (c === '<' || c === '>') {
      tokens.push({ kind: c === '>' ? 'gt' : 'lt', text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !special.has(input[j]!) && !/\s/.test(input[j]!)) j++;
      const text = input.slice(i, j);
      tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'ident', text });
      i = j;
    }
  }
  tokens.push({ kind: 'eos', text: '' });
  return tokens;
}

class SelectorSyntaxError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  /** In value position, keywords are plain identifiers (upstream's "Values" mode). */
  private next(valueMode = false): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eos') this.pos++;
    if (valueMode && (t.kind === 'in' || t.kind === 'notin')) return { kind: 'ident', text: t.text };
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eos') return reqs;
      if (t.kind !== 'ident' && t.kind !== '!' && t.kind !== 'in' && t.kind !== 'notin') {
        throw new SelectorSyntaxError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      }
      reqs.push(this.requirement());
      const after = this.next();
      if (after.kind === 'eos') return reqs;
      if (after.kind !== ',') throw new SelectorSyntaxError(`found '${after.text}', expected: ',' or 'end of string'`);
      if (this.peek().kind === 'eos') throw new SelectorSyntaxError("found '', expected: identifier after ','");
    }
  }

  private requirement(): Requirement {
    let t = this.next(true);
    let negated = false;
    if (t.kind === '!') {
      negated = true;
      t = this.next(true);
    }
    if (t.kind !== 'ident') throw new SelectorSyntaxError(`unable to parse requirement: found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new SelectorSyntaxError(`unable to parse requirement: <nil>: Invalid value: ${formatBadValue(key)}: ${keyErrs.join('; ')}`);
    const la = this.peek().kind;
    if (negated || la === 'eos' || la === ',') {
      if (negated && la !== 'eos' && la !== ',') {
        throw new SelectorSyntaxError(`found '${this.peek().text}', expected: ',' or 'end of string'`);
      }
      return this.build(key, negated ? '!' : 'exists', []);
    }
    const op = this.next();
    switch (op.kind) {
      case 'in':
      case 'notin':
        return this.build(key, op.kind, this.setValues());
      case '=':
      case '==':
      case '!=':
        return this.build(key, op.kind, [this.exactValue()]);
      case 'gt':
      case 'lt':
        return this.build(key, op.kind, [this.exactValue()]);
      default:
        throw new SelectorSyntaxError(`unable to parse requirement: found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private build(key: string, op: SelectorOperator, values: string[]): Requirement {
    const r = newRequirement(key, op, values);
    if (typeof r === 'string') throw new SelectorSyntaxError(`unable to parse requirement: ${r}`);
    return r;
  }

  private exactValue(): string {
    const t = this.peek();
    if (t.kind === 'eos' || t.kind === ',') return '';
    const v = this.next(true);
    if (v.kind !== 'ident') throw new SelectorSyntaxError(`unable to parse requirement: found '${v.text}', expected: identifier`);
    return v.text;
  }

  private setValues(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new SelectorSyntaxError(`unable to parse requirement: found '${open.text}', expected: '('`);
    const values: string[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return [''];
    }
    for (;;) {
      const t = this.peek();
      if (t.kind === ',' || t.kind === ')') values.push('');
      else {
        const v = this.next(true);
        if (v.kind !== 'ident') throw new SelectorSyntaxError(`unable to parse requirement: found '${v.text}', expected: ',', ')' or identifier`);
        values.push(v.text);
      }
      const sep = this.next();
      if (sep.kind === ')') return values;
      if (sep.kind !== ',') throw new SelectorSyntaxError(`unable to parse requirement: found '${sep.text}', expected: ',' or ')'`);
    }
  }
}

/** Parses a label selector string (the `labelSelector` query parameter); throws BadRequestError. */
export function parseLabelSelector(input: string): LabelSelector {
  try {
    return makeSelector(new Parser(lex(input)).parse());
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw new BadRequestError(e.message);
    throw e;
  }
}

/** A selector requiring every key=value of a map (ReplicationController selectors, Service selectors). */
export function selectorFromSet(set: Record<string, string> | undefined | null): LabelSelector {
  return makeSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));
}

const expressionOperators: Record<string, SelectorOperator> = {
  In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, {} selects everything.
 * Throws BadRequestError on an invalid operator or values.
 */
export function selectorFromLabelSelector(ls: LabelSelectorSpec | undefined | null): LabelSelector {
  if (ls === undefined || ls === null) return nothingSelector;
  const reqs: Requirement[] = [];
  for (const [key, v] of Object.entries(ls.matchLabels ?? {})) {
    const r = newRequirement(key, '=', [v]);
    if (typeof r === 'string') throw new BadRequestError(r);
    reqs.push(r);
  }
  for (const expr of ls.matchExpressions ?? []) {
    const op = expressionOperators[expr.operator];
    if (!op) throw new BadRequestError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const r = newRequirement(expr.key, op, expr.values ?? []);
    if (typeof r === 'string') throw new BadRequestError(r);
    reqs.push(r);
  }
  return makeSelector(reqs);
}
