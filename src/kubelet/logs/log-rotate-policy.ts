// The kubelet's container log rotation settings (KubeletConfiguration containerLogMaxSize,
// containerLogMaxFiles, containerLogMaxWorkers, containerLogMonitorInterval) with upstream's
// defaults and checks.
import { Quantity } from '../../api/quantity.js';

export const DEFAULT_CONTAINER_LOG_MAX_SIZE = '10Mi';
export const DEFAULT_CONTAINER_LOG_MAX_FILES = 5;
export const DEFAULT_CONTAINER_LOG_MAX_WORKERS = 1;
export const DEFAULT_CONTAINER_LOG_MONITOR_INTERVAL_MS = 10_000;

export interface LogRotateSettings {
  /** A quantity ("10Mi", "500Ki") or a byte count; negative disables rotation. Default 10Mi. */
  containerLogMaxSize?: string | number;
  /** Most log files kept per container, the current one included; must be > 1. Default 5. */
  containerLogMaxFiles?: number;
  /** Containers checked at the same time. Default 1. */
  containerLogMaxWorkers?: number;
  /** How often the log sizes are checked. Default 10 s. */
  containerLogMonitorIntervalMs?: number;
}

export interface LogRotatePolicy {
  /** Bytes; a file at least this large is rotated. Negative: rotation is off. */
  maxSize: number;
  maxFiles: number;
  maxWorkers: number;
  monitorIntervalMs: number;
}

export class LogRotatePolicyError extends Error {
  override name = 'LogRotatePolicyError';
}

/** Resolves the settings, throwing on values upstream's NewContainerLogManager and validation reject. */
export function logRotatePolicy(settings: LogRotateSettings = {}): LogRotatePolicy {
  const maxFiles = settings.containerLogMaxFiles ?? DEFAULT_CONTAINER_LOG_MAX_FILES;
  if (!Number.isInteger(maxFiles) || maxFiles <= 1) throw new LogRotatePolicyError(`invalid MaxFiles ${maxFiles}, must be > 1`);
  const rawSize = settings.containerLogMaxSize ?? DEFAULT_CONTAINER_LOG_MAX_SIZE;
  const parsed = Quantity.tryParse(rawSize);
  if (!parsed) throw new LogRotatePolicyError(`failed to parse container log max size "${rawSize}"`);
  // As upstream (Quantity.AsInt64): a size must be a whole number of bytes.
  if (parsed.nanos % 1_000_000_000n !== 0n) throw new LogRotatePolicyError(`failed to parse container log max size "${rawSize}": invalid max log size`);
  const maxSize = parsed.value();
  const maxWorkers = settings.containerLogMaxWorkers ?? DEFAULT_CONTAINER_LOG_MAX_WORKERS;
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1) throw new LogRotatePolicyError(`invalid containerLogMaxWorkers ${maxWorkers}, must be >= 1`);
  const monitorIntervalMs = settings.containerLogMonitorIntervalMs ?? DEFAULT_CONTAINER_LOG_MONITOR_INTERVAL_MS;
  if (!(monitorIntervalMs > 0)) throw new LogRotatePolicyError(`invalid containerLogMonitorInterval ${monitorIntervalMs}ms, must be > 0`);
  return { maxSize, maxFiles, maxWorkers, monitorIntervalMs };
}
