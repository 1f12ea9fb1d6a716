// `coxswain image import|ls|rm|build-defaults`: manage the images of the CRI runtime, like
// `k3s ctr images import` and `crictl images/rmi`. It talks to the containerd Coxswain manages
// under --data-dir (starting it for the duration of the command when it is not running) or to
// --container-runtime-endpoint.
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, type Logger } from '../logger.js';
import { connectCri, CriClient } from '../kubelet/runtime/cri/client.js';
import type { Image } from '../kubelet/runtime/cri/api-types.js';
import { managedContainerdPaths } from '../kubelet/runtime/cri/containerd-config.js';
import { startManagedContainerd, type ManagedContainerd } from '../kubelet/runtime/cri/containerd.js';
import { importImageArchive, managedSnapshotter } from '../kubelet/runtime/cri/images/import.js';
import { installDefaultImages } from '../kubelet/runtime/cri/images/install-defaults.js';
import { int64ToNumber } from '../kubelet/runtime/cri/int64.js';
import { terminalProgress, type Progress } from './progress.js';

interface ImageFlags {
  dataDir: string;
  containerRuntimeEndpoint?: string;
  snapshotter?: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
}

interface RuntimeSession {
  client: CriClient;
  endpoint: string;
  snapshotter: string;
  close(): Promise<void>;
}

/** Connects to the runtime the flags name, starting the managed containerd if needed. */
async function openRuntime(flags: ImageFlags, progress: Progress, logger: Logger): Promise<RuntimeSession> {
  if (flags.containerRuntimeEndpoint) {
    const { client } = await connectCri(flags.containerRuntimeEndpoint);
    return { client, endpoint: client.endpoint, snapshotter: flags.snapshotter ?? 'overlayfs', close: async () => client.close() };
  }
  const paths = managedContainerdPaths(flags.dataDir);
  let managed: ManagedContainerd | undefined;
  if (existsSync(paths.socket)) {
    try {
      const { client } = await connectCri(`unix://${paths.socket}`, { timeoutMs: 3_000 });
      const snapshotter = flags.snapshotter ?? managedSnapshotter(paths.dir) ?? 'overlayfs';
      return { client, endpoint: client.endpoint, snapshotter, close: async () => client.close() };
    } catch {
      // a stale socket: start containerd below
    }
  }
  progress.start('Starting containerd for this command');
  // Not adopting: whatever we start here, we stop when the command ends.
  managed = await startManagedContainerd({ dataDir: flags.dataDir, logger, adoptRunning: false });
  progress.succeed(`Started containerd in ${managed.startupMs} ms (stopped again when this command ends)`);
  const { client } = await connectCri(managed.endpoint);
  const m = managed;
  return {
    client,
    endpoint: m.endpoint,
    snapshotter: flags.snapshotter ?? m.snapshotter,
    close: async () => {
      client.close();
      await m.stop();
    },
  };
}

async function withRuntime(cmd: Command, fn: (rt: RuntimeSession, progress: Progress) => Promise<void>): Promise<void> {
  const flags = cmd.optsWithGlobals<ImageFlags>();
  const progress = terminalProgress(process.stderr);
  const logger = createLogger(flags.logLevel);
  let rt: RuntimeSession | undefined;
  try {
    rt = await openRuntime({ ...flags, dataDir: resolve(flags.dataDir) }, progress, logger);
    await fn(rt, progress);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await rt?.close();
  }
}

/** crictl's human sizes (decimal units). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[i]}`;
}

/** The `crictl images` table: IMAGE, TAG, IMAGE ID (13 characters), SIZE; one row per tag. */
export function formatImageTable(images: Image[]): string {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const tags = img.repoTags.length ? img.repoTags : ['<none>:<none>'];
    for (const t of tags) {
      const colon = t.lastIndexOf(':');
      const slash = t.lastIndexOf('/');
      const [repo, tag] = colon > slash ? [t.slice(0, colon), t.slice(colon + 1)] : [t, '<none>'];
      rows.push([repo, tag, id, humanSize(int64ToNumber(img.size))]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('')).join('\n') + '\n';
}

export function registerImageCommand(program: Command): void {
  const image = program
    .command('image')
    .description('manage the container images of the cri runtime (import, ls, rm, build-defaults)')
    .addOption(
      new Option('--data-dir <dir>', 'the data dir whose managed containerd to use')
        .env('COXSWAIN_DATA_DIR')
        .default(join(homedir(), '.coxswain'), '~/.coxswain'),
    )
    .addOption(new Option('--container-runtime-endpoint <url>', 'use this CRI runtime (unix:///…) instead of the managed containerd'))
    .addOption(new Option('--snapshotter <name>', 'snapshotter to unpack imported images with (default: the managed containerd\'s, else overlayfs)'))
    .addOption(new Option('--log-level <level>', 'log verbosity (JSON lines on stderr)').choices(['error', 'warn', 'info', 'debug']).default('warn'));

  image
    .command('import')
    .description('import image archives (docker-archive or OCI archive .tar)')
    .argument('<archive...>', 'tar files')
    .action(async (archives: string[], _opts: unknown, cmd: Command) => {
      await withRuntime(cmd, async (rt, progress) => {
        for (const a of archives) {
          progress.start(`Importing ${a}`);
          try {
            const names = await importImageArchive(resolve(a), { endpoint: rt.endpoint, snapshotter: rt.snapshotter });
            progress.succeed(`Imported ${names.join(', ')} from ${a}`);
          } catch (err) {
            progress.fail(`Importing ${a} failed`);
            throw err;
          }
        }
      });
    });

  image
    .command('ls')
    .alias('list')
    .description('list images, as crictl images')
    .option('-q, --quiet', 'only image ids')
    .action(async (opts: { quiet?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const images = await rt.client.listImages();
        process.stdout.write(opts.quiet ? images.map((i) => `${i.id}\n`).join('') : formatImageTable(images));
      });
    });

  image
    .command('rm')
    .alias('rmi')
    .description('remove images by reference or id')
    .argument('<ref...>', 'image references (busybox, docker.io/library/busybox:latest) or ids')
    .action(async (refs: string[], _opts: unknown, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        let missing = 0;
        for (const ref of refs) {
          // As crictl rmi: resolve first, since the CRI's RemoveImage succeeds for unknown images.
          const status = await rt.client.imageStatus({ image: ref });
          if (!status.image) {
            process.stderr.write(`error: no such image ${ref}\n`);
            missing++;
            continue;
          }
          await rt.client.removeImage({ image: status.image.id });
          process.stdout.write(`Deleted: ${status.image.repoTags.join(', ') || status.image.id}\n`);
        }
        if (missing) process.exitCode = 1;
      });
    });

  image
    .command('build-defaults')
    .description('build the pause and busybox images offline from busybox-static and import them')
    .option('--busybox <path>', 'the static busybox binary', '/bin/busybox')
    .action(async (opts: { busybox: string }, cmd: Command) => {
      const dataDir = resolve(cmd.optsWithGlobals<ImageFlags>().dataDir);
      await withRuntime(cmd, async (rt, progress) => {
        const installed = await installDefaultImages({
          endpoint: rt.endpoint,
          snapshotter: rt.snapshotter,
          archiveDir: join(dataDir, 'images'),
          busyboxPath: opts.busybox,
          onProgress: (step, name, done) => {
            if (!done) progress.start(`${step === 'build' ? 'Building' : 'Importing'} ${name}`);
            else progress.succeed(`${step === 'build' ? 'Built' : 'Imported'} ${name}`);
          },
        });
        for (const i of installed) process.stdout.write(`${i.name}\t${i.imageId}\t${i.archive}\n`);
      });
    });
}
