// hostPath volumes: the path on the node itself, checked (or created) by its type, as
// upstream's hostpath plugin: DirectoryOrCreate makes the directory (0755), FileOrCreate an
// empty file (0644); Directory, File, Socket, CharDevice and BlockDevice must already be so.
import { promises as fs } from 'node:fs';
import type { HostPathVolumeSource } from 'kubernetes-types/core/v1.js';
import { VolumeError } from './volume-error.js';

async function statOrUndefined(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return undefined;
  }
}

export async function setUpHostPath(src: HostPathVolumeSource): Promise<string> {
  const p = src.path;
  const type = src.type ?? '';
  const st = await statOrUndefined(p);
  const fail = (what: string) => {
    throw new VolumeError(`hostPath type check failed: ${p} is not a ${what}`);
  };
  switch (type) {
    case '':
      break;
    case 'DirectoryOrCreate':
      if (!st) await fs.mkdir(p, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('directory');
      break;
    case 'FileOrCreate':
      if (!st) await fs.writeFile(p, '', { mode: 0o644 });
      else if (!st.isFile()) fail('file');
      break;
    case 'Directory':
      if (!st?.isDirectory()) fail('directory');
      break;
    case 'File':
      if (!st?.isFile()) fail('file');
      break;
    case 'Socket':
      if (!st?.isSocket()) fail('socket file');
      break;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('character device');
      break;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('block device');
      break;
    default:
      throw new VolumeError(`unknown hostPath type ${type}`);
  }
  return p;
}
