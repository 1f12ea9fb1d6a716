// `coxswain image build-defaults`: builds the pause and busybox images offline, writes the
// archives under <dir> (so they can be imported elsewhere too) and imports them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage, buildPauseImage, BUSYBOX_IMAGE, DEFAULT_BUSYBOX_PATH, PAUSE_IMAGE } from './default-images.js';
import { importImageArchive, type ImportOptions } from './import.js';

export interface DefaultImagesOptions extends ImportOptions {
  /** Where the archives are written (pause.oci.tar, busybox.oci.tar). */
  archiveDir: string;
  busyboxPath?: string;
  pauseImage?: string;
  onProgress?: (step: 'build' | 'import', image: string, done: boolean) => void;
}

export interface InstalledImage {
  name: string;
  archive: string;
  manifestDigest: string;
  imageId: string;
}

export async function installDefaultImages(opts: DefaultImagesOptions): Promise<InstalledImage[]> {
  mkdirSync(opts.archiveDir, { recursive: true });
  const busyboxPath = opts.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
  const wanted = [
    { name: opts.pauseImage ?? PAUSE_IMAGE, file: 'pause.oci.tar', build: (n: string) => buildPauseImage(busyboxPath, n) },
    { name: BUSYBOX_IMAGE, file: 'busybox.oci.tar', build: (n: string) => buildBusyboxImage(busyboxPath, n) },
  ];
  const out: InstalledImage[] = [];
  for (const w of wanted) {
    opts.onProgress?.('build', w.name, false);
    const built = w.build(w.name);
    const archive = join(opts.archiveDir, w.file);
    writeFileSync(archive, built.archive);
    opts.onProgress?.('build', w.name, true);
    opts.onProgress?.('import', w.name, false);
    await importImageArchive(archive, opts);
    opts.onProgress?.('import', w.name, true);
    out.push({ name: w.name, archive, manifestDigest: built.manifestDigest, imageId: built.configDigest });
  }
  return out;
}
