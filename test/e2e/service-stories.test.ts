// Issue 8's Service stories on `coxswain up` with the process runtime and the userspace proxy,
// driven by the real kubectl: a Deployment of 3 replicas behind a ClusterIP Service is
// balanced over all of them, ClientIP affinity pins a client, a replica that fails readiness
// stops getting traffic, and NodePort and LoadBalancer Services answer on the node address.
// Everything is on loopback: pods have 127.42.x.y addresses, Services 127.43.x.y.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoxswain, type RunningCoxswain, removeClusterTmp } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/net.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';

const run = promisify(execFile);

/** A request to the ingress controller on loopback, for a host name (SNI too, over HTTPS). */
function ingressGet(base: string, host: string, path: string): Promise<{ status: number; body: string; cert?: string }> {
  const url = new URL(path, base);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers: { host }, servername: host, rejectUnauthorized: false, agent: false, timeout: 3000 }, (res) => {
      const peer = 'getPeerCertificate' in res.socket ? (res.socket as import('node:tls').TLSSocket).getPeerCertificate() : undefined;
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim(), cert: peer?.subject?.CN as string | undefined }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** GET on a fresh connection each time, so the proxy picks a backend per request. */
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

async function countBackends(url: string, requests: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < requests; i++) {
    const who = await get(url);
    seen.set(who, (seen.get(who) ?? 0) + 1);
  }
  return seen;
}

describe('Services on the process runtime (userspace proxy)', () => {
  let dir: string;
  let www: string;
  let cluster: RunningCoxswain;
  let k: Kubectl;

  const apply = async (name: string, manifest: unknown) => {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(manifest));
    await k.ok(['apply', '-f', file]);
  };
  const jsonpath = (args: string[], path: string) => k.ok(['get', ...args, '-o', `jsonpath=${path}`]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coxswain-svc-'));
    www = join(dir, 'www');
    cluster = await startCoxswain(join(dir, 'data'), { kubelet: true, dns: true });
    k = kubectl(KUBECTL, cluster.kubeconfigPath, join(dir, 'kube-cache'));
    // Each replica serves its name from a host directory of its own (process-mode pods share
    // the host's file system) and binds its own pod address, so all three share port 8080.
    await apply('web', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{
              name: 'web',
              image: 'busybox',
              command: ['sh', '-c', `d=${www}/$HOSTNAME; mkdir -p $d/api && echo api-$HOSTNAME > $d/api/index.html; mkdir -p $d && echo $HOSTNAME > $d/index.html && echo ok > $d/ready.html && exec httpd -f -p $(POD_IP):8080 -h $d`],
              env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready.html', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
            }],
          },
        },
      },
    });
    await apply('web-svc', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 'http' }] },
    });
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  });

  after(async () => {
    await cluster?.stop();
    await removeClusterTmp(dir);
  });

  it('gives each replica its own loopback pod IP and the Service a ClusterIP from 127.43.0.0/16', async () => {
    const ips = (await jsonpath(['pods', '-l', 'app=web'], '{.items[*].status.podIP}')).split(' ');
    assert.equal(new Set(ips).size, 3, `pod IPs: ${ips.join(', ')}`);
    for (const ip of ips) assert.match(ip, /^127\.42\.\d+\.\d+$/);
    assert.match(await jsonpath(['service', 'web'], '{.spec.clusterIP}'), /^127\.43\.\d+\.\d+$/);
    assert.equal(await jsonpath(['service', 'kubernetes'], '{.spec.clusterIP}'), '127.43.0.1');
  });

  it('balances 300 requests to the ClusterIP over all three replicas, then pins a client with ClientIP affinity', async () => {
    const ip = await jsonpath(['service', 'web'], '{.spec.clusterIP}');
    const pods = (await jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(' ').sort();
    // The proxy programs the Service once its endpoints are ready.
    await eventually(() => get(`http://${ip}:8080/`), 'the ClusterIP answers', { timeoutMs: 15_000 });
    const seen = await countBackends(`http://${ip}:8080/`, 300);
    assert.deepEqual([...seen.keys()].sort(), pods);
    for (const [pod, n] of seen) assert.ok(n >= 50, `${pod} got only ${n} of 300`);

    await k.ok(['patch', 'service', 'web', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    await eventually(async () => (await countBackends(`http://${ip}:8080/`, 30)).size, 'affinity pins one backend', {
      timeoutMs: 10_000, accept: (n) => n === 1,
    });
    await k.ok(['patch', 'service', 'web', '-p', '{"spec":{"sessionAffinity":"None"}}']);
  });

  it('stops sending traffic to a replica that fails its readiness probe', async () => {
    const ip = await jsonpath(['service', 'web'], '{.spec.clusterIP}');
    const victim = (await jsonpath(['pods', '-l', 'app=web'], '{.items[0].metadata.name}')).trim();
    await rm(join(www, victim, 'ready.html'));
    await eventually(() => jsonpath(['pod', victim], '{.status.conditions[?(@.type=="Ready")].status}'), `${victim} turns unready`, {
      timeoutMs: 10_000, accept: (s) => s === 'False',
    });
    await eventually(async () => countBackends(`http://${ip}:8080/`, 60), `no traffic reaches ${victim}`, {
      timeoutMs: 10_000, accept: (seen) => !!seen && !seen.has(victim) && seen.size === 2,
    });
    await writeFile(join(www, victim, 'ready.html'), 'ok\n');
  });

  it('answers a NodePort Service and a LoadBalancer Service on the node address', async () => {
    const lbPort = await freePort();
    await apply('web-lb', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-lb' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: lbPort, targetPort: 'http' }] },
    });
    const nodePort = Number(await jsonpath(['service', 'web-lb'], '{.spec.ports[0].nodePort}'));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    const ingress = await eventually(() => jsonpath(['service', 'web-lb'], '{.status.loadBalancer.ingress[0].ip}'), 'load balancer ingress', {
      timeoutMs: 10_000, accept: (s) => s !== '',
    });
    assert.equal(ingress, '127.0.0.1');
    const table = await k.ok(['get', 'service', 'web-lb']);
    assert.match(table, new RegExp(`web-lb\\s+LoadBalancer\\s+127\\.43\\.\\S+\\s+127\\.0\\.0\\.1\\s+${lbPort}:${nodePort}/TCP`));
    const pods = new Set((await jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(' '));
    const viaNodePort = await eventually(() => get(`http://127.0.0.1:${nodePort}/`), 'the NodePort answers', { timeoutMs: 10_000 });
    assert.ok(pods.has(viaNodePort), `NodePort reached ${viaNodePort}`);
    const viaLb = await eventually(() => get(`http://127.0.0.1:${lbPort}/`), 'the load balancer answers', { timeoutMs: 10_000 });
    assert.ok(pods.has(viaLb), `load balancer reached ${viaLb}`);

    // Back to ClusterIP: the node ports close and the allocation is released.
    await k.ok(['patch', 'service', 'web-lb', '-p', '{"spec":{"type":"ClusterIP"}}']);
    await eventually(() => get(`http://127.0.0.1:${nodePort}/`).then(() => 'open', () => 'closed'), 'the NodePort closes', {
      timeoutMs: 10_000, accept: (s) => s === 'closed',
    });
    assert.equal(await jsonpath(['service', 'web-lb'], '{.spec.ports[0].nodePort}'), '');
  });

  it('routes an Ingress with two hosts and two paths to two Services, with HTTPS chosen by SNI', async () => {
    const out = cluster.output().stdout;
    const httpBase = /Ingress: (http:\/\/\S+?),/.exec(out)?.[1];
    const httpsBase = /Ingress: .*(https:\/\/\S+)/.exec(out)?.[1];
    assert.ok(httpBase && httpsBase, `ingress addresses in: ${out}`);
    await apply('web-b', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-b' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 8080 }] },
    });
    // A certificate for a.example, from a Secret made by kubectl as a user would.
    const key = join(dir, 'a.key');
    const crt = join(dir, 'a.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=a.example', '-addext', 'subjectAltName=DNS:a.example', '-keyout', key, '-out', crt]);
    await k.ok(['create', 'secret', 'tls', 'a-tls', '--cert', crt, '--key', key]);
    await apply('ingress', {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'two-hosts' },
      spec: {
        tls: [{ hosts: ['a.example'], secretName: 'a-tls' }],
        rules: [
          { host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } }] } },
          {
            host: 'b.example',
            http: {
              paths: [
                { path: '/api', pathType: 'Prefix', backend: { service: { name: 'web-b', port: { name: 'web' } } } },
                { path: '/exact', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 8080 } } } },
              ],
            },
          },
        ],
      },
    });
    const pods = new Set((await jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(' '));
    const a = await eventually(() => ingressGet(httpBase!, 'a.example', '/'), 'a.example routed', { timeoutMs: 10_000, accept: (r) => !!r && r.status === 200 });
    assert.ok(pods.has(a.body), `a.example / reached ${a.body}`);
    const api = await ingressGet(httpBase!, 'b.example', '/api/');
    assert.equal(api.status, 200, `b.example /api/ answered ${api.body}`);
    assert.match(api.body, /^api-web-/);
    assert.equal((await ingressGet(httpBase!, 'b.example', '/exact/more')).status, 404);
    assert.equal((await ingressGet(httpBase!, 'c.example', '/')).status, 404);
    const secure = await ingressGet(httpsBase!, 'a.example', '/');
    assert.equal(secure.status, 200);
    assert.equal(secure.cert, 'a.example');
    await eventually(() => jsonpath(['ingress', 'two-hosts'], '{.status.loadBalancer.ingress[0].ip}'), 'ingress status', {
      timeoutMs: 10_000, accept: (ip) => ip === '127.0.0.1',
    });
    assert.match(await k.ok(['get', 'ingressclass']), /coxswain\s+\S+/);
  });

  it('resolves Services, headless Services and StatefulSet pods through the kube-dns Service', async () => {
    // Port 53 of the kube-dns ClusterIP needs root; CI runs as root, so this never skips there.
    if (process.getuid?.() !== 0 && !process.env['CI']) return;
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([await jsonpath(['service', 'kube-dns', '-n', 'kube-system'], '{.spec.clusterIP}')]);
    assert.equal(await jsonpath(['service', 'kube-dns', '-n', 'kube-system'], '{.spec.clusterIP}'), '127.43.0.10');
    const clusterIP = await jsonpath(['service', 'web'], '{.spec.clusterIP}');
    assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), [clusterIP]);
    assert.deepEqual(await resolver.resolve4('kubernetes.default.svc.cluster.local'), ['127.43.0.1']);
    await assert.rejects(resolver.resolve4('nothing.default.svc.cluster.local'), { code: 'ENOTFOUND' });

    await apply('web-headless', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless' },
      spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] },
    });
    const podIPs = (await jsonpath(['pods', '-l', 'app=web'], '{.items[*].status.podIP}')).split(' ').sort();
    const headless = await eventually(async () => (await resolver.resolve4('web-headless.default.svc.cluster.local')).sort(), 'headless answers', {
      timeoutMs: 10_000, accept: (ips) => !!ips && ips.length === 3,
    });
    assert.deepEqual(headless, podIPs);
    const srv = await resolver.resolveSrv('_http._tcp.web-headless.default.svc.cluster.local');
    assert.equal(srv.length, 3);
    assert.ok(srv.every((r) => r.port === 8080), JSON.stringify(srv));

    await apply('db', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
    });
    await apply('db-sts', {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
      spec: {
        serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'busybox', command: ['sleep', '3600'] }] } },
      },
    });
    await k.ok(['rollout', 'status', 'statefulset/db', '--timeout=60s']);
    const dbIP = await jsonpath(['pod', 'db-0'], '{.status.podIP}');
    const byName = await eventually(() => resolver.resolve4('db-0.db.default.svc.cluster.local'), 'db-0.db resolves', { timeoutMs: 10_000 });
    assert.deepEqual(byName, [dbIP]);
  });
});
