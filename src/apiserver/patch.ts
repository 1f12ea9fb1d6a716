// Applies a PATCH body to the current object: JSON patch (RFC 6902) and JSON merge patch
// (RFC 7386). Strategic merge and server-side apply are issue 3's.
import fastJsonPatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import type { KubeObject } from '../api/kinds.js';
import { ApiError, BadRequestError, UnsupportedMediaTypeError } from '../api/errors.js';
import { decodeBody } from './http.js';

export function applyPatch(contentType: string, current: KubeObject, body: Buffer): KubeObject {
  switch (contentType) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, body);
    case 'application/merge-patch+json':
      return applyMergePatch(current, body);
    case 'application/strategic-merge-patch+json':
    case 'application/apply-patch+yaml':
      throw new ApiError(415, 'UnsupportedMediaType', `the patch type ${contentType} is not supported yet; use --type=merge or --type=json`);
    default:
      throw new UnsupportedMediaTypeError(contentType);
  }
}

function applyJsonPatch(current: KubeObject, body: Buffer): KubeObject {
  const ops = decodeBody(body, 'application/json');
  if (!Array.isArray(ops)) throw new BadRequestError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const invalid = fastJsonPatch.validate(ops as fastJsonPatch.Operation[], current);
  if (invalid) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${describe(invalid)}`);
  try {
    const result = fastJsonPatch.applyPatch(current, ops as fastJsonPatch.Operation[], false, false).newDocument;
    return asObject(result);
  } catch (e) {
    throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${describe(e)}`);
  }
}

function applyMergePatch(current: KubeObject, body: Buffer): KubeObject {
  const patch = decodeBody(body, 'application/json');
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new BadRequestError('the merge patch must be a JSON object');
  }
  return asObject(mergePatch.apply(current, patch));
}

function asObject(v: unknown): KubeObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequestError('the patched document is not an object');
  return v as KubeObject;
}

function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && 'message' in e) {
    const err = e as { name: string; message: string };
    return err.message.split('\n')[0];
  }
  return String(e);
}
