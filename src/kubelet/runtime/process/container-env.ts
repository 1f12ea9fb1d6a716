// The environment and working directory a container (and every exec in it) runs with in the
// process runtime; mounts are realised here (see mounts.ts and docs/process-runtime.md).
import { statSync } from 'node:fs';
import { mkdir } from '../../fs-async.js';
import os from 'node:os';
import path from 'node:path';

import type { ContainerConfig, PodSandboxConfig } from '../types.js';
import { MountMapper } from './mounts.js';

export interface ProcessSpec {
  env: Record<string, string>;
  cwd: string;
}

/**
 * As Docker, PATH and HOSTNAME are always set (an image would provide PATH; the host's stands
 * in), then the container's env (container paths rewritten), then COXSWAIN_MOUNT_*.
 */
export async function containerProcessSpec(
  config: ContainerConfig, sandbox: PodSandboxConfig | undefined, containerDir: string,
): Promise<ProcessSpec> {
  const mapper = new MountMapper(config.mounts);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: sandbox?.hostname || sandbox?.metadata.name || os.hostname(),
    HOME: process.env.HOME ?? '/',
  };
  for (const e of config.envs) env[e.key] = mapper.rewrite(e.value);
  Object.assign(env, mapper.env());
  return { env, cwd: await workingDirectory(config, mapper, containerDir) };
}

/**
 * A workingDir inside a mount maps to the host directory; one that exists on the host is used
 * as is; otherwise (and without workingDir) the container gets a private, writable directory of
 * its own beside its state, standing in for its root file system.
 */
// The stat is synchronous (microseconds); the mkdir, a journaled update, is not (see fs-async.ts).
async function workingDirectory(config: ContainerConfig, mapper: MountMapper, containerDir: string): Promise<string> {
  const wd = config.workingDir;
  if (wd) {
    const mapped = mapper.hostDirFor(wd);
    if (mapped) return mapped;
    if (statSync(wd, { throwIfNoEntry: false })?.isDirectory()) return wd;
  }
  const own = path.join(containerDir, 'workdir');
  await mkdir(own, { recursive: true });
  return own;
}
