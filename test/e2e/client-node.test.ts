// @kubernetes/client-node against `coxswain up`: typed CRUD, optimistic concurrency, and an
// informer that lists, watches, and relists after its resourceVersion has expired (410).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import https from 'node:https';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type ApiException,
  type Informer,
  type ObjectCache,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { isListening, processExists, startCoxswain, type RunningCoxswain } from './coxswain-process.js';

// These stories check the API itself: no controllers or scheduler act on what they create,
// except that namespaces get their `default` ServiceAccount, without which the ServiceAccount
// admission refuses pods (as upstream).
const API_ONLY = { args: ['--controllers', 'serviceaccount', '--no-scheduler'] };

/** As the API server's watch cache (watch-cache.ts): events retained per resource. */
const WATCH_CACHE_WINDOW = 4096;

const configMap = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): V1ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data,
});

/** The metav1.Status a failed call carried. */
function statusOf(err: unknown): { code: number; reason: string; message: string } {
  const e = err as ApiException<unknown>;
  const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
  assert.equal(body.kind, 'Status', `not a Status: ${JSON.stringify(body)}`);
  assert.equal(body.code, e.code);
  return body;
}

/** Resolves when `predicate` holds, checking after every informer event; rejects after a timeout. */
function eventually(informer: Informer<V1ConfigMap>, what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      informer.off('change', check);
      informer.off('connect', check);
      resolve();
    };
    const timer = setTimeout(() => {
      informer.off('change', check);
      informer.off('connect', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    informer.on('change', check);
    informer.on('connect', check);
    check();
  });
}

describe('@kubernetes/client-node against coxswain up', () => {
  let tmp: string;
  let cluster: RunningCoxswain;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const namespace = 'client-node';

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-client-node-'));
    cluster = await startCoxswain(join(tmp, 'data'), API_ONLY);
    kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  });

  after(async () => {
    if (cluster) {
      const url = cluster.url;
      assert.equal(await cluster.stop(), 0);
      assert.equal(processExists(cluster.pid), false);
      assert.equal(await isListening(url), false);
    }
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists the default namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((n) => n.metadata?.name);
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system', namespace]) assert.ok(names.includes(ns), `${ns} in ${names.join(',')}`);
  });

  it('creates, reads, lists, patches, replaces and deletes a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: configMap('crud', { a: '1' }, { app: 'crud' }) });
    assert.equal(created.metadata?.namespace, namespace);
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'client-node parses creationTimestamp');

    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace });
    assert.deepEqual(read.data, { a: '1' });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

    const listed = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=crud' });
    assert.deepEqual(listed.items.map((c) => c.metadata?.name), ['crud']);
    assert.match(listed.metadata?.resourceVersion ?? '', /^\d+$/);

    const patched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace, body: { data: { b: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace, body: [{ op: 'remove', path: '/data/a' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.deepEqual(jsonPatched.data, { b: '2' });

    const replaced = await core.replaceNamespacedConfigMap({ name: 'crud', namespace, body: { ...jsonPatched, data: { c: '3' } } });
    assert.deepEqual(replaced.data, { c: '3' });
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(jsonPatched.metadata?.resourceVersion));

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'crud', namespace }), (err) => {
      const s = statusOf(err);
      assert.equal(s.code, 404);
      assert.equal(s.reason, 'NotFound');
      assert.equal(s.message, 'configmaps "crud" not found');
      return true;
    });
  });

  it('creates a Deployment with upstream defaults and scales it through the scale subresource', async () => {
    const body: V1Deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace, body });
    assert.equal(created.metadata?.generation, 1);
    assert.equal(created.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(created.spec?.revisionHistoryLimit, 10);
    assert.equal(created.spec?.template.spec?.restartPolicy, 'Always');
    assert.equal(created.spec?.template.spec?.containers[0].imagePullPolicy, 'IfNotPresent');

    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec?.replicas, 1);
    assert.equal(scale.status?.selector, 'app=web');
    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace, body: { ...scale, spec: { replicas: 4 } } });
    const after = await apps.readNamespacedDeployment({ name: 'web', namespace });
    assert.equal(after.spec?.replicas, 4);
    assert.equal(after.metadata?.generation, 2);

    const list = await apps.listDeploymentForAllNamespaces({ fieldSelector: `metadata.namespace=${namespace}` });
    assert.deepEqual(list.items.map((d) => d.metadata?.name), ['web']);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace });
  });

  it('answers a replace with a stale resourceVersion with 409 Conflict', async () => {
    const first = await core.createNamespacedConfigMap({ namespace, body: configMap('contended', { v: '1' }) });
    await core.replaceNamespacedConfigMap({ name: 'contended', namespace, body: { ...first, data: { v: '2' } } });
    await assert.rejects(
      core.replaceNamespacedConfigMap({ name: 'contended', namespace, body: { ...first, data: { v: 'stale' } } }),
      (err) => {
        const s = statusOf(err);
        assert.equal(s.code, 409);
        assert.equal(s.reason, 'Conflict');
        assert.equal(s.message, 'Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again');
        return true;
      },
    );
    const current = await core.readNamespacedConfigMap({ name: 'contended', namespace });
    assert.deepEqual(current.data, { v: '2' }, 'the stale write changed nothing');
  });

  describe('an informer', () => {
    const ns = 'informed';
    let informer: Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>;
    let lists = 0;
    const events: string[] = [];
    const errors: unknown[] = [];
    const names = () => informer.list(ns).map((c) => c.metadata!.name!).sort();

    before(async () => {
      await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('before-start') });
      informer = makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace: ns });
      });
      informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
      informer.on('update', (o) => events.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`));
      informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
      // client-node reports the abort of its own watch on stop() as an error: not a failure.
      informer.on('error', (e) => {
        if ((e as Error)?.name !== 'AbortError') errors.push(e);
      });
    });

    after(async () => {
      await informer?.stop();
    });

    it('lists, then watches adds, updates and deletes', async () => {
      await informer.start();
      assert.equal(lists, 1);
      assert.deepEqual(names(), ['before-start']);
      assert.deepEqual(events, ['add before-start']);

      const created = await core.createNamespacedConfigMap({ namespace: ns, body: configMap('live', { v: '1' }) });
      await eventually(informer, 'the add', () => events.includes('add live'));
      await core.replaceNamespacedConfigMap({ name: 'live', namespace: ns, body: { ...created, data: { v: '2' } } });
      await eventually(informer, 'the update', () => events.includes('update live {"v":"2"}'));
      assert.equal(informer.get('live', ns)?.data?.v, '2');
      await core.deleteNamespacedConfigMap({ name: 'live', namespace: ns });
      await eventually(informer, 'the delete', () => events.includes('delete live'));
      assert.deepEqual(names(), ['before-start']);
      assert.equal(lists, 1, 'watching needed no relist');
      assert.deepEqual(errors, []);
    });

    it('relists after its resourceVersion fell out of the watch cache (410 Expired)', async () => {
      await informer.stop();
      const staleRv = (informer as unknown as { latestResourceVersion(): string }).latestResourceVersion();
      assert.match(staleRv, /^\d+$/);

      // While the informer is away: changes it must learn about, then enough other
      // configmap writes to push its resourceVersion out of the cache's window.
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('while-away') });
      await core.deleteNamespacedConfigMap({ name: 'before-start', namespace: ns });
      await floodConfigMaps(kc, 'flood', WATCH_CACHE_WINDOW + 50);

      // The raw watch from that version: one ERROR event with a 410 Expired Status.
      const watchEvents = await watchOnce(kc, `/api/v1/namespaces/${ns}/configmaps`, staleRv);
      assert.equal(watchEvents.length, 1, JSON.stringify(watchEvents));
      assert.equal(watchEvents[0].type, 'ERROR');
      assert.equal(watchEvents[0].object.code, 410);
      assert.equal(watchEvents[0].object.reason, 'Expired');
      assert.match(watchEvents[0].object.message, /^too old resource version: \d+ \(\d+\)$/);

      // The informer resumes from the stale version, is told it expired, and relists.
      await informer.start();
      await eventually(informer, 'the relist', () => lists === 2 && names().join() === 'while-away');
      assert.ok(events.includes('add while-away'), events.join('\n'));
      assert.ok(events.includes('delete before-start'), events.join('\n'));

      // And it keeps watching after the relist.
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-relist') });
      await eventually(informer, 'a watch event after the relist', () => events.includes('add after-relist'));
      assert.deepEqual(errors, []);
    });
  });
});

/**
 * Creates `count` configmaps in their own namespace, 32 requests at a time. This is set-up,
 * not the subject of the test: plain keep-alive HTTPS with the admin credentials, because
 * client-node spends several milliseconds of client CPU on every request.
 */
async function floodConfigMaps(kc: KubeConfig, namespace: string, count: number): Promise<void> {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const pem = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 32,
    ca: pem(cluster.caData),
    cert: pem(user.certData),
    key: pem(user.keyData),
  });
  const post = (path: string, body: object) =>
    new Promise<void>((resolve, reject) => {
      const req = https.request(`${cluster.server}${path}`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`POST ${path}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  try {
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        await post(`/api/v1/namespaces/${namespace}/configmaps`, configMap(`cm-${i}`, { i: String(i) }));
      }
    };
    await Promise.all(Array.from({ length: 32 }, lane));
  } finally {
    agent.destroy();
  }
}

/** One watch request through client-node's Watch; resolves with its events when the server ends it. */
function watchOnce(kc: KubeConfig, path: string, resourceVersion: string): Promise<{ type: string; object: any }[]> {
  const events: { type: string; object: any }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the watch did not end; events: ${JSON.stringify(events)}`)), 10_000);
    void new Watch(kc).watch(
      path,
      { resourceVersion },
      (type, object) => events.push({ type, object }),
      (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(events);
      },
    );
  });
}
