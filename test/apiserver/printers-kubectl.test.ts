// Real kubectl (1.27 and 1.33) against the API server: `get` shows upstream's columns and
// cells, with -o wide, --show-labels, several kinds at once, and -w.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

const run = promisify(execFile);
const KUBECTLS = ['1.27', '1.33'].map((v) => `/usr/lib/google-cloud-sdk/bin/kubectl.${v}`).filter((p) => existsSync(p));
const env = { ...process.env, KUBECONFIG: '/dev/null' };

/** A table printed by kubectl as rows of cells (columns are separated by two or more spaces). */
function table(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => line.trim().split(/\s{2,}/));
}

/** Ages are whatever a few seconds make them; this compares them by shape. */
const AGE = /^\d+s$/;
function assertRow(actual: string[] | undefined, expected: (string | RegExp)[]): void {
  assert.ok(actual, 'row missing');
  assert.equal(actual.length, expected.length, `cells ${JSON.stringify(actual)}`);
  expected.forEach((e, i) => {
    if (e instanceof RegExp) assert.match(actual[i]!, e, `cell ${i} of ${JSON.stringify(actual)}`);
    else assert.equal(actual[i], e, `cell ${i} of ${JSON.stringify(actual)}`);
  });
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('kubectl get renders upstream tables', { skip: KUBECTLS.length === 0 ? 'no kubectl binaries' : false }, () => {
  let t: TestServer;

  async function create(path: string, obj: Record<string, any>, status?: Record<string, any>): Promise<void> {
    const r = await t.request('POST', path, obj);
    assert.equal(r.status, 201, r.text);
    if (status) {
      const name = r.json.metadata.name;
      const s = await t.request('PUT', `${path}/${name}/status`, { ...r.json, status });
      assert.equal(s.status, 200, s.text);
    }
  }

  before(async () => {
    t = await startTestServer();
    const started = now();
    await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
      spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx' }] },
    }, {
      phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'app', ready: true, started: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: started } } }],
    });
    await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crashy' },
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'app', image: 'busybox' }] },
    }, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: started } } }],
    });
    await create('/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    });
    await create('/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { type: 'NodePort', clusterIP: '10.43.0.20', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] },
    });
    await create('/api/v1/nodes', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    }, {
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: started, lastTransitionTime: started, reason: 'KubeletReady', message: 'ok' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: {
        kubeletVersion: 'v1.30.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'coxswain://0.1.0',
        machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
      },
    });
  });

  after(async () => {
    await t?.stop();
  });

  for (const kubectl of KUBECTLS) {
    const version = /kubectl\.(.*)$/.exec(kubectl)![1]!;
    const get = async (...args: string[]) => (await run(kubectl, ['-s', t.url, 'get', ...args], { env, timeout: 20_000 })).stdout;

    it(`${version}: get pods`, async () => {
      const rows = table(await get('pods'));
      assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assertRow(rows.find((r) => r[0] === 'crashy'), ['crashy', '0/1', 'Init:0/1', '0', AGE]);
      assertRow(rows.find((r) => r[0] === 'web'), ['web', '1/1', 'Running', '0', AGE]);
    });

    it(`${version}: get pods -o wide`, async () => {
      const rows = table(await get('pods', '-o', 'wide'));
      assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
      assertRow(rows.find((r) => r[0] === 'web'), ['web', '1/1', 'Running', '0', AGE, '10.42.0.5', 'n1', '<none>', '<none>']);
    });

    it(`${version}: get pods --show-labels`, async () => {
      const rows = table(await get('pods', '--show-labels'));
      assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
      assertRow(rows.find((r) => r[0] === 'web'), ['web', '1/1', 'Running', '0', AGE, 'app=web,tier=front']);
      assertRow(rows.find((r) => r[0] === 'crashy'), ['crashy', '0/1', 'Init:0/1', '0', AGE, '<none>']);
    });

    it(`${version}: get deploy,svc,nodes`, async () => {
      const sections = (await get('deploy,svc,nodes')).trimEnd().split('\n\n').map(table);
      const [deploy, svc, nodes] = sections;
      assert.deepEqual(deploy![0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      assertRow(deploy![1], ['deployment.apps/web', '0/2', '0', '0', AGE]);
      assert.deepEqual(svc![0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assertRow(svc!.find((r) => r[0] === 'service/web'), ['service/web', 'NodePort', '10.43.0.20', '<none>', '80:30080/TCP', AGE]);
      assert.deepEqual(nodes![0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
      assertRow(nodes![1], ['node/n1', 'Ready', 'control-plane', AGE, 'v1.30.0']);
    });

    it(`${version}: get nodes and deployments -o wide`, async () => {
      const nodes = table(await get('nodes', '-o', 'wide'));
      assert.deepEqual(nodes[0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
      assertRow(nodes[1], ['n1', 'Ready', 'control-plane', AGE, 'v1.30.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'coxswain://0.1.0']);
      const deploy = table(await get('deploy', '-o', 'wide'));
      assert.deepEqual(deploy[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assertRow(deploy[1], ['web', '0/2', '0', '0', AGE, 'app', 'nginx', 'app=web']);
    });

    it(`${version}: get roles keeps the default NAME CREATED AT table`, async () => {
      await t.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `reader-${version}` }, rules: [],
      });
      const rows = table(await get('roles'));
      assert.deepEqual(rows[0], ['NAME', 'CREATED AT']);
      assertRow(rows.find((r) => r[0] === `reader-${version}`), [`reader-${version}`, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/]);
    });

    it(`${version}: get pods -w prints a table row per change`, async () => {
      const name = `watched-${version.replace('.', '-')}`;
      // The pod exists before kubectl starts: `get NAME -w` of a missing pod exits at once.
      await create('/api/v1/namespaces/default/pods', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'busybox' }] },
      });
      const child = spawn(kubectl, ['-s', t.url, 'get', 'pods', name, '-w'], { env });
      let out = '';
      let exited: number | null | undefined;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('exit', (code) => {
        exited = code;
      });
      const seen = (re: RegExp) => new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 30_000;
        const check = () => {
          if (re.test(out)) return resolve();
          if (exited !== undefined) return reject(new Error(`kubectl exited (${exited}) before ${re}: ${out}`));
          if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${re}: ${out}`));
          setTimeout(check, 20);
        };
        check();
      });
      try {
        await seen(new RegExp(`${name}\\s+0/1\\s+Pending\\s+0`));
        const current = (await t.request('GET', `/api/v1/namespaces/default/pods/${name}`)).json;
        const finished = new Date(Date.now() - 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
        const r = await t.request('PUT', `/api/v1/namespaces/default/pods/${name}/status`, {
          ...current,
          status: {
            phase: 'Running',
            containerStatuses: [{
              name: 'app', ready: false, restartCount: 4, image: 'busybox', imageID: '',
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: finished, finishedAt: finished } },
            }],
          },
        });
        assert.equal(r.status, 200, r.text);
        await seen(new RegExp(`${name}\\s+0/1\\s+CrashLoopBackOff\\s+4 \\(2m\\d*s? ago\\)`));
        assert.equal(table(out)[0]!.join(' '), 'NAME READY STATUS RESTARTS AGE');
      } finally {
        child.kill();
      }
    });
  }
});
