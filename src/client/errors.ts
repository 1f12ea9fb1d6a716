// Turns a metav1.Status from the server back into the API error classes of api/errors.ts, so
// callers test errors the same way on both sides of the wire (upstream's
// apimachinery/pkg/api/errors: IsNotFound, IsConflict…).
import {
  AlreadyExistsError, ApiError, BadRequestError, ConflictError, ForbiddenError, GoneError, InternalError,
  InvalidError, MethodNotAllowedError, NotAcceptableError, NotFoundError, TooLargeError, TooManyRequestsError,
  UnauthorizedError, UnsupportedMediaTypeError,
} from '../api/errors.js';
import type { FieldError, StatusDetails } from '../api/errors.js';

export interface Status {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: StatusDetails;
}

/** The reasons upstream's apimachinery knows; others are kept verbatim on a plain ApiError. */
function build(status: Status, code: number): ApiError {
  const d = status.details ?? {};
  const kind = d.kind ?? '';
  const group = d.group ?? '';
  const name = d.name ?? '';
  const message = status.message ?? '';
  switch (status.reason) {
    case 'NotFound': return new NotFoundError(kind, group, name);
    case 'AlreadyExists': return new AlreadyExistsError(kind, group, name);
    case 'Conflict': return new ConflictError(kind, group, name, message);
    case 'Invalid': return new InvalidError(kind, group, name, (d.causes ?? []).map((c) => ({
      type: (c.reason ?? 'FieldValueInvalid') as FieldError['type'], field: c.field ?? '', message: c.message ?? '',
    })));
    case 'BadRequest': return new BadRequestError(message, d.causes);
    case 'Expired':
    case 'Gone': return new GoneError(message);
    case 'Forbidden': return new ForbiddenError(message, status.details);
    case 'Unauthorized': return new UnauthorizedError(message);
    case 'MethodNotAllowed': return new MethodNotAllowedError(message);
    case 'RequestEntityTooLarge': return new TooLargeError(message);
    case 'UnsupportedMediaType': return new UnsupportedMediaTypeError('');
    case 'NotAcceptable': return new NotAcceptableError(message);
    case 'TooManyRequests': return new TooManyRequestsError(message, d.retryAfterSeconds);
    case 'InternalError': return new InternalError(message);
    default: return new ApiError(code, status.reason ?? '', message, status.details);
  }
}

/**
 * The error for a failed response: the server's Status when the body is one (its message and
 * details kept as sent), else an ApiError built from the HTTP code, as client-go's
 * newUnstructuredResponseError.
 */
export function errorFromResponse(httpStatus: number, body: Buffer | string): ApiError {
  const text = body.toString();
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && parsed.kind === 'Status') status = parsed;
  } catch {
    // not JSON: fall through to the code-only error
  }
  if (!status) {
    const reason = reasonForCode(httpStatus);
    return errorFromStatus({ reason, message: text.trim() || `the server responded with the status code ${httpStatus}`, code: httpStatus }, httpStatus);
  }
  return errorFromStatus(status, httpStatus);
}

/** An error from a Status (e.g. the object of a watch ERROR event). */
export function errorFromStatus(status: Status, httpStatus = status.code ?? 500): ApiError {
  const err = build(status, status.code ?? httpStatus);
  // Keep the server's words rather than the class's rebuilt message.
  Object.defineProperty(err, 'message', { value: status.message ?? err.message, writable: true, configurable: true });
  Object.assign(err, { code: status.code ?? httpStatus, reason: status.reason ?? err.reason, details: status.details });
  return err;
}

/** As upstream's reason-less errors: the HTTP code decides. */
function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 406: return 'NotAcceptable';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 413: return 'RequestEntityTooLarge';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

function reasonOf(e: unknown): string | undefined {
  return e instanceof ApiError ? e.reason : undefined;
}

function codeOf(e: unknown): number | undefined {
  return e instanceof ApiError ? e.code : undefined;
}

/** As upstream's IsNotFound: reason NotFound, or a 404 whose reason the client does not know. */
export function isNotFound(e: unknown): boolean {
  return reasonOf(e) === 'NotFound' || (codeOf(e) === 404 && !knownReason(e));
}

export function isAlreadyExists(e: unknown): boolean {
  return reasonOf(e) === 'AlreadyExists';
}

/** A write lost a resourceVersion race (409 Conflict; AlreadyExists is not one). */
export function isConflict(e: unknown): boolean {
  return reasonOf(e) === 'Conflict' || (codeOf(e) === 409 && !knownReason(e));
}

export function isInvalid(e: unknown): boolean {
  return reasonOf(e) === 'Invalid' || (codeOf(e) === 422 && !knownReason(e));
}

export function isForbidden(e: unknown): boolean {
  return reasonOf(e) === 'Forbidden' || (codeOf(e) === 403 && !knownReason(e));
}

export function isTooManyRequests(e: unknown): boolean {
  return reasonOf(e) === 'TooManyRequests' || codeOf(e) === 429;
}

/** A watch or list from a resourceVersion the server no longer has (410 Expired/Gone). */
export function isResourceExpired(e: unknown): boolean {
  return reasonOf(e) === 'Expired' || reasonOf(e) === 'Gone' || codeOf(e) === 410;
}

const KNOWN_REASONS = new Set([
  'NotFound', 'AlreadyExists', 'Conflict', 'Invalid', 'BadRequest', 'Expired', 'Gone', 'Forbidden', 'Unauthorized',
  'MethodNotAllowed', 'RequestEntityTooLarge', 'UnsupportedMediaType', 'NotAcceptable', 'TooManyRequests',
  'InternalError', 'ServiceUnavailable', 'Timeout', 'ServerTimeout',
]);

function knownReason(e: unknown): boolean {
  const r = reasonOf(e);
  return r !== undefined && r !== '' && r !== 'Unknown' && KNOWN_REASONS.has(r);
}
