// Converts between a message's protobuf bytes and the JSON form the JSON API uses, driven
// by the layouts. JSON presence follows Go's encoding/json over the decoded Go struct:
// omitempty scalars vanish when zero, pointer scalars stay when present (replicas: 0),
// non-omitempty scalars always appear, and nil slices, maps and zero times are left out.
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { messageForKind, type ElementType, type FieldLayout, type MessageLayout, type ProtobufSchema, type ScalarType } from './schema.js';
import { hasProtobufMagic, readUnknown } from './unknown.js';
import { WireReader, WireWriter, WIRE_LEN, type WireField } from './wire.js';

export class ProtobufCodecError extends Error {
  override readonly name = 'ProtobufCodecError';
}

type Json = Record<string, unknown>;

const EMPTY = new Uint8Array(0);
const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

function layout(schema: ProtobufSchema, name: string): MessageLayout {
  const found = schema.messages.get(name);
  if (!found) throw new ProtobufCodecError(`no protobuf layout for ${name}`);
  return found;
}

// ---- decoding ----

function decodeScalar(type: ScalarType, f: WireField): unknown {
  switch (type) {
    case 's':
      return utf8(f.bytes);
    case 'y':
      return Buffer.from(f.bytes).toString('base64');
    case 'b':
      return f.int !== 0;
    case 'i':
      return f.int | 0;
    case 'l':
      return f.int;
    case 'd':
      return Buffer.from(f.bytes).readDoubleLE(0);
  }
}

/** One repeated-scalar occurrence may be packed (wire type 2) or a single value. */
function decodeRepeatedScalars(type: ScalarType, f: WireField): unknown[] {
  if (f.wire === WIRE_LEN && type !== 's' && type !== 'y') {
    if (type === 'd') {
      const out: number[] = [];
      for (let i = 0; i + 8 <= f.bytes.length; i += 8) out.push(Buffer.from(f.bytes.subarray(i, i + 8)).readDoubleLE(0));
      return out;
    }
    return WireReader.packedVarints(f.bytes).map((int) => decodeScalar(type, { ...f, int }));
  }
  return [decodeScalar(type, f)];
}

function decodeElement(schema: ProtobufSchema, el: ElementType, f: WireField): unknown {
  if ('scalar' in el) return decodeScalar(el.scalar, f);
  return decodeMessage(schema, el.message, f.bytes);
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function zeroOf(type: ScalarType): unknown {
  return type === 's' || type === 'y' ? '' : type === 'b' ? false : 0;
}

/** Decodes a message into its JSON value; `undefined` when JSON would hold null. */
export function decodeMessage(schema: ProtobufSchema, name: string, bytes: Uint8Array): unknown {
  const msg = layout(schema, name);
  if (msg.special) return decodeSpecial(schema, msg, bytes);
  const out: Json = {};
  let inlinedSeen: Set<FieldLayout> | undefined;
  for (const f of new WireReader(bytes).fields()) {
    const field = msg.byNumber.get(f.field);
    if (!field) continue; // unknown fields are skipped, as upstream's decoder does
    const el = field.element;
    if (!field.json) {
      // An inlined Go struct: its fields sit in the parent's JSON object.
      Object.assign(out, decodeElement(schema, el, f));
      (inlinedSeen ??= new Set()).add(field);
    } else if (field.shape === 'repeated') {
      const list = (out[field.json] ??= []) as unknown[];
      if ('scalar' in el) list.push(...decodeRepeatedScalars(el.scalar, f));
      else list.push(decodeElement(schema, el, f) ?? null);
    } else if (field.shape === 'map') {
      const map = (out[field.json] ??= {}) as Json;
      let key: unknown = '';
      let value: unknown;
      for (const e of new WireReader(f.bytes).fields()) {
        if (e.field === 1) key = decodeScalar(field.key ?? 's', e);
        else if (e.field === 2) value = decodeElement(schema, el, e);
      }
      // A missing value is the zero value of its type.
      value ??= 'scalar' in el ? zeroOf(el.scalar) : decodeMessage(schema, el.message, EMPTY);
      map[String(key)] = value ?? null;
    } else {
      const value = decodeElement(schema, el, f);
      const dropped = value === undefined || ('scalar' in el && field.mode === 'omitempty' && isZero(value));
      // A later occurrence wins, as in protobuf; it may undo an earlier one.
      if (!dropped) out[field.json] = value;
      else if (field.json in out) delete out[field.json];
    }
  }
  for (const field of msg.always) if (!(field.json in out)) out[field.json] = zeroOf((field.element as { scalar: ScalarType }).scalar);
  for (const field of msg.inlined) {
    if (!inlinedSeen?.has(field)) Object.assign(out, decodeMessage(schema, (field.element as { message: string }).message, EMPTY));
  }
  return out;
}

function decodeSpecial(schema: ProtobufSchema, msg: MessageLayout, bytes: Uint8Array): unknown {
  const fields = new Map<number, WireField>();
  const items: string[] = [];
  for (const f of new WireReader(bytes).fields()) {
    fields.set(f.field, f);
    if (f.field === 1 && f.wire === WIRE_LEN) items.push(utf8(f.bytes));
  }
  const int = (n: number) => fields.get(n)?.int ?? 0;
  switch (msg.special) {
    case 'time':
      // As upstream, an empty Time message is the zero time (JSON null); only seconds count.
      return bytes.length === 0 ? undefined : rfc3339(int(1), undefined);
    case 'microtime':
      return bytes.length === 0 ? undefined : rfc3339(int(1), int(2));
    case 'duration':
      return formatGoDuration(BigInt(int(1)));
    case 'strings':
      return items;
    case 'quantity':
      return items[0] ?? '0';
    case 'intstr':
      return int(1) === 1 ? (fields.has(3) ? utf8(fields.get(3)!.bytes) : '') : int(2) | 0;
    case 'raw':
      return fields.has(1) ? decodeRaw(schema, fields.get(1)!.bytes) : undefined;
  }
  return undefined;
}

/** Time and MicroTime in JSON: RFC 3339 in UTC; MicroTime keeps six fractional digits. */
function rfc3339(seconds: number, nanos: number | undefined): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === undefined) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** RawExtension and FieldsV1 carry JSON, or an embedded protobuf object (watch events, lists). */
function decodeRaw(schema: ProtobufSchema, raw: Uint8Array): unknown {
  if (raw.length === 0) return undefined;
  if (hasProtobufMagic(raw)) return decodeEmbeddedObject(schema, raw);
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw new ProtobufCodecError('an embedded object is neither JSON nor Kubernetes protobuf');
  }
}

/** Decodes a whole protobuf body (magic, envelope, message) into a JSON object with apiVersion and kind. */
export function decodeEmbeddedObject(schema: ProtobufSchema, body: Uint8Array): Json {
  const env = readUnknown(body);
  if (env.contentEncoding) throw new ProtobufCodecError(`unsupported protobuf content encoding "${env.contentEncoding}"`);
  const msg = messageForKind(env.apiVersion, env.kind, schema);
  if (!msg) throw new ProtobufCodecError(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
  const object = decodeMessage(schema, msg.name, env.raw) as Json;
  return { apiVersion: env.apiVersion, kind: env.kind, ...object };
}

// ---- encoding ----

export function encodeMessage(schema: ProtobufSchema, name: string, value: unknown): Buffer {
  const msg = layout(schema, name);
  if (msg.special) return encodeSpecial(msg, value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtobufCodecError(`${name}: expected an object`);
  }
  const obj = value as Json;
  const w = new WireWriter();
  for (const field of msg.fields) {
    if (!field.json) {
      // Go always writes a non-nullable inlined struct, even when empty.
      w.bytes(field.num, encodeMessage(schema, (field.element as { message: string }).message, obj));
      continue;
    }
    const v = obj[field.json];
    if (v === undefined || v === null) continue;
    if (field.shape === 'repeated') {
      if (!Array.isArray(v)) throw new ProtobufCodecError(`${name}.${field.json}: expected an array`);
      for (const item of v) if (item !== null && item !== undefined) writeElement(schema, w, field, item);
    } else if (field.shape === 'map') {
      if (typeof v !== 'object' || Array.isArray(v)) throw new ProtobufCodecError(`${name}.${field.json}: expected an object`);
      // Sorted keys, like Go's deterministic marshalling of maps.
      for (const key of Object.keys(v).sort()) {
        const entry = new WireWriter();
        writeScalar(entry, 1, field.key ?? 's', key);
        const item = (v as Json)[key];
        if (item !== null && item !== undefined) writeElement(schema, entry, { ...field, num: 2 }, item);
        w.bytes(field.num, entry.finish());
      }
    } else {
      writeElement(schema, w, field, v);
    }
  }
  return w.finish();
}

function writeElement(schema: ProtobufSchema, w: WireWriter, field: FieldLayout, v: unknown): void {
  if ('scalar' in field.element) writeScalar(w, field.num, field.element.scalar, v);
  else w.bytes(field.num, encodeMessage(schema, field.element.message, v));
}

function writeScalar(w: WireWriter, num: number, type: ScalarType, v: unknown): void {
  switch (type) {
    case 's':
      w.string(num, String(v));
      return;
    case 'y':
      w.bytes(num, Buffer.from(String(v), 'base64'));
      return;
    case 'b':
      w.varint(num, Boolean(v));
      return;
    case 'i':
    case 'l': {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new ProtobufCodecError(`expected an integer, got ${JSON.stringify(v)}`);
      w.varint(num, n);
      return;
    }
    case 'd':
      w.fixed64(num, Number(v));
      return;
  }
}

function encodeSpecial(msg: MessageLayout, v: unknown): Buffer {
  const w = new WireWriter();
  switch (msg.special) {
    case 'time':
    case 'microtime': {
      const ms = Date.parse(String(v));
      if (Number.isNaN(ms)) throw new ProtobufCodecError(`${msg.name}: invalid time ${JSON.stringify(v)}`);
      w.varint(1, Math.floor(ms / 1000));
      if (msg.special === 'microtime') {
        const frac = /\.(\d+)/.exec(String(v))?.[1] ?? '';
        const nanos = Number((frac + '000000000').slice(0, 9));
        if (nanos) w.varint(2, nanos);
      }
      break;
    }
    case 'duration':
      w.varint(1, parseGoDuration(String(v)));
      break;
    case 'strings':
      for (const s of Array.isArray(v) ? v : []) w.string(1, String(s));
      break;
    case 'quantity':
      w.string(1, String(v));
      break;
    case 'intstr':
      // Go writes all three fields of an IntOrString.
      if (typeof v === 'number') w.varint(1, 0).varint(2, v).string(3, '');
      else w.varint(1, 1).varint(2, 0).string(3, String(v));
      break;
    case 'raw':
      w.bytes(1, Buffer.from(JSON.stringify(v), 'utf8'));
      break;
  }
  return w.finish();
}

