// How the process runtime realises a mount without a mount namespace (no root needed). A host
// process cannot see a volume at its containerPath, so the runtime hands it the host path:
//
//  1. Environment: for each mount, COXSWAIN_MOUNT_<NAME>=<hostPath>, where NAME is the
//     containerPath upper-cased with every run of characters outside [A-Z0-9] turned into '_'
//     (`/etc/config` → COXSWAIN_MOUNT_ETC_CONFIG).
//  2. Paths in the command line and the environment: wherever a mount's containerPath appears
//     as a whole path prefix in command, args or an env value (and in an exec's command), it is
//     replaced by the host path, so `cat /etc/config/key` and `sh -c 'cat /etc/config/key'`
//     read the mounted file. Longer containerPaths win over their parents.
//  3. Working directory: a workingDir inside a mount becomes the matching host directory.
//
// Not realised: read-only mounts are not enforced, and a program that opens a mount path it
// builds itself (compiled-in paths, e.g. a client library reading the service-account token
// at /var/run/secrets/kubernetes.io/serviceaccount) sees the host's file system there; such a
// program can read COXSWAIN_MOUNT_* instead. See docs/process-runtime.md.
import type { Mount } from '../types.js';

export const MOUNT_ENV_PREFIX = 'COXSWAIN_MOUNT_';

/** COXSWAIN_MOUNT_<NAME> for a containerPath. */
export function mountEnvName(containerPath: string): string {
  const name = containerPath.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return MOUNT_ENV_PREFIX + (name || 'ROOT');
}

function normalise(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites container paths to host paths in strings, and maps the working directory. */
export class MountMapper {
  private readonly mounts: { containerPath: string; hostPath: string }[];
  private readonly pattern: RegExp | undefined;

  constructor(mounts: Mount[]) {
    // The root directory cannot be a prefix to rewrite: every absolute path would match.
    this.mounts = mounts
      .map((m) => ({ containerPath: normalise(m.containerPath), hostPath: normalise(m.hostPath) }))
      .filter((m) => m.containerPath !== '/' && m.containerPath.startsWith('/'))
      .sort((a, b) => b.containerPath.length - a.containerPath.length);
    if (this.mounts.length > 0) {
      // A whole-path match: not preceded by a path character (so /x/etc/config is left alone)
      // and followed by '/', the end, or a character that cannot continue a file name.
      const alternatives = this.mounts.map((m) => escapeRegExp(m.containerPath)).join('|');
      this.pattern = new RegExp(`(?<![\\w.\\-/~])(${alternatives})(?=/|$|[^\\w.\\-])`, 'g');
    }
  }

  /** The string with every mount's containerPath replaced by its host path. */
  rewrite(s: string): string {
    if (!this.pattern) return s;
    return s.replace(this.pattern, (match) => this.mounts.find((m) => m.containerPath === match)?.hostPath ?? match);
  }

  /** The host directory for a container working directory inside a mount, else undefined. */
  hostDirFor(containerDir: string): string | undefined {
    const dir = normalise(containerDir);
    for (const m of this.mounts) {
      if (dir === m.containerPath) return m.hostPath;
      if (dir.startsWith(m.containerPath + '/')) return m.hostPath + dir.slice(m.containerPath.length);
    }
    return undefined;
  }

  /** The COXSWAIN_MOUNT_* variables. */
  env(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.mounts) out[mountEnvName(m.containerPath)] = m.hostPath;
    return out;
  }
}
