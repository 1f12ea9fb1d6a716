// The envelope of every Kubernetes protobuf body: the four bytes "k8s\0", then a
// runtime.Unknown message {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType}
// whose raw field holds the object's own message.
import { WireReader, WireWriter, WIRE_LEN } from './wire.js';

export const K8S_PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface UnknownEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= 4 && K8S_PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** Reads the magic and the runtime.Unknown envelope; throws when the magic is missing. */
export function readUnknown(body: Uint8Array): UnknownEnvelope {
  if (!hasProtobufMagic(body)) throw new Error('the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  const out: UnknownEnvelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  for (const f of new WireReader(body.subarray(4)).fields()) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.field === 1) {
      for (const t of new WireReader(f.bytes).fields()) {
        if (t.wire !== WIRE_LEN) continue;
        if (t.field === 1) out.apiVersion = text(t.bytes);
        if (t.field === 2) out.kind = text(t.bytes);
      }
    } else if (f.field === 2) out.raw = f.bytes;
    else if (f.field === 3) out.contentEncoding = text(f.bytes);
    else if (f.field === 4) out.contentType = text(f.bytes);
  }
  return out;
}

/** Writes the magic and an envelope around an already encoded message. */
export function writeUnknown(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = new WireWriter().string(1, apiVersion).string(2, kind).finish();
  // As upstream, contentEncoding and contentType are written empty.
  const envelope = new WireWriter().bytes(1, typeMeta).bytes(2, raw).string(3, '').string(4, '').finish();
  return Buffer.concat([K8S_PROTOBUF_MAGIC, envelope]);
}
