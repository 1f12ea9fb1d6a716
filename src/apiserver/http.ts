// HTTP plumbing: reading bounded bodies, decoding JSON/YAML, writing JSON/YAML responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  ApiError,
  BadRequestError,
  NotAcceptableError,
  TooLargeError,
  UnsupportedMediaTypeError,
} from '../api/errors.js';
import { statusFor, toApiError } from './status.js';
import { decodeProtobufObject, isProtobufMediaType } from './protobuf/index.js';

/** As upstream: request bodies are limited to 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new TooLargeError(`Request entity too large: limit is ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLargeError(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes a JSON, YAML or Kubernetes protobuf body into a plain object; errors are 400 (415 for unknown formats). */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  // kubectl ≥ 1.32 sends protobuf for `kubectl create <kind>`, with no JSON fallback.
  if (isProtobufMediaType(contentType ?? '')) return decodeProtobufObject(body).object;
  const text = body.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    try {
      return parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw new BadRequestError(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (type === '' || type.endsWith('json') || type === '*/*') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new BadRequestError(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  throw new UnsupportedMediaTypeError(type);
}

export type ResponseFormat = 'json' | 'yaml';

export interface Negotiated {
  format: ResponseFormat;
  /** Set when the client asked for a meta.k8s.io Table. */
  table: boolean;
  /** Set when the client asked for PartialObjectMetadata(List). */
  partialMetadata: boolean;
}

/** Picks the response form from the Accept header, as upstream's negotiation does. */
export function negotiate(accept: string | undefined): Negotiated {
  // What components (and most clients) send: no parsing for it.
  if (!accept || accept === 'application/json') return { format: 'json', table: false, partialMetadata: false };
  const options = accept.split(',').map((s) => s.trim()).filter(Boolean);
  for (const opt of options) {
    const [typeRaw, ...paramParts] = opt.split(';');
    const type = typeRaw.trim().toLowerCase();
    const params = new Map(
      paramParts.map((p) => {
        const [k, v = ''] = p.split('=');
        return [k.trim(), v.trim()] as const;
      }),
    );
    const as = params.get('as');
    if (as === 'Table' && params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1')) {
      if (type === 'application/json') return { format: 'json', table: true, partialMetadata: false };
      continue;
    }
    if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && params.get('g') === 'meta.k8s.io') {
      if (type === 'application/json') return { format: 'json', table: false, partialMetadata: true };
      continue;
    }
    if (as) continue;
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/json-patch+json') {
      return { format: 'json', table: false, partialMetadata: false };
    }
    if (type === 'application/yaml') return { format: 'yaml', table: false, partialMetadata: false };
  }
  throw new NotAcceptableError();
}

export function sendRaw(res: ServerResponse, code: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendObject(res: ServerResponse, code: number, obj: unknown, format: ResponseFormat = 'json', headers?: Record<string, string>): void {
  if (format === 'yaml') sendRaw(res, code, 'application/yaml', toYaml(obj), headers);
  else sendRaw(res, code, 'application/json', JSON.stringify(obj), headers);
}

/** Sends an already-serialized JSON document. */
export function sendJsonText(res: ServerResponse, code: number, json: string, format: ResponseFormat = 'json', headers?: Record<string, string>): void {
  if (format === 'yaml') sendRaw(res, code, 'application/yaml', toYaml(JSON.parse(json)), headers);
  else sendRaw(res, code, 'application/json', json, headers);
}

export function sendError(res: ServerResponse, err: unknown): ApiError {
  const apiErr = toApiError(err);
  const headers: Record<string, string> = {};
  if (apiErr.details?.retryAfterSeconds) headers['Retry-After'] = String(apiErr.details.retryAfterSeconds);
  sendObject(res, apiErr.code, statusFor(apiErr), 'json', headers);
  return apiErr;
}
