// Kubernetes protobuf bodies (application/vnd.kubernetes.protobuf) for the built-in kinds.
export { decodeProtobufObject, encodeProtobufObject, hasProtobufMessage, type DecodedProtobufObject } from './protobuf-object.js';
export { isProtobufMediaType, prefersProtobuf, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from './media-type.js';
export { decodeProtobufWatchFrames, encodeProtobufWatchFrame, type ProtobufWatchEvent } from './watch-frames.js';
export { ProtobufCodecError } from './message-codec.js';
export { hasProtobufMagic, K8S_PROTOBUF_MAGIC } from './unknown.js';
