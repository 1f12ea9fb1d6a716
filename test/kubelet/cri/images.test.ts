import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { formatImageTable, humanSize } from '../../../src/cli/image.js';
import { buildBusyboxImage, buildPauseImage, BUSYBOX_IMAGE, isStaticElf, PAUSE_IMAGE } from '../../../src/kubelet/runtime/cri/images/default-images.js';
import { buildOciArchive, ociArchitecture } from '../../../src/kubelet/runtime/cri/images/oci-archive.js';
import { writeTar } from '../../../src/kubelet/runtime/cri/images/tar-writer.js';
import type { Image } from '../../../src/kubelet/runtime/cri/api-types.js';

/** Unpacks a tar with the system tar (an independent reader) into a fresh dir. */
function extract(tar: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cri-images-'));
  writeFileSync(join(dir, 'archive.tar'), tar);
  mkdirSync(join(dir, 'out'));
  const r = spawnSync('tar', ['-xf', join(dir, 'archive.tar'), '-C', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blob = (root: string, digest: string) => readFileSync(join(root, 'blobs', 'sha256', digest.slice('sha256:'.length)));
const busyboxPresent = existsSync('/bin/busybox') && isStaticElf(readFileSync('/bin/busybox'));
const noBusybox = !busyboxPresent && !process.env.CI ? 'busybox-static is not installed (apt-get install -y busybox-static)' : false;

describe('ustar writer', () => {
  it('writes files, directories, symlinks and long paths that GNU tar reads back', () => {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
    const dir = extract(
      writeTar([
        { name: 'bin', type: 'dir' },
        { name: 'bin/tool', type: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
        { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
        { name: 'tmp', type: 'dir', mode: 0o1777 },
        { name: long, type: 'file', data: Buffer.alloc(1300, 7) },
      ]),
    );
    try {
      const out = join(dir, 'out');
      assert.equal(readFileSync(join(out, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
      assert.equal(statSync(join(out, 'bin/tool')).mode & 0o777, 0o755);
      assert.equal(readlinkSync(join(out, 'bin/alias')), 'tool');
      assert.equal(readFileSync(join(out, long)).length, 1300);
      const listing = spawnSync('tar', ['-tvf', join(dir, 'archive.tar')], { encoding: 'utf8' }).stdout;
      assert.match(listing, /^drwxrwxrwt root\/root .* tmp\/$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OCI archive', () => {
  const built = buildOciArchive({
    names: ['example.local/app:1.0'],
    layers: [[{ name: 'hello.txt', type: 'file', data: Buffer.from('hi\n') }]],
    config: { entrypoint: ['/hello'], env: ['PATH=/bin'] },
  });

  it('is an image layout: oci-layout, index naming the image for ctr, blobs addressed by digest', () => {
    const dir = extract(built.archive);
    try {
      const root = join(dir, 'out');
      assert.deepEqual(JSON.parse(readFileSync(join(root, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
      const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8'));
      assert.equal(index.schemaVersion, 2);
      assert.equal(index.manifests.length, 1);
      const desc = index.manifests[0];
      assert.equal(desc.annotations['io.containerd.image.name'], 'example.local/app:1.0');
      assert.equal(desc.annotations['org.opencontainers.image.ref.name'], '1.0');
      assert.equal(desc.digest, built.manifestDigest);

      const manifestBytes = blob(root, desc.digest);
      assert.equal(sha(manifestBytes), desc.digest);
      assert.equal(manifestBytes.length, desc.size);
      const manifest = JSON.parse(manifestBytes.toString());
      assert.equal(manifest.config.digest, built.configDigest);
      const config = JSON.parse(blob(root, manifest.config.digest).toString());
      assert.equal(config.os, 'linux');
      assert.equal(config.architecture, ociArchitecture());
      assert.deepEqual(config.config.Entrypoint, ['/hello']);

      // The layer is a gzip'd tar; the config's diff_id is the digest of the uncompressed tar.
      const layer = manifest.layers[0];
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      const compressed = blob(root, layer.digest);
      assert.equal(sha(compressed), layer.digest);
      assert.equal(sha(gunzipSync(compressed)), config.rootfs.diff_ids[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is reproducible: the same inputs give the same digests', () => {
    const again = buildOciArchive({
      names: ['example.local/app:1.0'],
      layers: [[{ name: 'hello.txt', type: 'file', data: Buffer.from('hi\n') }]],
      config: { entrypoint: ['/hello'], env: ['PATH=/bin'] },
    });
    assert.equal(again.manifestDigest, built.manifestDigest);
    assert.ok(again.archive.equals(built.archive));
  });
});

describe('default images', () => {
  it('recognises static and dynamic ELF binaries', { skip: noBusybox }, () => {
    assert.ok(isStaticElf(readFileSync('/bin/busybox')));
    assert.ok(!isStaticElf(readFileSync(process.execPath)), 'node is dynamically linked');
    assert.ok(!isStaticElf(Buffer.from('#!/bin/sh\n')));
  });

  it('builds busybox with its applets as symlinks, /etc/passwd and sh as the default command', { skip: noBusybox }, () => {
    const img = buildBusyboxImage();
    const dir = extract(img.archive);
    try {
      const root = join(dir, 'out');
      const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8'));
      assert.equal(index.manifests[0].annotations['io.containerd.image.name'], BUSYBOX_IMAGE);
      const manifest = JSON.parse(blob(root, index.manifests[0].digest).toString());
      const config = JSON.parse(blob(root, manifest.config.digest).toString());
      assert.deepEqual(config.config.Cmd, ['sh']);
      const rootfs = join(dir, 'rootfs');
      mkdirSync(rootfs);
      writeFileSync(join(dir, 'layer.tar'), gunzipSync(blob(root, manifest.layers[0].digest)));
      assert.equal(spawnSync('tar', ['-xf', join(dir, 'layer.tar'), '-C', rootfs]).status, 0);
      for (const applet of ['sh', 'ls', 'ps', 'sleep', 'echo', 'cat', 'wget', 'nc', 'hostname', 'env', 'id']) {
        assert.equal(readlinkSync(join(rootfs, 'bin', applet)), 'busybox', applet);
      }
      assert.match(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
      assert.equal(statSync(join(rootfs, 'tmp')).mode & 0o7777, 0o1777);
      // The binary in the image runs (it is the static one).
      const r = spawnSync(join(rootfs, 'bin', 'busybox'), ['echo', 'from-image'], { encoding: 'utf8' });
      assert.equal(r.stdout, 'from-image\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the pause image under the sandbox_image name of the managed containerd', { skip: noBusybox }, () => {
    const img = buildPauseImage();
    const dir = extract(img.archive);
    try {
      const index = JSON.parse(readFileSync(join(dir, 'out', 'index.json'), 'utf8'));
      assert.equal(index.manifests[0].annotations['io.containerd.image.name'], PAUSE_IMAGE);
      assert.equal(PAUSE_IMAGE, 'coxswain.local/pause:3.9');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('coxswain image ls', () => {
  it('prints the crictl images table', () => {
    const image = (id: string, tags: string[], size: string): Image => ({ id, repoTags: tags, repoDigests: [], size, uid: null, username: '', spec: null, pinned: false });
    const table = formatImageTable([
      image('sha256:4912187fc321016ec1cd711e2e9372c9a3e6282dad0a2d6291d15181ced1541b', ['docker.io/library/busybox:latest'], '1055261'),
      image('sha256:d8b6a54737f0d6264f4b3505c3417925ff8ffd68303af9554b691c1c41c7275f', ['localhost:5000/pause:3.9'], '999'),
    ]);
    assert.equal(
      table,
      [
        'IMAGE                       TAG      IMAGE ID        SIZE',
        'docker.io/library/busybox   latest   4912187fc3210   1.06MB',
        'localhost:5000/pause        3.9      d8b6a54737f0d   999B',
        '',
      ].join('\n'),
    );
    assert.equal(humanSize(12_345_678), '12.3MB');
  });
});
