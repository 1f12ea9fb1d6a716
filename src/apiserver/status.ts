// Turns errors into metav1.Status bodies; the one place that does so (CONVENTIONS.md §8).
import { ApiError, InternalError } from '../api/errors.js';

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message);
}

export function statusFor(err: ApiError): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
  };
  if (err.details) {
    const d: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err.details)) if (v !== undefined) d[k] = v;
    if (Object.keys(d).length) s.details = d;
  }
  return s;
}

export function successStatus(details?: Record<string, unknown>): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}
