// A real containerd, managed by our code in a temp data dir: start, Version, offline images,
// and a raw CRI round trip (sandbox on the node's network, so no CNI is needed yet).
// Needs root and the Debian containerd packages; under CI=true it runs regardless (and fails
// loudly if they are missing), as DESIGN.md §7 asks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nullLogger } from '../../../src/logger.js';
import { connectCri, type CriClient } from '../../../src/kubelet/runtime/cri/client.js';
import type { PodSandboxConfig } from '../../../src/kubelet/runtime/cri/api-types.js';
import { DEFAULT_SANDBOX_IMAGE } from '../../../src/kubelet/runtime/cri/containerd-config.js';
import { findExecutable, startManagedContainerd, type ManagedContainerd } from '../../../src/kubelet/runtime/cri/containerd.js';
import { BUSYBOX_IMAGE, PAUSE_IMAGE } from '../../../src/kubelet/runtime/cri/images/default-images.js';
import { installDefaultImages } from '../../../src/kubelet/runtime/cri/images/install-defaults.js';
import { mountAt, STATE_TMPFS_SOURCE } from '../../../src/kubelet/runtime/cri/state-tmpfs.js';
import { eventually } from '../../helpers/eventually.js';

const skip = process.env.CI
  ? false
  : process.getuid?.() !== 0
    ? 'needs root (containerd and runc)'
    : !findExecutable('containerd') || !findExecutable('runc')
      ? 'containerd is not installed (apt-get install -y containerd runc containernetworking-plugins iptables)'
      : false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Live (non-zombie) processes whose command line mentions `needle` — containerd and its shims. */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

describe('managed containerd', { skip }, () => {
  let dataDir: string;
  let containerd: ManagedContainerd;
  let client: CriClient;
  const timings: Record<string, number> = {};

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'coxswain-cri-'));
    const t0 = Date.now();
    containerd = await startManagedContainerd({ dataDir, logger: nullLogger });
    timings.startContainerdMs = Date.now() - t0;
    client = (await connectCri(containerd.endpoint)).client;
  });

  after(async () => {
    client?.close();
    const pid = containerd?.pid;
    await containerd?.stop();
    if (pid !== undefined) assert.ok(!alive(pid), `containerd ${pid} still running`);
    // Nothing ran any more: its state tmpfs went with it.
    if (containerd) assert.equal(mountAt(containerd.paths.state), undefined);
    // Nothing of this instance is left: no containerd, no shim (shims name our socket).
    if (containerd) await eventually(() => processesMentioning(containerd.paths.socket).length === 0, 'no process left using our containerd');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.stderr.write(`# timings ${JSON.stringify(timings)}\n`);
  });

  it('writes its own config under the data dir and answers the CRI Version', async () => {
    assert.equal(containerd.endpoint, `unix://${join(dataDir, 'containerd', 'containerd.sock')}`);
    const config = readFileSync(join(dataDir, 'containerd', 'config.toml'), 'utf8');
    assert.match(config, /^version = 2$/m);
    assert.match(config, new RegExp(`^root = "${join(dataDir, 'containerd', 'root')}"$`, 'm'));
    assert.match(config, new RegExp(`^state = "${join(dataDir, 'containerd', 'state')}"$`, 'm'));
    assert.match(config, /^\s*restrict_oom_score_adj = true$/m);
    assert.match(config, /^\s*SystemdCgroup = false$/m);
    // State on a tmpfs of its own (as upstream's /run/containerd), runc's state under it.
    assert.match(config, new RegExp(`^\\s*Root = "${join(dataDir, 'containerd', 'state', 'runc')}"$`, 'm'));
    assert.deepEqual(mountAt(containerd.paths.state), { type: 'tmpfs', source: STATE_TMPFS_SOURCE });
    assert.match(config, /^\s*bin_dir = "\/usr\/lib\/cni"$/m);
    assert.match(config, new RegExp(`^\\s*sandbox_image = "${DEFAULT_SANDBOX_IMAGE}"$`, 'm'));
    assert.match(config, new RegExp(`^\\s*snapshotter = "${containerd.snapshotter}"$`, 'm'));
    assert.equal(containerd.state, 'running');
    assert.equal(readFileSync(containerd.paths.pidFile, 'utf8').trim(), String(containerd.pid));

    const v = await client.version();
    assert.equal(v.runtimeName, 'containerd');
    assert.equal(v.runtimeApiVersion, 'v1');
    const status = await client.status();
    const runtimeReady = status.status?.conditions.find((c) => c.type === 'RuntimeReady');
    assert.equal(runtimeReady?.status, true);
  });

  it('builds the default images offline and imports them where the CRI sees them', async () => {
    const t0 = Date.now();
    const installed = await installDefaultImages({ endpoint: containerd.endpoint, snapshotter: containerd.snapshotter, archiveDir: join(dataDir, 'images') });
    timings.buildAndImportImagesMs = Date.now() - t0;
    assert.deepEqual(installed.map((i) => i.name), [PAUSE_IMAGE, BUSYBOX_IMAGE]);

    const images = await client.listImages();
    const tags = images.flatMap((i) => i.repoTags).sort();
    assert.deepEqual(tags, [PAUSE_IMAGE, BUSYBOX_IMAGE].sort());
    // `busybox` and `busybox:latest` normalise to docker.io/library/busybox:latest, as in pod specs.
    for (const ref of ['busybox', 'busybox:latest', BUSYBOX_IMAGE]) {
      const st = await client.imageStatus({ image: ref });
      assert.equal(st.image?.id, installed[1]!.imageId, ref);
    }
  });

  it('runs a sandbox and a busybox container through the raw CRI and logs in the CRI format', async () => {
    const logDirectory = join(dataDir, 'pods', 'default_echo_uid-1');
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'echo', uid: 'uid-1', namespace: 'default', attempt: 0 },
      logDirectory,
      labels: { 'io.kubernetes.pod.name': 'echo' },
      // The node's network namespace: no CNI needed at this stage (and no hostname, which
      // runc refuses without a private UTS namespace).
      linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
    };
    const t0 = Date.now();
    const sandboxId = await client.runPodSandbox(sandboxConfig);
    timings.runPodSandboxMs = Date.now() - t0;
    try {
      const sb = await client.podSandboxStatus(sandboxId);
      assert.equal(sb.status?.state, 'SANDBOX_READY');
      assert.equal(sb.status?.metadata?.name, 'echo');

      const containerId = await client.createContainer(
        sandboxId,
        { metadata: { name: 'echo', attempt: 0 }, image: { image: 'busybox' }, command: ['echo', 'hello'], logPath: 'echo/0.log', labels: { 'io.kubernetes.container.name': 'echo' } },
        sandboxConfig,
      );
      await client.startContainer(containerId);
      const status = await eventually(
        async () => {
          const s = (await client.containerStatus(containerId)).status;
          return s?.state === 'CONTAINER_EXITED' ? s : undefined;
        },
        'the echo container to exit',
      );
      timings.sandboxAndContainerRoundTripMs = Date.now() - t0;
      assert.equal(status.exitCode, 0);
      assert.equal(status.reason, 'Completed');
      assert.equal(status.logPath, join(logDirectory, 'echo/0.log'));
      // Both set (containerd stamps startedAt after the start call returns, so for a command this
      // short finishedAt, taken from the exit event, may even come first).
      assert.ok(BigInt(status.startedAt) > 0n && BigInt(status.finishedAt) > 0n);
      // CRI log format: <RFC3339Nano> <stream> <P|F> <content>
      assert.match(readFileSync(status.logPath, 'utf8'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello\n$/);

      const listed = await client.listContainers({ podSandboxId: sandboxId });
      assert.deepEqual(listed.map((c) => c.id), [containerId]);
      await client.removeContainer(containerId);
      assert.deepEqual(await client.listContainers({ podSandboxId: sandboxId }), []);
    } finally {
      await client.stopPodSandbox(sandboxId);
      await client.removePodSandbox(sandboxId);
    }
    assert.deepEqual(await client.listPodSandbox({ id: sandboxId }), []);
  });

  it('lists and removes images through `coxswain image` against the running containerd', () => {
    const main = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
    const env = { ...process.env, CI: 'true' };
    const ls = spawnSync(process.execPath, [main, 'image', 'ls', '--data-dir', dataDir], { encoding: 'utf8', env });
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/m);
    assert.match(ls.stdout, /^docker\.io\/library\/busybox\s+latest\s+[0-9a-f]{13}\s+\S+$/m);
    // It used the running containerd rather than starting one.
    assert.doesNotMatch(ls.stderr, /Started containerd/);

    const missing = spawnSync(process.execPath, [main, 'image', 'rm', 'nope:1', '--data-dir', dataDir], { encoding: 'utf8', env });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no such image nope:1/);

    const rm = spawnSync(process.execPath, [main, 'image', 'rm', 'busybox', '--data-dir', dataDir], { encoding: 'utf8', env });
    assert.equal(rm.status, 0, rm.stderr);
    assert.match(rm.stdout, /^Deleted: docker\.io\/library\/busybox:latest$/m);
    const imp = spawnSync(process.execPath, [main, 'image', 'import', join(dataDir, 'images', 'busybox.oci.tar'), '--data-dir', dataDir], { encoding: 'utf8', env });
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stderr, /Imported docker\.io\/library\/busybox:latest/);
  });

  it('restarts containerd when it dies, and answers again', async () => {
    const first = containerd.pid!;
    process.kill(first, 'SIGKILL');
    const second = await eventually(() => (containerd.state === 'running' && containerd.pid !== first ? containerd.pid : undefined), 'containerd to be restarted', {
      timeoutMs: 15_000,
    });
    assert.ok(!alive(first));
    assert.ok(alive(second));
    await eventually(async () => (await client.version({ timeoutMs: 1_000 })).runtimeApiVersion === 'v1', 'the CRI to answer again');
  });
});

describe('managed containerd start-up errors', { skip }, () => {
  it('adopts the containerd an earlier start left running on the same data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-cri-'));
    const first = await startManagedContainerd({ dataDir, logger: nullLogger });
    try {
      const second = await startManagedContainerd({ dataDir, logger: nullLogger });
      assert.equal(second.pid, first.pid);
      assert.equal(second.startupMs, 0);
      await second.stop();
      assert.ok(!alive(first.pid!));
    } finally {
      await first.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.equal(existsSync(join(dataDir, 'containerd', 'containerd.pid')), false);
  });
});
