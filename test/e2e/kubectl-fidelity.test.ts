// Issue 3's "done when", tried as a user would: the real kubectl 1.27 and 1.33 against
// `coxswain up`, one cluster, each version in its own namespace, the same sessions.
// Expected results are what an upstream API server stores and prints for the same commands.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { processExists, startCoxswain, type RunningCoxswain } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { tableFixtures } from './table-fixtures.js';

// These stories check the API itself: no controllers or scheduler act on what they create,
// except that namespaces get their `default` ServiceAccount, without which the ServiceAccount
// admission refuses pods (as upstream).
const API_ONLY = { args: ['--controllers', 'serviceaccount', '--no-scheduler'] };

const KUBECTL_VERSIONS = [
  { version: '1.27', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.27' },
  { version: '1.33', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.33' },
];

/** The header cells of a table kubectl printed (cells are at least two spaces apart). */
const headerOf = (table: string): string[] => table.split('\n')[0].trim().split(/\s{2,}/);
const rowsOf = (table: string): string[][] => table.trimEnd().split('\n').slice(1).map((l) => l.trim().split(/\s{2,}/));

/** Runs `work` over `items` with at most `limit` at a time (kubectl calls in parallel). */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

/** Resolves once `text` appears in what `read()` returns, re-checking on each chunk of output. */
function waitForOutput(stream: NodeJS.ReadableStream, read: () => string, text: string | RegExp, timeoutMs = 10_000): Promise<void> {
  const found = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.off('data', check);
      reject(new Error(`never printed ${String(text)}; output:\n${read()}`));
    }, timeoutMs);
    function check() {
      if (!found()) return;
      clearTimeout(timer);
      stream.off('data', check);
      resolve();
    }
    stream.on('data', check);
    check();
  });
}

const deploymentV1 = (namespace: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace, labels: { app: 'shop' } },
  spec: {
    replicas: 2,
    revisionHistoryLimit: 5,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' } },
      spec: {
        containers: [{
          name: 'web', image: 'nginx:1.25',
          ports: [{ containerPort: 80, name: 'http' }],
          env: [{ name: 'MODE', value: 'fast' }, { name: 'LEVEL', value: '1' }],
          resources: { limits: { cpu: '500m' } },
        }],
      },
    },
  },
});

/** The edit: a sidecar added, MODE changed, LEVEL dropped and EXTRA added, limits and revisionHistoryLimit removed. */
const deploymentV2 = (namespace: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace, labels: { app: 'shop' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' } },
      spec: {
        containers: [
          {
            name: 'web', image: 'nginx:1.25',
            ports: [{ containerPort: 80, name: 'http' }],
            env: [{ name: 'MODE', value: 'slow' }, { name: 'EXTRA', value: 'more' }],
          },
          { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
        ],
      },
    },
  },
});

/** What kubectl stores as last-applied: the manifest, compact, with an empty annotations map. */
function lastApplied(doc: Record<string, any>): string {
  const withAnnotations = { ...doc, metadata: { ...doc.metadata, annotations: {} } };
  return `${JSON.stringify(sortKeys(withAnnotations))}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as any)[k])]));
  return v;
}

/** The container defaults upstream's defaulting adds to a container given only name and image. */
const CONTAINER_DEFAULTS = {
  imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
};

describe('kubectl fidelity (issue 3) against coxswain up', () => {
  let tmp: string;
  let cluster: RunningCoxswain;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-fidelity-'));
    cluster = await startCoxswain(join(tmp, 'data'), API_ONLY);
  });

  after(async () => {
    try {
      if (cluster && processExists(cluster.pid)) assert.equal(await cluster.stop(), 0, 'coxswain up exits cleanly on SIGTERM');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  for (const { version, binary } of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      const suffix = version.replace('.', '');
      const namespace = `fidelity-${suffix}`;
      let k: Kubectl;
      let files: string;
      const inNs = (...args: string[]) => k.ok(['-n', namespace, ...args]);
      const getJson = async (...args: string[]) => JSON.parse(await inNs('get', ...args, '-o', 'json'));
      const writeManifest = async (name: string, docs: object[]) => {
        const path = join(files, name);
        await writeFile(path, docs.map((d) => toYaml(d)).join('---\n'));
        return path;
      };

      before(async () => {
        files = join(tmp, `files-${suffix}`);
        await mkdir(files, { recursive: true });
        k = kubectl(binary, cluster.kubeconfigPath, join(tmp, `kube-cache-${suffix}`));
        assert.equal(await k.ok(['create', 'namespace', namespace]), `namespace/${namespace} created\n`);
      });

      it('creates with every imperative create subcommand', async () => {
        const created = async (args: string[], printed: string) => assert.equal(await inNs('create', ...args), `${printed} created\n`);
        await created(['deployment', 'imp-deploy', '--image=nginx:1.27', '--replicas=2'], 'deployment.apps/imp-deploy');
        await created(['configmap', 'imp-cm', '--from-literal=k=v'], 'configmap/imp-cm');
        await created(['secret', 'generic', 'imp-secret', '--from-literal=password=s3cret'], 'secret/imp-secret');
        await created(['service', 'clusterip', 'imp-svc', '--tcp=80:8080'], 'service/imp-svc');
        await created(['job', 'imp-job', '--image=busybox', '--', 'echo', 'hi'], 'job.batch/imp-job');
        await created(['cronjob', 'imp-cron', '--image=busybox', '--schedule=*/5 * * * *', '--', 'echo', 'hi'], 'cronjob.batch/imp-cron');
        await created(['role', 'imp-role', '--verb=get,list', '--resource=pods'], 'role.rbac.authorization.k8s.io/imp-role');
        await created(['rolebinding', 'imp-rb', '--role=imp-role', '--user=jane'], 'rolebinding.rbac.authorization.k8s.io/imp-rb');
        await created(['serviceaccount', 'imp-sa'], 'serviceaccount/imp-sa');
        await created(['quota', 'imp-quota', '--hard=pods=10,cpu=2'], 'resourcequota/imp-quota');
        await created(['ingress', 'imp-ing', '--rule=shop.example.com/cart=imp-svc:80'], 'ingress.networking.k8s.io/imp-ing');
        await created(['poddisruptionbudget', 'imp-pdb', '--selector=app=imp', '--min-available=1'], 'poddisruptionbudget.policy/imp-pdb');
        assert.equal(await k.ok(['create', 'priorityclass', `imp-pc-${suffix}`, '--value=100', '--description=e2e']),
          `priorityclass.scheduling.k8s.io/imp-pc-${suffix} created\n`);

        // What was stored is what the generators asked for.
        const d = await getJson('deployment', 'imp-deploy');
        assert.equal(d.spec.replicas, 2);
        assert.deepEqual(d.spec.selector, { matchLabels: { app: 'imp-deploy' } });
        assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
        assert.equal(await inNs('get', 'secret', 'imp-secret', '-o', 'jsonpath={.data.password}'), Buffer.from('s3cret').toString('base64'));
        const svc = await getJson('service', 'imp-svc');
        assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
        assert.deepEqual(svc.spec.selector, { app: 'imp-svc' });
        assert.deepEqual((await getJson('job', 'imp-job')).spec.template.spec.containers[0].command, ['echo', 'hi']);
        assert.equal((await getJson('cronjob', 'imp-cron')).spec.schedule, '*/5 * * * *');
        assert.deepEqual((await getJson('role', 'imp-role')).rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
        assert.deepEqual((await getJson('rolebinding', 'imp-rb')).roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'imp-role' });
        assert.deepEqual((await getJson('quota', 'imp-quota')).spec.hard, { cpu: '2', pods: '10' });
        assert.equal((await getJson('ingress', 'imp-ing')).spec.rules[0].http.paths[0].path, '/cart');
        assert.equal((await getJson('pdb', 'imp-pdb')).spec.minAvailable, 1);
        assert.equal(JSON.parse(await k.ok(['get', 'priorityclass', `imp-pc-${suffix}`, '-o', 'json'])).value, 100);
      });

      it('gets every built-in kind with the upstream columns: plain, -o wide and --show-labels', async () => {
        const fixtures = tableFixtures(namespace, suffix);
        await k.ok(['create', '-f', await writeManifest('tables.yaml', fixtures.map((f) => f.doc))]);
        await inParallel(fixtures, 6, async (f) => {
          const get = (...flags: string[]) => k.ok([...(f.namespaced ? ['-n', namespace] : []), 'get', f.resource, f.name, ...flags]);
          const [plain, wide, labels] = await Promise.all([get(), get('-o', 'wide'), get('--show-labels')]);
          assert.deepEqual(headerOf(plain), f.columns, `${f.resource} plain:\n${plain}`);
          assert.equal(rowsOf(plain).length, 1, `${f.resource}: one row\n${plain}`);
          assert.deepEqual(headerOf(wide), f.wide, `${f.resource} -o wide:\n${wide}`);
          assert.deepEqual(headerOf(labels), [...f.columns, 'LABELS'], `${f.resource} --show-labels:\n${labels}`);
          assert.ok(rowsOf(labels)[0].at(-1)!.split(',').includes('fixture=tables'), `${f.resource} --show-labels:\n${labels}`);
        });
      });

      it('applies a manifest, then an edited one: the stored object is what upstream stores', async () => {
        const v1 = deploymentV1(namespace);
        assert.equal(await k.ok(['apply', '-f', await writeManifest('shop-v1.yaml', [v1])]), 'deployment.apps/shop created\n');
        const v2 = deploymentV2(namespace);
        assert.equal(await k.ok(['apply', '-f', await writeManifest('shop-v2.yaml', [v2])]), 'deployment.apps/shop configured\n');

        const d = await getJson('deployment', 'shop');
        assert.equal(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], lastApplied(v2));
        assert.equal(d.metadata.generation, 2);
        assert.equal(d.spec.revisionHistoryLimit, 10, 'the removed field is back to its default');
        assert.deepEqual(d.spec.template.spec.containers, [
          {
            name: 'web', image: 'nginx:1.25', ...CONTAINER_DEFAULTS,
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
            env: [{ name: 'MODE', value: 'slow' }, { name: 'EXTRA', value: 'more' }],
          },
          { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'], ...CONTAINER_DEFAULTS },
        ], 'the sidecar added, MODE changed, LEVEL and the limits gone');

        const managers = (await getJson('deployment', 'shop', '--show-managed-fields')).metadata.managedFields;
        assert.deepEqual(managers.map((m: any) => [m.manager, m.operation]), [['kubectl-client-side-apply', 'Update']]);

        // Applying the same manifest again changes nothing.
        assert.equal(await k.ok(['apply', '-f', join(files, 'shop-v2.yaml')]), 'deployment.apps/shop unchanged\n');
        assert.equal((await getJson('deployment', 'shop')).metadata.resourceVersion, d.metadata.resourceVersion);
      });

      it('patches lists keyed by name with the default (strategic) patch, as upstream orders them', async () => {
        const patch = (p: object) => inNs('patch', 'deployment', 'shop', '-p', JSON.stringify(p));
        const containers = async () => (await getJson('deployment', 'shop')).spec.template.spec.containers;
        // A new env entry merges into the web container; upstream puts patch items that the
        // live list does not hold before the server-only ones (normalizeElementOrder).
        assert.equal(await patch({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'OTHER', value: 'o' }] }] } } } }),
          'deployment.apps/shop patched\n');
        let cs = await containers();
        assert.deepEqual(cs.map((c: any) => c.name), ['web', 'sidecar']);
        assert.deepEqual(cs[0].env, [{ name: 'OTHER', value: 'o' }, { name: 'MODE', value: 'slow' }, { name: 'EXTRA', value: 'more' }]);
        assert.equal(cs[0].image, 'nginx:1.25', 'the rest of the container is kept');

        // Existing entries are updated in place and only in the patched fields; the entries a
        // patch names take the patch's order (upstream normalizes the merged list by the patch).
        await patch({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.37', env: [{ name: 'MODE', value: 'side' }] }, { name: 'web', env: [{ name: 'MODE', value: 'turbo' }] }] } } } });
        cs = await containers();
        assert.deepEqual(cs.map((c: any) => [c.name, c.image]), [['sidecar', 'busybox:1.37'], ['web', 'nginx:1.25']]);
        assert.deepEqual(cs[1].env, [{ name: 'OTHER', value: 'o' }, { name: 'MODE', value: 'turbo' }, { name: 'EXTRA', value: 'more' }]);
        assert.deepEqual(cs[0].env, [{ name: 'MODE', value: 'side' }]);

        // $patch: delete removes one entry by its key.
        await patch({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'OTHER', $patch: 'delete' }] }] } } } });
        assert.deepEqual((await containers())[1].env, [{ name: 'MODE', value: 'turbo' }, { name: 'EXTRA', value: 'more' }]);

        // Ports merge by containerPort.
        await patch({ spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 443, name: 'https' }] }] } } } });
        assert.deepEqual((await containers())[1].ports, [
          { containerPort: 443, name: 'https', protocol: 'TCP' }, { containerPort: 80, name: 'http', protocol: 'TCP' },
        ]);
      });

      it('matches the documented strategic merge examples (kubectl patch task page)', async () => {
        // https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
        const demo = {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'patch-demo', namespace },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'nginx' } },
            template: {
              metadata: { labels: { app: 'nginx' } },
              spec: {
                containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
                tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
              },
            },
          },
        };
        await k.ok(['apply', '-f', await writeManifest('patch-demo.yaml', [demo])]);
        const patchFile = await writeManifest('patch-file.yaml', [{ spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } }]);
        assert.equal(await inNs('patch', 'deployment', 'patch-demo', '--patch-file', patchFile), 'deployment.apps/patch-demo patched\n');
        let spec = (await getJson('deployment', 'patch-demo')).spec.template.spec;
        // As the page shows: the redis container first, then the original nginx one.
        assert.deepEqual(spec.containers.map((c: any) => [c.name, c.image, c.imagePullPolicy]), [['patch-demo-ctr-2', 'redis', 'Always'], ['patch-demo-ctr', 'nginx', 'Always']]);
        // tolerations have no patch strategy: the list is replaced.
        const tolerations = await writeManifest('patch-file-tolerations.yaml', [{ spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } }]);
        await inNs('patch', 'deployment', 'patch-demo', '--patch-file', tolerations);
        spec = (await getJson('deployment', 'patch-demo')).spec.template.spec;
        assert.deepEqual(spec.tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
        assert.equal(spec.containers.length, 2);
        // A merge patch replaces the containers list.
        await inNs('patch', 'deployment', 'patch-demo', '--type', 'merge', '--patch-file', patchFile);
        assert.deepEqual((await getJson('deployment', 'patch-demo')).spec.template.spec.containers.map((c: any) => c.name), ['patch-demo-ctr-2']);

        // retainKeys: switching to Recreate without it is refused, with it rollingUpdate goes.
        const retain = {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'retainkeys-demo', namespace },
          spec: {
            selector: { matchLabels: { app: 'nginx' } },
            strategy: { rollingUpdate: { maxSurge: '30%' } },
            template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'retainkeys-demo-ctr', image: 'nginx' }] } },
          },
        };
        await k.ok(['apply', '-f', await writeManifest('retainkeys-demo.yaml', [retain])]);
        const refused = await k.run(['-n', namespace, 'patch', 'deployment', 'retainkeys-demo', '--patch-file',
          await writeManifest('patch-file-no-retainkeys.yaml', [{ spec: { strategy: { type: 'Recreate' } } }])]);
        assert.notEqual(refused.code, 0);
        assert.equal(refused.stderr.trim(), `The Deployment "retainkeys-demo" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy \`type\` is 'Recreate'`);
        await inNs('patch', 'deployment', 'retainkeys-demo', '--patch-file',
          await writeManifest('patch-file-retainkeys.yaml', [{ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }]));
        assert.deepEqual((await getJson('deployment', 'retainkeys-demo')).spec.strategy, { type: 'Recreate' });

        // The directives of the strategic merge patch design document on a primitive list
        // with the merge strategy (metadata.finalizers) and a list replaced whole.
        await inNs('create', 'configmap', 'directives');
        const patchCm = (p: object) => inNs('patch', 'configmap', 'directives', '-p', JSON.stringify(p));
        const finalizers = async () => (await getJson('configmap', 'directives')).metadata.finalizers;
        await patchCm({ metadata: { finalizers: ['example.com/a', 'example.com/b'] } });
        await patchCm({ metadata: { finalizers: ['example.com/c'] } });
        // Merged, not replaced; as in upstream's mergeSlice the new item goes before the server's.
        assert.deepEqual(await finalizers(), ['example.com/c', 'example.com/a', 'example.com/b']);
        await patchCm({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } });
        assert.deepEqual(await finalizers(), ['example.com/c', 'example.com/b']);
        await patchCm({ metadata: { '$setElementOrder/finalizers': ['example.com/b', 'example.com/c'], finalizers: ['example.com/b'] } });
        assert.deepEqual(await finalizers(), ['example.com/b', 'example.com/c']);
        await patchCm({ metadata: { labels: { keep: 'no' } } });
        await patchCm({ metadata: { labels: { $patch: 'replace', only: 'this' } } });
        assert.deepEqual((await getJson('configmap', 'directives')).metadata.labels, { only: 'this' });
        await inNs('patch', 'configmap', 'directives', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
        assert.equal(await finalizers(), undefined);

        await inNs('patch', 'deployment', 'patch-demo', '-p', JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'only', image: 'nginx' }, { $patch: 'replace' }] } } } }));
        assert.deepEqual((await getJson('deployment', 'patch-demo')).spec.template.spec.containers.map((c: any) => c.name), ['only']);
      });

      it('server-side apply: a second manager conflicts, --force-conflicts takes the field', async () => {
        const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace }, data: { a: '1', b: '2' } };
        const file = await writeManifest('ssa.yaml', [cm]);
        assert.equal(await k.ok(['apply', '--server-side', '-f', file]), 'configmap/ssa serverside-applied\n');
        assert.equal(await k.ok(['apply', '--server-side', '-f', file]), 'configmap/ssa serverside-applied\n');
        await inNs('patch', 'configmap', 'ssa', '--type=merge', '-p', '{"data":{"a":"changed"}}', '--field-manager=other-tool');
        const conflict = await k.run(['apply', '--server-side', '-f', file]);
        assert.equal(conflict.code, 1);
        assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "other-tool" using v1: \.data\.a\n/);
        assert.match(conflict.stderr, /--force-conflicts/);
        assert.equal((await getJson('configmap', 'ssa')).data.a, 'changed', 'a conflict writes nothing');

        // A second applier conflicts too, naming the Apply manager without a version.
        const other = await k.run(['apply', '--server-side', '--field-manager=second', '-f',
          await writeManifest('ssa-second.yaml', [{ ...cm, data: { b: 'mine' } }])]);
        assert.equal(other.code, 1);
        assert.match(other.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.b\n/);

        assert.equal(await k.ok(['apply', '--server-side', '--force-conflicts', '-f', file]), 'configmap/ssa serverside-applied\n');
        const after = await getJson('configmap', 'ssa', '--show-managed-fields');
        assert.deepEqual(after.data, { a: '1', b: '2' });
        const managers = after.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.fieldsV1]);
        assert.deepEqual(managers, [['kubectl', 'Apply', { 'f:data': { 'f:a': {}, 'f:b': {} } }]], 'other-tool lost its only field');
      });

      it('explains nested fields and whole kinds recursively', async () => {
        const probe = await k.ok(['explain', 'pod.spec.containers.livenessProbe']);
        assert.match(probe, /^KIND:\s+Pod\nVERSION:\s+v1\n\nFIELD:\s+livenessProbe <Probe>\n/);
        assert.match(probe, /Periodic probe of container liveness\. Container will be restarted if the\s+probe fails\./);
        for (const field of ['exec', 'failureThreshold', 'grpc', 'httpGet', 'initialDelaySeconds', 'periodSeconds', 'successThreshold', 'tcpSocket', 'terminationGracePeriodSeconds', 'timeoutSeconds']) {
          assert.match(probe, new RegExp(`\\n  ${field}\\t<`), `livenessProbe lacks ${field}:\n${probe}`);
        }
        const recursive = await k.ok(['explain', 'deployment', '--recursive']);
        assert.match(recursive, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
        for (const line of [
          '  spec\t<DeploymentSpec>', '    replicas\t<integer>', '    selector\t<LabelSelector> -required-',
          '    strategy\t<DeploymentStrategy>', '        maxSurge\t<IntOrString>', '    template\t<PodTemplateSpec> -required-',
          '        containers\t<[]Container> -required-', '          livenessProbe\t<Probe>', '  status\t<DeploymentStatus>',
        ]) {
          assert.ok(recursive.includes(`\n${line}\n`), `explain deployment --recursive lacks ${JSON.stringify(line)}`);
        }
      });

      it('diffs: prints a diff and exits 1 on changes, 0 without', async () => {
        const applied = { ...deploymentV1(namespace), metadata: { name: 'diffed', namespace } };
        const file = await writeManifest('diffed.yaml', [applied]);
        await k.ok(['apply', '-f', file]);
        const same = await k.run(['diff', '-f', file]);
        assert.equal(same.code, 0, same.stdout + same.stderr);
        assert.equal(same.stdout, '');
        const changed = structuredClone(applied);
        changed.spec.replicas = 3;
        const diff = await k.run(['diff', '-f', await writeManifest('diffed-changed.yaml', [changed])]);
        assert.equal(diff.code, 1, diff.stderr);
        assert.match(diff.stdout, /^diff -u -N /);
        assert.match(diff.stdout, /\n-  replicas: 2\n\+  replicas: 3\n/);
        assert.equal((await getJson('deployment', 'diffed')).spec.replicas, 2, 'diff changes nothing');
      });

      it('create and apply with --dry-run=server store nothing', async () => {
        assert.equal(await inNs('create', 'deployment', 'dry', '--image=nginx', '--dry-run=server'), 'deployment.apps/dry created (server dry run)\n');
        const cmFile = await writeManifest('dry-cm.yaml', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry-cm', namespace }, data: { a: 'b' } }]);
        assert.equal(await k.ok(['create', '--dry-run=server', '-f', cmFile]), 'configmap/dry-cm created (server dry run)\n');
        for (const ref of ['deployment/dry', 'configmap/dry-cm']) {
          const gone = await k.run(['-n', namespace, 'get', ref]);
          assert.notEqual(gone.code, 0);
          assert.match(gone.stderr, /\(NotFound\)/);
        }
        const changed = deploymentV2(namespace);
        changed.spec.replicas = 7;
        assert.equal(await k.ok(['apply', '--dry-run=server', '-f', await writeManifest('shop-dry.yaml', [changed])]), 'deployment.apps/shop configured (server dry run)\n');
        assert.equal((await getJson('deployment', 'shop')).spec.replicas, 2);
      });

      it('apply --validate=strict rejects an unknown field with the upstream messages', async () => {
        const doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict', namespace }, data: { a: '1' }, bogus: 1 };
        const file = await writeManifest('strict.yaml', [doc]);
        const create = await k.run(['apply', '--validate=strict', '-f', file]);
        assert.equal(create.code, 1);
        assert.equal(create.stderr.trim(),
          `Error from server (BadRequest): error when creating "${file}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"`);

        // On an existing object apply sends a strategic merge patch; upstream answers 422 on "patch".
        await k.ok(['apply', '-f', await writeManifest('strict-ok.yaml', [{ ...doc, bogus: undefined }])]);
        const patch = await k.run(['apply', '--validate=strict', '-f', file]);
        assert.equal(patch.code, 1);
        assert.match(patch.stderr.trim(), /^The request is invalid: patch: Invalid value: "map\[bogus:1 metadata:map\[annotations:map\[kubectl\.kubernetes\.io\/last-applied-configuration:.*\]\]\]": strict decoding error: unknown field "bogus"$/s);
        assert.equal((await getJson('configmap', 'strict')).bogus, undefined);
      });

      it('serves a CRD: printer columns, defaults, 422 for invalid objects, explain, status, and deletion removes its objects', async () => {
        // Names differ per session, so a short resource name never means the other session's kind.
        const group = `fidelity${suffix}.example.com`;
        const plural = `widgets${suffix}`;
        const kind = `Widget${suffix}`;
        const crd = {
          apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
          spec: {
            group, scope: 'Namespaced',
            names: { plural, singular: kind.toLowerCase(), kind, shortNames: [`wd${suffix}`] },
            versions: [{
              name: 'v1', served: true, storage: true,
              subresources: { status: {} },
              additionalPrinterColumns: [
                { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
                { name: 'Color', type: 'string', jsonPath: '.spec.color' },
                { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
                { name: 'Notes', type: 'string', jsonPath: '.spec.notes', priority: 1 },
                { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
              ],
              schema: {
                openAPIV3Schema: {
                  type: 'object', description: 'A widget is a made-up thing.',
                  properties: {
                    spec: {
                      type: 'object', description: 'What the widget should be.', required: ['size'],
                      properties: {
                        size: { type: 'integer', minimum: 1, maximum: 10, description: 'How big the widget is.' },
                        color: { type: 'string', default: 'blue', enum: ['blue', 'red'], description: 'The widget colour.' },
                        notes: { type: 'string' },
                      },
                    },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            }],
          },
        };
        await k.ok(['apply', '-f', await writeManifest('crd.yaml', [crd])]);
        await k.ok(['wait', '--for=condition=Established', `crd/${plural}.${group}`, '--timeout=20s']);
        const widget = (name: string, spec: object) => ({ apiVersion: `${group}/v1`, kind, metadata: { name, namespace }, spec });
        assert.equal(await k.ok(['apply', '-f', await writeManifest('widget.yaml', [widget('w1', { size: 3, notes: 'first' })])]), `${kind.toLowerCase()}.${group}/w1 created\n`);
        assert.equal((await getJson(plural, 'w1')).spec.color, 'blue', 'defaulted from the schema');
        await inNs('patch', plural, 'w1', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Ready"}}');
        await inNs('patch', plural, 'w1', '--type=merge', '-p', '{"status":{"phase":"Ignored"}}');

        const table = await inNs('get', plural);
        assert.deepEqual(headerOf(table), ['NAME', 'SIZE', 'COLOR', 'PHASE', 'AGE']);
        assert.deepEqual(rowsOf(table)[0].slice(0, 4), ['w1', '3', 'blue', 'Ready'], 'status is written only through the subresource');
        assert.deepEqual(headerOf(await inNs('get', `wd${suffix}`, '-o', 'wide')), ['NAME', 'SIZE', 'COLOR', 'PHASE', 'NOTES', 'AGE']);

        const invalid = await k.run(['apply', '-f', await writeManifest('widget-bad.yaml', [widget('bad', { size: 30, color: 'pink' })])]);
        assert.equal(invalid.code, 1);
        assert.equal(invalid.stderr.trim(), [
          `The ${kind} "bad" is invalid: `,
          '* spec.color: Unsupported value: "pink": supported values: "blue", "red"',
          '* spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10',
        ].join('\n'));
        const missing = await k.run(['apply', '-f', await writeManifest('widget-missing.yaml', [widget('bad', {})])]);
        assert.equal(missing.stderr.trim(), `The ${kind} "bad" is invalid: spec.size: Required value`);

        const explain = await k.ok(['explain', plural]);
        assert.match(explain, new RegExp(`^GROUP:\\s+${group.replace(/\./g, '\\.')}\\nKIND:\\s+${kind}\\nVERSION:\\s+v1\\n`));
        assert.match(explain, /A widget is a made-up thing\./);
        assert.match(explain, /\n  spec\t<Object>\n    What the widget should be\./);
        assert.match(explain, /\n  metadata\t<ObjectMeta>\n    Standard object's metadata\. More info:/);
        assert.match(explain, /\n  kind\t<string>\n    Kind is a string value representing the REST resource this object\n    represents\. Servers may infer/);
        assert.match(await k.ok(['explain', `${plural}.spec.size`]), /FIELD:\s+size <integer>[\s\S]*How big the widget is\./);

        assert.equal(await k.ok(['delete', 'crd', `${plural}.${group}`]), `customresourcedefinition.apiextensions.k8s.io "${plural}.${group}" deleted\n`);
        const gone = await k.run(['get', '--raw', `/apis/${group}/v1/namespaces/${namespace}/${plural}`]);
        assert.notEqual(gone.code, 0, 'the resource is no longer served');
        assert.match(gone.stderr, /NotFound/);
        await k.ok(['apply', '-f', join(files, 'crd.yaml')]);
        await k.ok(['wait', '--for=condition=Established', `crd/${plural}.${group}`, '--timeout=20s']);
        assert.equal(await inNs('get', `${plural}.${group}`, '-o', 'name'), '', 'objects went with their CRD');
        await k.ok(['delete', 'crd', `${plural}.${group}`]);
      });

      it('watches with get -w and prints a table row for a change', async () => {
        const watcher = k.spawn(['-n', namespace, 'get', 'deployments', 'shop', '-w']);
        let out = '';
        watcher.stdout!.on('data', (c) => (out += c));
        try {
          await waitForOutput(watcher.stdout!, () => out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nshop\s+0\/2\s+0\s+0\s+\d+s\n/);
          await inNs('scale', 'deployment', 'shop', '--replicas=4');
          await waitForOutput(watcher.stdout!, () => out, /\nshop\s+0\/4\s+0\s+0\s+\d+s\n/);
        } finally {
          process.kill(watcher.pid!, 'SIGTERM');
        }
        await new Promise((resolve) => watcher.once('close', resolve));
      });
    });
  }
});
