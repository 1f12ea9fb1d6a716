// What a container runs in the process runtime. No image is pulled, so the image's
// ENTRYPOINT/CMD are unknown; as Docker, `command` replaces the entrypoint and `args` the
// cmd, and:
//  - command + args when command is set;
//  - args alone when only args are set (as for an image without ENTRYPOINT — busybox, alpine,
//    debian — which is what `kubectl run --image=busybox -- sh -c …` relies on);
//  - for busybox images with neither, busybox's CMD, `sh`;
//  - otherwise the container cannot start: the image's default command is unknown.
// busybox images (`busybox`, `busybox:<tag>`, `<registry>/…/busybox[:tag]`) run on the host:
// when the first word is a busybox applet and a `busybox` binary is installed, it runs as
// `busybox <applet> …`; else the host's binary of that name is found on PATH.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

import { ContainerStartError } from '../errors.js';

export function isBusyboxImage(image: string): boolean {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSegment = withoutDigest.split('/').pop() ?? '';
  return (lastSegment.split(':')[0] ?? '') === 'busybox';
}

/** The argv the container's config asks for, before host resolution. */
export function containerArgv(image: string, command: string[], args: string[]): string[] {
  if (command.length > 0) return [...command, ...args];
  if (args.length > 0) return [...args];
  if (isBusyboxImage(image)) return ['sh'];
  throw new ContainerStartError(
    `the process runtime cannot run image "${image}" without a command: the image's default entrypoint and cmd are unknown (no image is pulled); set command or args`,
  );
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` resolves to on `searchPath`, as execvp would find it. */
export function lookPath(name: string, searchPath: string): string | undefined {
  if (name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of searchPath.split(':')) {
    const candidate = path.join(dir || '.', name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A host `busybox` and its applets, looked up once. */
export interface BusyboxInfo {
  binary: string;
  applets: Set<string>;
}

let cachedBusybox: BusyboxInfo | null | undefined;
export function hostBusybox(searchPath = process.env.PATH ?? ''): BusyboxInfo | undefined {
  if (cachedBusybox !== undefined) return cachedBusybox ?? undefined;
  cachedBusybox = null;
  const binary = lookPath('busybox', searchPath);
  if (binary) {
    try {
      const list = execFileSync(binary, ['--list'], { encoding: 'utf8', timeout: 5000 });
      cachedBusybox = { binary, applets: new Set(list.split('\n').map((s) => s.trim()).filter(Boolean)) };
    } catch {
      cachedBusybox = null;
    }
  }
  return cachedBusybox ?? undefined;
}

export interface ResolveOptions {
  image: string;
  /** The PATH the process will run with. */
  searchPath: string;
  busybox?: BusyboxInfo;
}

/**
 * The host argv for a container or exec argv: the busybox mapping, then a check that the
 * executable exists, failing as runc does: `exec: "x": executable file not found in $PATH`.
 */
export function resolveOnHost(argv: string[], opts: ResolveOptions): string[] {
  const [first, ...rest] = argv;
  if (first === undefined || first === '') throw new ContainerStartError('no command specified');
  const busybox = opts.busybox;
  if (busybox && isBusyboxImage(opts.image) && !first.includes('/') && busybox.applets.has(first)) {
    return [busybox.binary, first, ...rest];
  }
  // busybox images install their applets in /bin; an absolute /bin/<applet> maps the same way.
  if (busybox && isBusyboxImage(opts.image) && first.startsWith('/bin/') && busybox.applets.has(first.slice(5))) {
    return [busybox.binary, first.slice(5), ...rest];
  }
  const found = lookPath(first, opts.searchPath);
  if (!found) {
    throw new ContainerStartError(
      first.includes('/')
        ? `exec: "${first}": stat ${first}: no such file or directory`
        : `exec: "${first}": executable file not found in $PATH`,
    );
  }
  return [first, ...rest];
}
