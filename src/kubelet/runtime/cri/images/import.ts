// Imports image archives (docker-archive or OCI archive) into containerd's `k8s.io` namespace,
// where the CRI plugin sees them, with `ctr` (shipped with containerd), as kind and k3s do.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, CONTAINERD_PACKAGES_HINT } from '../containerd.js';
import { unixSocketPath } from '../client.js';

/** The containerd namespace the CRI plugin uses. */
export const CRI_NAMESPACE = 'k8s.io';

export class ImageImportError extends Error {
  override readonly name = 'ImageImportError';
}

export interface ImportOptions {
  /** containerd's endpoint, `unix:///…` or a socket path. */
  endpoint: string;
  /** The snapshotter the CRI plugin unpacks with (default overlayfs). */
  snapshotter?: string;
  timeoutMs?: number;
}

/** The snapshotter a managed containerd was configured with (containerd.ts records it). */
export function managedSnapshotter(containerdDir: string): string | undefined {
  const p = join(containerdDir, 'snapshotter');
  return existsSync(p) ? readFileSync(p, 'utf8').trim() || undefined : undefined;
}

/** Imports one archive; resolves with the image names ctr reports. */
export async function importImageArchive(archivePath: string, opts: ImportOptions): Promise<string[]> {
  const ctr = findExecutable('ctr');
  if (!ctr) throw new ImageImportError(`ctr not found in PATH (it ships with containerd): ${CONTAINERD_PACKAGES_HINT}`);
  if (!existsSync(archivePath)) throw new ImageImportError(`${archivePath}: no such file`);
  const socket = unixSocketPath(opts.endpoint);
  if (!socket) throw new ImageImportError(`cannot import into ${opts.endpoint}: only unix sockets are supported`);
  const args = ['--address', socket, '--namespace', CRI_NAMESPACE, 'images', 'import', '--snapshotter', opts.snapshotter ?? 'overlayfs', archivePath];
  const { code, stdout, stderr } = await run(ctr, args, opts.timeoutMs ?? 5 * 60_000);
  if (code !== 0) throw new ImageImportError(`ctr images import ${archivePath} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  // ctr prints "unpacking <name> (sha256:…)...done" per image.
  const names = [...stdout.matchAll(/unpacking (\S+) \(sha256:[0-9a-f]+\)/g)].map((m) => m[1]!);
  if (names.length === 0) throw new ImageImportError(`ctr imported no named image from ${archivePath}: ${stdout.trim() || stderr.trim()}`);
  return names;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
