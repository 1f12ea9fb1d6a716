// Applies a PATCH body to the current object: JSON patch (RFC 6902), JSON merge patch
// (RFC 7386) and strategic merge patch (built-in kinds only, as upstream). Server-side apply
// is not served yet.
import fastJsonPatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import type { KubeObject } from '../api/kinds.js';
import { ApiError, BadRequestError, UnsupportedMediaTypeError } from '../api/errors.js';
import { decodeBody } from './http.js';
import { schemaForDefinition, strategicMergePatch } from './strategic-merge.js';
import { builtinDefinitions } from './openapi/index.js';

/** The OpenAPI definition name of each built-in kind, keyed "group/version/Kind". */
let definitionNames: Map<string, string> | undefined;

function definitionNameFor(gvk: string): string | undefined {
  if (!definitionNames) {
    definitionNames = new Map();
    for (const [name, schema] of Object.entries(builtinDefinitions())) {
      for (const g of (schema['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
        definitionNames.set(`${g.group}/${g.version}/${g.kind}`, name);
      }
    }
  }
  return definitionNames.get(gvk);
}

/** `gvk` ("group/version/Kind") picks the schema for strategic merge. */
export function applyPatch(contentType: string, current: KubeObject, body: Buffer, gvk = ''): KubeObject {
  switch (contentType) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, body);
    case 'application/merge-patch+json':
      return applyMergePatch(current, body);
    case 'application/strategic-merge-patch+json': {
      const name = definitionNameFor(gvk);
      // As upstream: kinds without a Go type (custom resources) do not take strategic merge.
      if (!name) throw new UnsupportedMediaTypeError(contentType);
      const patch = decodeBody(body, 'application/json');
      return asObject(strategicMergePatch(current, patch, schemaForDefinition(builtinDefinitions(), name)));
    }
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
