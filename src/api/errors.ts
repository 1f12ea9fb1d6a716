// The small set of API errors. Each carries the Kubernetes `reason` and HTTP code; only the
// API server turns them into a metav1.Status (see apiserver/status.ts).

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
}

/** Identifies an object in error messages the way upstream does: `pods "web"`, `deployments.apps "web"`. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  constructor(resource: string, group: string, objectName: string, kind?: string) {
    super(404, 'NotFound', `${qualifiedResource(resource, group)} "${objectName}" not found`, {
      name: objectName,
      group: group || undefined,
      kind: resource,
    });
    void kind;
  }
}

export class AlreadyExistsError extends ApiError {
  override name = 'AlreadyExistsError';
  constructor(resource: string, group: string, objectName: string) {
    super(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${objectName}" already exists`, {
      name: objectName,
      group: group || undefined,
      kind: resource,
    });
  }
}

export class ConflictError extends ApiError {
  override name = 'ConflictError';
  constructor(resource: string, group: string, objectName: string, why: string) {
    super(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${objectName}": ${why}`,
      { name: objectName, group: group || undefined, kind: resource },
    );
  }
}

/** One field-level validation failure, rendered like upstream's field.Error. */
export interface FieldError {
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden'
    | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTypeInvalid' | 'FieldValueTooMany';
  field: string;
  message: string;
}

export function fieldErrorText(e: FieldError): string {
  return `${e.field}: ${e.message}`;
}

export class InvalidError extends ApiError {
  override name = 'InvalidError';
  constructor(kind: string, group: string, objectName: string, errors: FieldError[]) {
    const what = group ? `${kind}.${group}` : kind;
    const list = errors.map(fieldErrorText);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    // As upstream's omitempty: an error about a request rather than an object (a patch that
    // does not decode) has no name or kind, which kubectl prints as "The request is invalid".
    super(422, 'Invalid', `${what} "${objectName}" is invalid: ${summary}`, {
      name: objectName || undefined,
      group: group || undefined,
      kind: kind || undefined,
      causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
    });
  }
}

export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
  constructor(message: string, causes?: StatusCause[]) {
    super(400, 'BadRequest', message, causes ? { causes } : undefined);
  }
}

export class GoneError extends ApiError {
  override name = 'GoneError';
  constructor(message: string) {
    super(410, 'Expired', message);
  }
}

export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
  constructor(message: string, details?: StatusDetails) {
    super(403, 'Forbidden', message, details);
  }
}

export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
  constructor(message = 'Unauthorized') {
    super(401, 'Unauthorized', message);
  }
}

export class MethodNotAllowedError extends ApiError {
  override name = 'MethodNotAllowedError';
  constructor(message = 'the server does not allow this method on the requested resource') {
    super(405, 'MethodNotAllowed', message);
  }
}

export class TooLargeError extends ApiError {
  override name = 'TooLargeError';
  constructor(message = 'the server has received a request that is too large') {
    super(413, 'RequestEntityTooLarge', message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  override name = 'UnsupportedMediaTypeError';
  constructor(contentType: string) {
    super(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
    void contentType;
  }
}

export class NotAcceptableError extends ApiError {
  override name = 'NotAcceptableError';
  constructor(message = 'only the following media types are accepted: application/json, application/yaml') {
    super(406, 'NotAcceptable', message);
  }
}

export class TooManyRequestsError extends ApiError {
  override name = 'TooManyRequestsError';
  constructor(message = 'Too many requests, please try again later.', retryAfterSeconds = 1) {
    super(429, 'TooManyRequests', message, { retryAfterSeconds });
  }
}

export class InternalError extends ApiError {
  override name = 'InternalError';
  constructor(message: string) {
    super(500, 'InternalError', `Internal error occurred: ${message}`);
  }
}
