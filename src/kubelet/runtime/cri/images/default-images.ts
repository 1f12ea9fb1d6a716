// The two images Coxswain's CRI runtime and its tests need, built offline from the Debian
// busybox-static binary: the sandbox ("pause") image and a busybox image under the names
// manifests use. No registry is contacted.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_SANDBOX_IMAGE } from '../containerd-config.js';
import { buildOciArchive, REPRODUCIBLE_EPOCH, type BuiltImage } from './oci-archive.js';
import type { TarEntry } from './tar-writer.js';

export const BUSYBOX_IMAGE = 'docker.io/library/busybox:latest';
export const PAUSE_IMAGE = DEFAULT_SANDBOX_IMAGE;
export const DEFAULT_BUSYBOX_PATH = '/bin/busybox';
export const BUSYBOX_PACKAGE_HINT = 'apt-get install -y busybox-static';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class BusyboxUnavailableError extends Error {
  override readonly name = 'BusyboxUnavailableError';
}

/** True when an ELF file has no program interpreter (PT_INTERP), i.e. is statically linked. */
export function isStaticElf(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = bin[4] === 2;
  const le = bin[5] === 1;
  const u16 = (o: number) => (le ? bin.readUInt16LE(o) : bin.readUInt16BE(o));
  const u32 = (o: number) => (le ? bin.readUInt32LE(o) : bin.readUInt32BE(o));
  const phoff = is64 ? Number(le ? bin.readBigUInt64LE(0x20) : bin.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > bin.length) break;
    if (u32(off) === 3) return false; // PT_INTERP
  }
  return true;
}

function loadBusybox(path: string): { binary: Buffer; applets: string[] } {
  if (!existsSync(path)) throw new BusyboxUnavailableError(`${path} not found; the offline images are built from busybox-static: ${BUSYBOX_PACKAGE_HINT}`);
  const binary = readFileSync(path);
  if (!isStaticElf(binary)) {
    throw new BusyboxUnavailableError(`${path} is dynamically linked and would not run inside an image; install the static build: ${BUSYBOX_PACKAGE_HINT}`);
  }
  const list = spawnSync(path, ['--list'], { encoding: 'utf8' });
  if (list.status !== 0) throw new BusyboxUnavailableError(`${path} --list failed: ${list.stderr}`);
  const applets = list.stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox' && /^[\w.[\]-]+$/.test(s));
  return { binary, applets };
}

const dir = (name: string, mode = 0o755): TarEntry => ({ name, type: 'dir', mode, mtime: REPRODUCIBLE_EPOCH });
const file = (name: string, data: Buffer | string, mode = 0o644): TarEntry => ({
  name,
  type: 'file',
  mode,
  data: typeof data === 'string' ? Buffer.from(data) : data,
  mtime: REPRODUCIBLE_EPOCH,
});
const symlink = (name: string, linkname: string): TarEntry => ({ name, type: 'symlink', linkname, mtime: REPRODUCIBLE_EPOCH });

/** A root filesystem with busybox in /bin, its applets as symlinks, and minimal /etc. */
function busyboxRootfs(binary: Buffer, applets: string[]): TarEntry[] {
  return [
    ...['bin', 'dev', 'etc', 'home', 'proc', 'sys', 'usr', 'usr/bin', 'usr/sbin', 'var', 'var/run'].map((d) => dir(d)),
    dir('root', 0o700),
    dir('tmp', 0o1777),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n'),
    file('etc/group', 'root:x:0:\nnobody:x:65534:\n'),
    file('bin/busybox', binary, 0o755),
    ...applets.map((a) => symlink(`bin/${a}`, 'busybox')),
  ];
}

/**
 * The sandbox image: busybox's shell as PID 1 sleeping forever. It exits on SIGTERM/SIGINT
 * and, while it waits, reaps orphans — the two jobs of upstream's pause.
 */
export function buildPauseImage(busyboxPath = DEFAULT_BUSYBOX_PATH, name = PAUSE_IMAGE): BuiltImage {
  const { binary } = loadBusybox(busyboxPath);
  return buildOciArchive({
    names: [name],
    layers: [[dir('bin'), file('bin/busybox', binary, 0o755), symlink('bin/sh', 'busybox'), symlink('bin/sleep', 'busybox')]],
    config: {
      entrypoint: ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 2147483647 & wait $!; done"],
      env: [PATH_ENV],
      workingDir: '/',
    },
  });
}

/** docker.io/library/busybox:latest (what `busybox` and `busybox:latest` normalise to), `sh` by default as upstream's. */
export function buildBusyboxImage(busyboxPath = DEFAULT_BUSYBOX_PATH, name = BUSYBOX_IMAGE): BuiltImage {
  const { binary, applets } = loadBusybox(busyboxPath);
  return buildOciArchive({ names: [name], layers: [busyboxRootfs(binary, applets)], config: { cmd: ['sh'], env: [PATH_ENV] } });
}
