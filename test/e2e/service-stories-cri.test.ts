// Issue 8's Service stories on `coxswain up --runtime cri`: real pods with their own
// addresses on the cni0 bridge, the iptables proxier, and cluster DNS reached from pods at
// the kube-dns ClusterIP. Driven by the real kubectl; requests come from a client pod (over
// `kubectl exec`) or, for the NodePort, from the host to an address of this machine.
//  - a Deployment of 3 busybox httpd replicas behind a ClusterIP Service: 300 requests reach
//    all three; sessionAffinity ClientIP pins one;
//  - NodePort answers on the node's address;
//  - DNS: `web.default.svc.cluster.local`, `web` (search path), a headless Service's pod IPs,
//    a StatefulSet pod as `web-0.web`; the pod's resolv.conf is ClusterFirst's;
//  - nothing for the service range leaves the machine when a Service has no rule (a route
//    check; no packet is sent off-host).
// Needs root and the Debian packages; under CI=true it runs, never skips.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCoxswain, type RunningCoxswain, removeClusterTmp } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { acquireCriHostLock } from './cri-host-lock.js';
import { criUnavailable, KUBECTL } from './kubelet-stories.js';
import { eventually } from '../helpers/eventually.js';
import { installDefaultImages } from '../../src/kubelet/runtime/cri/images/install-defaults.js';
import { managedContainerdPaths } from '../../src/kubelet/runtime/cri/containerd-config.js';
import { managedSnapshotter } from '../../src/kubelet/runtime/cri/images/import.js';
import { runReset } from '../../src/cli/reset.js';
import { defaultNodeIP } from '../../src/kubelet/machine-info.js';

const run = promisify(execFile);

/** busybox httpd answering with its pod's hostname. */
const webContainer = {
  name: 'web',
  image: 'busybox',
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
  ports: [{ name: 'http', containerPort: 8080 }],
  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
};

function service(name: string, spec: Record<string, unknown>, namespace = 'default') {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }], ...spec } };
}

/** GET on a fresh connection each time. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The addresses nslookup printed for `name` (the search-path expansion that answered). */
function searchPathAnswer(out: string, name: string): string[] {
  const block = out.split(/\n\s*\n/).find((b) => b.includes(`Name:\t${name}`)) ?? '';
  return [...block.matchAll(/Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}

function count(lines: string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const l of lines) seen.set(l, (seen.get(l) ?? 0) + 1);
  return seen;
}

/** `nslookup` answers' addresses (busybox prints the server first, then "Name:/Address:" pairs). */
function answerAddresses(out: string): string[] {
  const answers = out.split(/\n\s*\n/).slice(1).join('\n');
  return [...answers.matchAll(/Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}

describe('Services on the cri runtime (iptables proxy, cluster DNS)', { skip: criUnavailable(), timeout: 180_000 }, () => {
  let tmp: string;
  let dataDir: string;
  let cluster: RunningCoxswain | undefined;
  let k: Kubectl;
  let release: (() => Promise<void>) | undefined;
  let webPods: { name: string; ip: string }[] = [];

  const apply = async (name: string, ...objects: unknown[]) => {
    const file = join(tmp, `${name}.json`);
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    await k.ok(['apply', '-f', file]);
  };
  const clusterIP = async (name: string, ns = 'default') => k.ok(['get', 'service', name, '-n', ns, '-o', 'jsonpath={.spec.clusterIP}']);
  const exec = async (pod: string, script: string, ns = 'default') => k.ok(['exec', '-n', ns, pod, '--', 'sh', '-c', script]);

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'the cri runtime needs root');
    for (const p of ['/usr/bin/containerd', '/usr/lib/cni/bridge', '/bin/busybox']) {
      assert.ok(existsSync(p), `${p} missing: apt-get install -y containerd runc containernetworking-plugins iptables busybox-static`);
    }
    release = await acquireCriHostLock();
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-svc-cri-'));
    dataDir = join(tmp, 'data');
    try {
      cluster = await startCoxswain(dataDir, { kubelet: true, dns: true, args: ['--runtime', 'cri', '--no-ingress'], timeoutMs: 90_000 });
      const paths = managedContainerdPaths(dataDir);
      await installDefaultImages({ archiveDir: join(tmp, 'images'), endpoint: `unix://${paths.socket}`, snapshotter: managedSnapshotter(paths.dir) });
    } catch (err) {
      await cluster?.stop();
      await runReset({ dataDir }).catch(() => undefined);
      await release();
      throw err;
    }
    k = kubectl(KUBECTL, cluster.kubeconfigPath, join(tmp, 'cache'));
    await eventually(async () => ((await k.run(['get', 'serviceaccount', 'default'])).code === 0 ? true : undefined), 'the default ServiceAccount', { timeoutMs: 20_000 });

    const labels = { app: 'web' };
    await apply('workloads',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [webContainer], terminationGracePeriodSeconds: 1 } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 1 } },
      service('web', {}),
      service('web-sticky', { sessionAffinity: 'ClientIP' }),
      service('web-np', { type: 'NodePort' }),
      // A Service no pod backs: no DNAT rule, only the REJECT of upstream's "has no endpoints".
      { ...service('nothing', {}), spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'db' } },
      { ...service('web', { clusterIP: 'None' }, 'db') },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'db' }, spec: { serviceName: 'web', replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [webContainer], terminationGracePeriodSeconds: 1 } } } },
    );
    await k.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '--timeout=90s']);
    await k.ok(['wait', '--for=condition=Ready', 'pod', 'client', '--timeout=60s']);
    await eventually(async () => ((await k.run(['get', 'pod', 'web-0', '-n', 'db'])).code === 0 ? true : undefined), 'web-0 created', { timeoutMs: 30_000 });
    await k.ok(['wait', '--for=condition=Ready', 'pod', 'web-0', '-n', 'db', '--timeout=60s']);
    const out = await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{"\\n"}{end}']);
    webPods = out.trim().split('\n').map((l) => { const [name, ip] = l.split(' '); return { name: name!, ip: ip! }; });
    assert.equal(webPods.length, 3);
    // The proxy has the three endpoints once the EndpointSlice lists them ready.
    await eventually(async () => {
      const ips = await k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}']);
      return ips.trim().split(/\s+/).filter(Boolean).length === 3 ? true : undefined;
    }, 'three ready endpoints', { timeoutMs: 20_000 });
  });

  after(async () => {
    await k?.run(['delete', 'namespace', 'db', '--wait=false']).catch(() => undefined);
    await k?.run(['delete', 'deployments,statefulsets,pods', '--all', '--grace-period=0', '--force']).catch(() => undefined);
    const code = await cluster?.stop();
    await runReset({ dataDir }).catch(() => undefined);
    await removeClusterTmp(tmp);
    await release?.();
    assert.equal(code, 0, 'coxswain up exits cleanly');
  });

  it('gives pods the cluster DNS resolv.conf (ClusterFirst)', async () => {
    const resolv = await exec('client', 'cat /etc/resolv.conf');
    assert.match(resolv, /^nameserver 10\.43\.0\.10$/m);
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    assert.match(resolv, /^options ndots:5$/m);
    assert.equal(await clusterIP('kube-dns', 'kube-system'), '10.43.0.10');
  });

  it('spreads 300 requests from a pod over all three replicas', async () => {
    const out = await exec('client', 'for i in $(seq 300); do wget -qO- http://web:8080/ || echo FAILED; done');
    const seen = count(out.trim().split('\n'));
    assert.deepEqual([...seen.keys()].sort(), webPods.map((p) => p.name).sort(), JSON.stringify([...seen]));
    // Random balancing: each of three gets far more than a handful of 300.
    for (const [who, n] of seen) assert.ok(n >= 30, `${who} got only ${n} of 300`);
  });

  it('pins a client to one replica with sessionAffinity ClientIP', async () => {
    const out = await exec('client', 'for i in $(seq 30); do wget -qO- http://web-sticky:8080/ || echo FAILED; done');
    const seen = count(out.trim().split('\n'));
    assert.equal(seen.size, 1, JSON.stringify([...seen]));
    assert.ok(webPods.some((p) => seen.has(p.name)));
  });

  it('answers a NodePort on the node address', async () => {
    const nodePort = Number(await k.ok(['get', 'service', 'web-np', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
    // Only an address of this machine (the kernel delivers it locally; nothing goes out).
    const nodeIP = defaultNodeIP();
    const local = (await run('ip', ['-4', '-o', 'addr', 'show'])).stdout;
    assert.ok(local.includes(` ${nodeIP}/`), `${nodeIP} is not an address of this machine`);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await get(`http://${nodeIP}:${nodePort}/`));
    for (const who of seen) assert.ok(webPods.some((p) => p.name === who), `unexpected answer ${who}`);
    assert.ok(seen.size >= 2, `30 NodePort requests all went to ${[...seen].join(',')}`);
    // And from a pod, at the cni0 gateway address (also the node's).
    const gw = (await exec('client', "ip route | awk '/default/ {print $3}'")).trim();
    assert.match(await exec('client', `wget -qO- http://${gw}:${nodePort}/`), /^web-/);
  });

  it('resolves Service names from a pod: FQDN, search path, headless, StatefulSet pod', async () => {
    const webIP = await clusterIP('web');
    assert.deepEqual(answerAddresses(await exec('client', 'nslookup web.default.svc.cluster.local')), [webIP]);
    // Through the search path: busybox's nslookup tries every search domain (and exits 1 for
    // the ones that do not exist); the first, <ns>.svc.cluster.local, answers.
    assert.deepEqual(searchPathAnswer((await k.run(['exec', 'client', '--', 'nslookup', 'web'])).stdout, 'web.default.svc.cluster.local'), [webIP]);
    const statefulIP = await k.ok(['get', 'pod', 'web-0', '-n', 'db', '-o', 'jsonpath={.status.podIP}']);
    // Headless: the ready pods' IPs.
    assert.deepEqual(answerAddresses(await exec('client', 'nslookup web.db.svc.cluster.local')), [statefulIP]);
    // A StatefulSet pod by hostname.subdomain: its record, and the short name from its
    // namespace's search path. busybox's nslookup expands only dot-free names, so the short
    // one goes through the C library's resolver (ndots:5 applies), as an application's would.
    assert.deepEqual(answerAddresses(await exec('client', 'nslookup web-0.web.db.svc.cluster.local')), [statefulIP]);
    assert.equal((await exec('web-0', 'wget -qO- http://web-0.web:8080/', 'db')).trim(), 'web-0');
    // Unknown cluster names are NXDOMAIN, not forwarded.
    const missing = await k.run(['exec', 'client', '--', 'nslookup', 'missing.default.svc.cluster.local']);
    assert.match(missing.stdout + missing.stderr, /NXDOMAIN|can't find/);
  });

  it('keeps service-range traffic without a rule on the machine (route check only)', async () => {
    const ip = await clusterIP('nothing');
    // A ClusterIP no rule DNATs, and an address no Service has: both routed to the coxswain0 sink.
    for (const addr of [ip, '10.43.255.254', '10.42.200.1']) {
      const route = (await run('ip', ['route', 'get', addr])).stdout;
      assert.match(route, /\bdev coxswain0\b/, `${addr}: ${route}`);
    }
    // From a pod, a Service without endpoints is refused (upstream's REJECT), not sent anywhere.
    const r = await k.run(['exec', 'client', '--', 'nc', '-w', '3', ip, '80']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /refused|unreachable/i);
  });

  it('reaches the API server from a pod through the kubernetes Service', async () => {
    // The Service's endpoint is the node-local link address, relayed to the loopback server.
    assert.equal(await clusterIP('kubernetes'), '10.43.0.1');
    assert.match(await k.ok(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[0].addresses[0].ip}']), /^169\.254\.20\.10$/);
    // busybox's TLS client cannot check the P-256 certificate, so the pod proves the path
    // (DNS, DNAT, relay) with a TCP connection; the host speaks TLS through the same relay.
    await exec('client', 'echo | nc -w 3 kubernetes.default.svc 443 >/dev/null');
    const port = (await k.ok(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[0].ports[0].port}'])).trim();
    const token = (await k.ok(['create', 'token', 'default'])).trim();
    const caFile = join(tmp, 'ca.pem');
    await writeFile(caFile, cluster!.caPem);
    const version = await run('curl', ['-s', '--cacert', caFile, '--connect-to', `kubernetes.default.svc:443:169.254.20.10:${port}`,
      '-H', `Authorization: Bearer ${token}`, 'https://kubernetes.default.svc/version']);
    assert.match(version.stdout, /"gitVersion":"v1\.30\.0\+coxswain"/);
  });
});
