// Field selectors (the `fieldSelector` query parameter), after apimachinery's fields.ParseSelector:
// comma-separated terms `field=value`, `field==value`, `field!=value`; in values, `\,`, `\=`
// and `\\` escape the special characters.
import { BadRequestError } from './errors.js';
import type { KindDef, KubeObject } from './kinds.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  /** `get` returns a field's value; a missing field is the empty string, as upstream. */
  matches(get: (field: string) => string | undefined): boolean;
  toString(): string;
}

/** Splits on separators not preceded by an escaping backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** Finds the first unescaped operator; upstream tries "!=", "==", "=" at each position. */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  let escaped = false;
  for (let i = 0; i < term.length; i++) {
    if (escaped) {
      escaped = false;
      continue;
    }
    if (term[i] === '\\') {
      escaped = true;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw new BadRequestError(`invalid field selector: invalid escape sequence: ${s.slice(i, i + 2)}`);
    }
    if (c === ',' || c === '=') throw new BadRequestError(`invalid field selector: unescaped character in value: ${c}`);
    out += c;
  }
  return out;
}

export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

function makeFieldSelector(reqs: FieldRequirement[]): FieldSelector {
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (get) => reqs.every((r) => ((get(r.field) ?? '') === r.value) === (r.operator === '=')),
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(','),
  };
}

/** Parses a field selector string; throws BadRequestError with upstream's message. */
export function parseFieldSelector(input: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  // Upstream sorts the terms before parsing them.
  for (const part of splitTerms(input).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new BadRequestError(`invalid selector: '${input}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    reqs.push({ field: field.trim(), operator: op === '!=' ? '!=' : '=', value: unescapeValue(raw) });
  }
  return makeFieldSelector(reqs);
}

const metaFields: Record<string, (obj: KubeObject) => string | undefined> = {
  'metadata.name': (o) => o.metadata?.name ?? '',
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
};

/** Throws BadRequestError `field label not supported: <field>` for a field the kind does not index. */
export function checkFieldSelectorSupported(selector: FieldSelector, def: KindDef): void {
  for (const r of selector.requirements) {
    if (!(r.field in metaFields) && !(def.fieldSelectors && r.field in def.fieldSelectors)) {
      throw new BadRequestError(`field label not supported: ${r.field}`);
    }
  }
}

/** The field getter for an object of a kind: metadata.name, metadata.namespace and the kind's own fields. */
export function fieldGetter(def: KindDef, obj: KubeObject): (field: string) => string | undefined {
  return (field) => {
    const get = metaFields[field] ?? def.fieldSelectors?.[field];
    return get ? get(obj) : undefined;
  };
}

export function matchesFieldSelector(selector: FieldSelector, def: KindDef, obj: KubeObject): boolean {
  return selector.empty || selector.matches(fieldGetter(def, obj));
}
