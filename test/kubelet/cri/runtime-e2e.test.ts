// The cri runtime end to end, as a user meets it (root, Debian containerd/runc/CNI plugins):
// `coxswain up --runtime cri` with its managed containerd, the offline images imported, then
// the real kubectl: a busybox pod in its own PID/UTS/network namespaces with a pod IP from
// 10.42.0.0/24, two pods talking by pod IP, an OOMKilled container, logs, exec exit codes,
// port-forward; the safety routes hold on the host (checked with `ip route get`, nothing
// sent); after a stop, `coxswain reset` leaves no interface, route, chain or cgroup.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCoxswain, type RunningCoxswain } from '../../e2e/coxswain-process.js';
import { kubectl, type Kubectl } from '../../e2e/kubectl-runner.js';
import { acquireCriHostLock } from '../../e2e/cri-host-lock.js';
import { eventually } from '../../helpers/eventually.js';
import { installDefaultImages } from '../../../src/kubelet/runtime/cri/images/install-defaults.js';
import { managedContainerdPaths } from '../../../src/kubelet/runtime/cri/containerd-config.js';
import { managedSnapshotter } from '../../../src/kubelet/runtime/cri/images/import.js';
import { hostNet, linkExists, routeDevice } from '../../../src/kubelet/runtime/cri/network/host-commands.js';
import { runReset } from '../../../src/cli/reset.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

function podSpec(name: string, containers: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers, ...extra } });
}

describe('cri runtime end to end', { timeout: 240_000 }, () => {
  let dir: string;
  let cox: RunningCoxswain | undefined;
  let k: Kubectl;
  let release: (() => Promise<void>) | undefined;
  const host = hostNet();

  const waitPhase = (pod: string, jsonpath: string, want: (v: string) => boolean, timeoutMs = 30_000) =>
    eventually(async () => {
      const v = await k.ok(['get', 'pod', pod, '-o', `jsonpath=${jsonpath}`]);
      return want(v) ? v : undefined;
    }, `${pod} ${jsonpath}`, { timeoutMs, intervalMs: 200 });

  const apply = async (name: string, manifest: string) => {
    const file = path.join(dir, `${name}.json`);
    await writeFile(file, manifest);
    await k.ok(['apply', '-f', file]);
  };

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'the cri runtime needs root');
    for (const bin of ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/lib/cni/bridge', '/bin/busybox']) {
      assert.ok(existsSync(bin) || existsSync(bin.replace('/usr/sbin/', '/usr/bin/')), `${bin} missing: apt-get install -y containerd runc containernetworking-plugins iptables busybox-static`);
    }
    // The host's bridge, routes and cgroups are shared with the other cri suites: one at a time.
    release = await acquireCriHostLock();
    dir = await mkdtemp(path.join(tmpdir(), 'cx-cri-'));
    const dataDir = path.join(dir, 'data');
    cox = await startCoxswain(dataDir, { kubelet: true, args: ['--runtime', 'cri'], timeoutMs: 90_000 });
    const paths = managedContainerdPaths(dataDir);
    await installDefaultImages({ archiveDir: path.join(dir, 'images'), endpoint: `unix://${paths.socket}`, snapshotter: managedSnapshotter(paths.dir) });
    k = kubectl(KUBECTL, cox.kubeconfigPath, path.join(dir, 'kube-cache'));
    await eventually(async () => (await k.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}'])) === 'True',
      'node Ready', { timeoutMs: 30_000, intervalMs: 200 });
  });

  after(async () => {
    if (cox) await cox.stop();
    if (dir) {
      await runReset({ dataDir: path.join(dir, 'data') }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    await release?.();
  });

  it('runs busybox in its own namespaces with a pod IP', async () => {
    await k.ok(['run', 'bb', '--image=busybox', '--', 'sleep', '3600']);
    await waitPhase('bb', '{.status.phase}', (v) => v === 'Running');
    const ip = await k.ok(['get', 'pod', 'bb', '-o', 'jsonpath={.status.podIP}']);
    assert.match(ip, /^10\.42\.0\.\d+$/);
    assert.equal((await k.ok(['exec', 'bb', '--', 'hostname'])).trim(), 'bb');
    const ps = (await k.ok(['exec', 'bb', '--', 'ps', '-o', 'pid,comm'])).trim().split('\n').slice(1).map((l) => l.trim());
    // PID 1 is the container's own command, and nothing of the host is visible.
    assert.match(ps[0]!, /^1 sleep$/);
    assert.ok(ps.length <= 3, ps.join('\n'));
    assert.match(await k.ok(['exec', 'bb', '--', 'cat', '/etc/hosts']), new RegExp(`${ip.replace(/\./g, '\\.')}\\tbb`));
    const hostNs = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).trim();
    assert.notEqual((await k.ok(['exec', 'bb', '--', 'readlink', '/proc/self/ns/net'])).trim(), hostNs);
    const exit = await k.run(['exec', 'bb', '--', 'sh', '-c', 'exit 3']);
    assert.equal(exit.code, 3);
  });

  it('lets two pods reach each other by pod IP; logs and port-forward work', async () => {
    const manifest = podSpec('web', [{ name: 'web', image: 'busybox', command: ['sh', '-c', 'echo started-web; mkdir -p /w; echo from-web > /w/index.html; exec httpd -f -p 8080 -h /w'] }]);
    await apply('web', manifest);
    const webIp = await waitPhase('web', '{.status.podIP}', (v) => /^10\.42\.0\.\d+$/.test(v));
    await waitPhase('web', '{.status.phase}', (v) => v === 'Running');
    const body = await eventually(async () => (await k.run(['exec', 'bb', '--', 'wget', '-qO-', `http://${webIp}:8080/`])).stdout.trim(),
      'wget from bb to web', { timeoutMs: 15_000, intervalMs: 300 });
    assert.equal(body, 'from-web');
    assert.match(await k.ok(['logs', 'web']), /started-web/);

    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const pf = spawn(KUBECTL, ['--kubeconfig', cox!.kubeconfigPath, 'port-forward', 'pod/web', `${port}:8080`], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const got = await eventually(() => new Promise<string>((resolve, reject) => {
        http.get(`http://127.0.0.1:${port}/`, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      }), 'port-forward', { timeoutMs: 15_000, intervalMs: 300 });
      assert.equal(got.trim(), 'from-web');
    } finally {
      pf.kill('SIGTERM');
    }
  });

  it('ends a container over its memory limit OOMKilled', async () => {
    await apply('hog', podSpec('hog', [{
      name: 'hog', image: 'busybox', command: ['sh', '-c', 'x=a; while true; do x=$x$x; done'], resources: { limits: { memory: '20Mi' } },
    }], { restartPolicy: 'Never' }));
    const reason = await waitPhase('hog', '{.status.containerStatuses[0].state.terminated.reason}', (v) => v !== '', 60_000);
    assert.equal(reason, 'OOMKilled');
    assert.equal(await k.ok(['get', 'pod', 'hog', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}']), '137');
  });

  it('routes the pod and service ranges to the dummy interface on the host (nothing sent)', async () => {
    assert.equal(await routeDevice(host, '10.42.200.1'), 'coxswain0');
    assert.equal(await routeDevice(host, '10.43.5.5'), 'coxswain0');
    assert.equal(await routeDevice(host, '10.42.0.77'), 'cni0');
  });

  it('stops, then reset leaves no interface, route, CNI chain or cgroup', async () => {
    assert.equal(await cox!.stop(), 0);
    cox = undefined;
    const removed = await runReset({ dataDir: path.join(dir, 'data') });
    assert.ok(removed.includes('interface coxswain0'), removed.join('\n'));
    assert.equal(await linkExists(host, 'coxswain0'), false);
    assert.equal(await linkExists(host, 'cni0'), false);
    assert.doesNotMatch(execFileSync('ip', ['route'], { encoding: 'utf8' }), /10\.4[23]\./);
    const save = execFileSync('iptables-save', { encoding: 'utf8' });
    assert.doesNotMatch(save, /name: \\"coxswain\\"/);
    // The service proxy's chains (as `kube-proxy --cleanup`) and our one masquerade rule.
    assert.doesNotMatch(save, /KUBE-SERVICES|KUBE-POSTROUTING|coxswain: masquerade/);
    assert.equal(existsSync('/sys/fs/cgroup/memory/coxswain') || existsSync('/sys/fs/cgroup/coxswain'), false);
    assert.equal(existsSync(path.join(dir, 'data', 'containerd')), false);
    // Nor a mount under the data dir (containerd's state tmpfs, sandbox shm, netns, rootfs).
    assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${path.join(dir, 'data')}/`));
  });
});
