// Builds an OCI image archive (image-spec "image layout" in a tar: oci-layout, index.json,
// blobs/sha256/…) from layer file lists, with no network and no external tools. The index
// names the image with both `org.opencontainers.image.ref.name` and containerd's
// `io.containerd.image.name`, which `ctr images import` uses as the full image name.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar-writer.js';

const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** A fixed timestamp so the same inputs give the same digests. */
export const REPRODUCIBLE_EPOCH = Date.UTC(2024, 0, 1) / 1000;

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface OciImageSpec {
  /** Full references, e.g. docker.io/library/busybox:latest; one index entry each. */
  names: string[];
  layers: TarEntry[][];
  config: ImageConfig;
  /** GOARCH-style architecture (default: this machine's). */
  architecture?: string;
}

export interface BuiltImage {
  archive: Buffer;
  /** sha256:… of the manifest, what containerd reports as the image's digest. */
  manifestDigest: string;
  /** sha256:… of the config, the image id the CRI reports. */
  configDigest: string;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Node's process.arch → the OCI/Go architecture name. */
export function ociArchitecture(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

/** The tag part of a reference (after the last ':' that follows the last '/'). */
function tagOf(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}

export function buildOciArchive(spec: OciImageSpec): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const addBlob = (b: Buffer): string => {
    const d = sha256(b);
    blobs.set(d, b);
    return d;
  };
  const layerDescriptors = [];
  const diffIds = [];
  for (const entries of spec.layers) {
    const tar = writeTar(entries);
    diffIds.push(sha256(tar));
    // mtime 0 in the gzip header keeps the compressed blob reproducible too.
    const gz = gzipSync(tar, { level: 9 });
    layerDescriptors.push({ mediaType: MEDIA_LAYER_GZIP, digest: addBlob(gz), size: gz.length });
  }
  const created = new Date(REPRODUCIBLE_EPOCH * 1000).toISOString();
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: spec.architecture ?? ociArchitecture(),
      os: 'linux',
      config: {
        ...(spec.config.user ? { User: spec.config.user } : {}),
        ...(spec.config.env ? { Env: spec.config.env } : {}),
        ...(spec.config.entrypoint ? { Entrypoint: spec.config.entrypoint } : {}),
        ...(spec.config.cmd ? { Cmd: spec.config.cmd } : {}),
        ...(spec.config.workingDir ? { WorkingDir: spec.config.workingDir } : {}),
      },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: spec.layers.map(() => ({ created, created_by: 'coxswain image build-defaults' })),
    }),
  );
  const configDigest = addBlob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_MANIFEST,
      config: { mediaType: MEDIA_CONFIG, digest: configDigest, size: config.length },
      layers: layerDescriptors,
    }),
  );
  const manifestDigest = addBlob(manifest);
  const index = {
    schemaVersion: 2,
    manifests: spec.names.map((name) => ({
      mediaType: MEDIA_MANIFEST,
      digest: manifestDigest,
      size: manifest.length,
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tagOf(name) },
      platform: { architecture: spec.architecture ?? ociArchitecture(), os: 'linux' },
    })),
  };
  const mtime = REPRODUCIBLE_EPOCH;
  const entries: TarEntry[] = [
    { name: 'oci-layout', type: 'file', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), mtime },
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify(index)), mtime },
    { name: 'blobs', type: 'dir', mtime },
    { name: 'blobs/sha256', type: 'dir', mtime },
    ...[...blobs].map(([d, data]): TarEntry => ({ name: `blobs/sha256/${d.slice('sha256:'.length)}`, type: 'file', data, mtime })),
  ];
  return { archive: writeTar(entries), manifestDigest, configDigest };
}
