// Whole Kubernetes protobuf bodies: "k8s\0", the runtime.Unknown envelope, and the object's
// message, converted to and from the JSON object the rest of the API server works with.
import { BadRequestError } from '../../api/errors.js';
import { decodeEmbeddedObject, encodeMessage, ProtobufCodecError } from './message-codec.js';
import { builtinSchema, messageForKind } from './schema.js';
import { writeUnknown } from './unknown.js';

export interface DecodedProtobufObject {
  apiVersion: string;
  kind: string;
  /** The object in its JSON form, apiVersion and kind included. */
  object: Record<string, unknown>;
}

/** Whether a kind has a protobuf message (built-in kinds do; custom resources and Tables do not). */
export function hasProtobufMessage(apiVersion: string, kind: string): boolean {
  return messageForKind(apiVersion, kind) !== undefined;
}

/** Decodes a request body; malformed bodies and unknown kinds are 400 Bad Request. */
export function decodeProtobufObject(body: Uint8Array): DecodedProtobufObject {
  try {
    const object = decodeEmbeddedObject(builtinSchema(), body);
    return { apiVersion: String(object.apiVersion), kind: String(object.kind), object };
  } catch (e) {
    throw new BadRequestError(`unable to decode the protobuf body: ${(e as Error).message}`);
  }
}

/** Encodes an object (with apiVersion and kind) as a protobuf body. */
export function encodeProtobufObject(obj: Record<string, unknown>): Buffer {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const msg = messageForKind(apiVersion, kind);
  if (!msg) throw new ProtobufCodecError(`${kind || 'an object'} in ${apiVersion || 'no version'} has no protobuf form`);
  return writeUnknown(apiVersion, kind, encodeMessage(builtinSchema(), msg.name, obj));
}
