export { ProcessRuntime, PROCESS_RUNTIME_NAME } from './process-runtime.js';
export type { ProcessRuntimeOptions } from './process-runtime.js';
export { MOUNT_ENV_PREFIX, mountEnvName, MountMapper } from './mounts.js';
export { CriLineSplitter, criLine, formatLogTime, parseCriLine, MAX_LOG_LINE_BYTES } from './cri-log.js';
export type { CriLogEntry, LogStream } from './cri-log.js';
export { containerArgv, isBusyboxImage } from './command.js';
