// Parses the compact message layouts (see message-layouts.ts) once, and finds the message
// for an object's apiVersion and kind.
import { MESSAGE_LAYOUTS } from './message-layouts.js';

export type ScalarType = 's' | 'b' | 'i' | 'l' | 'y' | 'd';
export type SpecialForm = 'time' | 'microtime' | 'duration' | 'raw' | 'strings' | 'intstr' | 'quantity';
/** How a scalar field appears in JSON, after Go's encoding/json rules. */
export type ScalarMode = 'omitempty' | 'pointer' | 'always';

/** An element type: a scalar code or a qualified message name (`core.PodSpec`). */
export type ElementType = { scalar: ScalarType } | { message: string };

export interface FieldLayout {
  /** JSON name; empty for an inlined struct. */
  json: string;
  num: number;
  shape: 'single' | 'repeated' | 'map';
  element: ElementType;
  /** The map key's scalar type. */
  key?: ScalarType;
  mode: ScalarMode;
}

export interface MessageLayout {
  name: string;
  special?: SpecialForm;
  fields: FieldLayout[];
  byNumber: Map<number, FieldLayout>;
  /** Scalars that Go always prints (no omitempty, not a pointer). */
  always: FieldLayout[];
  /** Go-inlined structs. */
  inlined: FieldLayout[];
}

export interface ProtobufSchema {
  messages: Map<string, MessageLayout>;
  /** apiVersion → package id. */
  packages: Map<string, string>;
}

const SCALARS = new Set(['s', 'b', 'i', 'l', 'y', 'd']);
const SPECIALS = new Set(['time', 'microtime', 'duration', 'raw', 'strings', 'intstr', 'quantity']);
const MODES: Record<string, ScalarMode> = { '': 'omitempty', '*': 'pointer', '!': 'always' };

export function parseLayouts(text: string): ProtobufSchema {
  const messages = new Map<string, MessageLayout>();
  const packages = new Map<string, string>();
  let pkg = '';
  const element = (t: string): ElementType => {
    if (SCALARS.has(t)) return { scalar: t as ScalarType };
    return { message: t.includes('.') ? t : `${pkg}.${t}` };
  };
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(' ').filter(Boolean);
    if (tokens.length === 0) continue;
    if (tokens[0] === 'package') {
      pkg = tokens[1];
      if (tokens[2] !== '-') packages.set(tokens[2], pkg);
      continue;
    }
    const name = `${pkg}.${tokens[0]}`;
    const layout: MessageLayout = { name, fields: [], byNumber: new Map(), always: [], inlined: [] };
    if (tokens[1]?.startsWith('~')) {
      const special = tokens[1].slice(1);
      if (!SPECIALS.has(special)) throw new Error(`protobuf layout ${name}: unknown form ${special}`);
      layout.special = special as SpecialForm;
    } else {
      for (const token of tokens.slice(1)) {
        const m = /^(\^|\w*)([*!]?)=(\d+):(\[\]|\{(\w)\})?([\w.]+)$/.exec(token);
        if (!m) throw new Error(`protobuf layout ${name}: bad field ${token}`);
        const field: FieldLayout = {
          json: m[1] === '^' ? '' : m[1],
          num: Number(m[3]),
          shape: m[4] === '[]' ? 'repeated' : m[4] ? 'map' : 'single',
          element: element(m[6]),
          mode: MODES[m[2]],
        };
        if (m[5]) field.key = m[5] as ScalarType;
        layout.fields.push(field);
        layout.byNumber.set(field.num, field);
        if (!field.json) layout.inlined.push(field);
        else if (field.mode === 'always' && field.shape === 'single' && 'scalar' in field.element) layout.always.push(field);
      }
    }
    messages.set(name, layout);
  }
  return { messages, packages };
}

let parsed: ProtobufSchema | undefined;

/** The built-in schema, parsed on first use. */
export function builtinSchema(): ProtobufSchema {
  parsed ??= parseLayouts(MESSAGE_LAYOUTS);
  return parsed;
}

/**
 * The message for a kind: looked up in the package of its apiVersion, then in meta/v1,
 * because upstream serves meta kinds (Status, DeleteOptions, WatchEvent) in every group.
 */
export function messageForKind(apiVersion: string, kind: string, schema = builtinSchema()): MessageLayout | undefined {
  const pkg = schema.packages.get(apiVersion);
  const found = pkg ? schema.messages.get(`${pkg}.${kind}`) : undefined;
  if (found && !found.special) return found;
  const meta = schema.messages.get(`meta.${kind}`);
  return meta && !meta.special ? meta : undefined;
}
