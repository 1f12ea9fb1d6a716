export { ContainerLogManager } from './container-log-manager.js';
export type { ContainerLogManagerOptions, ContainerLogManagerState, LogRotationRuntime } from './container-log-manager.js';
export {
  DEFAULT_CONTAINER_LOG_MAX_FILES,
  DEFAULT_CONTAINER_LOG_MAX_SIZE,
  DEFAULT_CONTAINER_LOG_MAX_WORKERS,
  DEFAULT_CONTAINER_LOG_MONITOR_INTERVAL_MS,
  LogRotatePolicyError,
  logRotatePolicy,
} from './log-rotate-policy.js';
export type { LogRotatePolicy, LogRotateSettings } from './log-rotate-policy.js';
export { allContainerLogs, rotatedLogName, rotationTimestamp } from './rotated-logs.js';
