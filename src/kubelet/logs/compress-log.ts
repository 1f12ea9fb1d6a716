// Gzips a rotated log to `<log>.gz` as upstream's compressLog: written to `<log>.tmp` first
// with the original's mode, renamed into place, then the original removed, so a crash at any
// point leaves either the plain file or a complete `.gz` (a leftover `.tmp` is cleaned up by
// the next rotation).
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { COMPRESS_SUFFIX, TMP_SUFFIX } from './rotated-logs.js';

export async function compressLog(log: string): Promise<string> {
  const { mode } = await stat(log);
  const tmp = log + TMP_SUFFIX;
  const compressed = log + COMPRESS_SUFFIX;
  try {
    await pipeline(createReadStream(log), createGzip(), createWriteStream(tmp, { mode: mode & 0o777 }));
    await rename(tmp, compressed);
  } finally {
    await rm(tmp, { force: true });
  }
  await rm(log);
  return compressed;
}
