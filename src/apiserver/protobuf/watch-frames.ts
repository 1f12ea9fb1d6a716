// Protobuf watch streams: each event is a meta/v1 WatchEvent {type, object: RawExtension}
// without the envelope, prefixed by its length as a 4-byte big-endian integer; the object
// inside is a whole protobuf body (magic and envelope), as upstream's watch encoder writes.
import { decodeMessage } from './message-codec.js';
import { encodeProtobufObject } from './protobuf-object.js';
import { builtinSchema } from './schema.js';
import { WireWriter } from './wire.js';

export interface ProtobufWatchEvent {
  type: string;
  object: Record<string, unknown>;
}

/** One frame of a protobuf watch stream. */
export function encodeProtobufWatchFrame(type: string, object: Record<string, unknown>): Buffer {
  const raw = new WireWriter().bytes(1, encodeProtobufObject(object)).finish();
  const event = new WireWriter().string(1, type).bytes(2, raw).finish();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(event.length);
  return Buffer.concat([length, event]);
}

/** Splits buffered stream bytes into events; `rest` holds an incomplete trailing frame. */
export function decodeProtobufWatchFrames(data: Buffer): { events: ProtobufWatchEvent[]; rest: Buffer } {
  const events: ProtobufWatchEvent[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const len = data.readUInt32BE(at);
    if (at + 4 + len > data.length) break;
    const event = decodeMessage(builtinSchema(), 'meta.WatchEvent', data.subarray(at + 4, at + 4 + len)) as Record<string, unknown>;
    events.push({ type: String(event.type), object: (event.object ?? {}) as Record<string, unknown> });
    at += 4 + len;
  }
  return { events, rest: data.subarray(at) };
}

