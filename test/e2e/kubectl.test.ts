// The real kubectl (1.27 and 1.33) against `coxswain up` started as a user starts it.
// Both versions run the same table in one cluster, each in its own namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { isListening, processExists, runCoxswainUp, startCoxswain, type RunningCoxswain } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';
import { everydayManifests, type Manifest } from './manifests.js';

// These stories check the API itself: no controllers or scheduler act on what they create,
// except that namespaces get their `default` ServiceAccount, without which the ServiceAccount
// admission refuses pods (as upstream).
const API_ONLY = { args: ['--controllers', 'serviceaccount', '--no-scheduler'] };

const KUBECTL_VERSIONS = [
  { version: '1.27', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.27' },
  { version: '1.33', binary: '/usr/lib/google-cloud-sdk/bin/kubectl.1.33' },
];

const DEFAULT_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

const multiDoc = (docs: object[]) => docs.map((d) => toYaml(d)).join('---\n');

describe('kubectl against coxswain up', () => {
  let tmp: string;
  let dataDir: string;
  let cluster: RunningCoxswain;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-kubectl-'));
    dataDir = join(tmp, 'data');
    cluster = await startCoxswain(dataDir, API_ONLY);
  });

  after(async () => {
    if (cluster && processExists(cluster.pid)) await cluster.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const { version, binary } of KUBECTL_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      const suffix = version.replace('.', '');
      const namespace = `e2e-${suffix}`;
      let k: Kubectl;
      let files: string;
      let manifests: Manifest[];
      /** kubectl in the session's namespace. */
      const inNs = (...args: string[]) => k.ok(['-n', namespace, ...args]);
      const writeManifest = async (name: string, docs: object[]) => {
        const path = join(files, name);
        await writeFile(path, multiDoc(docs));
        return path;
      };

      before(async () => {
        files = join(tmp, `files-${suffix}`);
        await mkdir(files, { recursive: true });
        k = kubectl(binary, cluster.kubeconfigPath, join(tmp, `kube-cache-${suffix}`));
        const nsFile = await writeManifest('ns.yaml', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }]);
        await k.ok(['create', '-f', nsFile]);
        manifests = everydayManifests(namespace, suffix);
      });

      it('lists the four default namespaces', async () => {
        const out = await k.ok(['get', 'ns', '-o', 'name']);
        for (const ns of DEFAULT_NAMESPACES) assert.ok(out.includes(`namespace/${ns}\n`), `missing ${ns} in:\n${out}`);
        const table = await k.ok(['get', 'ns', 'default']);
        assert.match(table, /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\d+s\n$/);
      });

      it('creates every everyday kind with create -f under strict validation', async () => {
        const file = await writeManifest('everyday.yaml', manifests.map((m) => m.doc));
        const out = await k.ok(['create', '-f', file]);
        for (const m of manifests) assert.ok(out.includes(`${m.ref} created\n`), `no "${m.ref} created" in:\n${out}`);
        const names = await inNs('get', '-o', 'name', manifests.map((m) => m.ref.split('/')[0]).join(','));
        for (const m of manifests) {
          if (m.ref.startsWith('namespace/') || m.ref.includes('priorityclass') || m.ref.includes('storageclass')) continue;
          assert.ok(names.includes(`${m.ref}\n`), `get does not list ${m.ref}:\n${names}`);
        }
      });

      it('creates with the imperative commands (protobuf bodies from kubectl 1.32 on)', async () => {
        const extraNs = `imperative-${suffix}`;
        assert.equal(await k.ok(['create', 'namespace', extraNs]), `namespace/${extraNs} created\n`);
        assert.equal(await k.ok(['-n', extraNs, 'create', 'configmap', 'literal', '--from-literal=a=b']), 'configmap/literal created\n');
        assert.equal(await k.ok(['-n', extraNs, 'create', 'secret', 'generic', 'token', '--from-literal=t=s3cret']), 'secret/token created\n');
        assert.equal(await k.ok(['-n', extraNs, 'create', 'deployment', 'quick', '--image=nginx:1.27', '--replicas=2']), 'deployment.apps/quick created\n');
        assert.equal(await k.ok(['-n', extraNs, 'get', 'configmap', 'literal', '-o', 'jsonpath={.data.a}']), 'b');
        assert.equal(await k.ok(['-n', extraNs, 'get', 'secret', 'token', '-o', 'jsonpath={.data.t}']), Buffer.from('s3cret').toString('base64'));
        const d = JSON.parse(await k.ok(['-n', extraNs, 'get', 'deployment', 'quick', '-o', 'json']));
        assert.equal(d.spec.replicas, 2);
        assert.deepEqual(d.spec.selector, { matchLabels: { app: 'quick' } });
        assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
      });

      it('replaces with replace -f, keeping generation when the spec is unchanged', async () => {
        const replaceable = manifests.filter((m) => m.replaceable);
        const docs = replaceable.map((m) => {
          const doc = structuredClone(m.doc);
          doc.metadata.labels = { ...(doc.metadata.labels ?? {}), replaced: 'again' };
          return doc;
        });
        const out = await k.ok(['replace', '-f', await writeManifest('replace.yaml', docs)]);
        for (const m of replaceable) assert.ok(out.includes(`${m.ref} replaced\n`), `no "${m.ref} replaced" in:\n${out}`);
        const list = JSON.parse(await inNs('get', '-o', 'json', ...replaceable.map((m) => m.ref)));
        assert.equal(list.items.length, replaceable.length);
        for (const item of list.items) assert.equal(item.metadata.labels?.replaced, 'again', `${item.kind} ${item.metadata.name}`);
        const deployment = list.items.find((i: any) => i.kind === 'Deployment');
        assert.equal(deployment.metadata.generation, 1, 'a replace that changes only labels does not bump generation');
        const service = list.items.find((i: any) => i.kind === 'Service');
        assert.deepEqual(service.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
      });

      it('gets objects as yaml, json, name and jsonpath', async () => {
        const yaml = parseYaml(await inNs('get', 'deployment', 'web', '-o', 'yaml'));
        assert.equal(yaml.kind, 'Deployment');
        assert.equal(yaml.apiVersion, 'apps/v1');
        assert.equal(yaml.metadata.namespace, namespace);
        assert.equal(yaml.spec.strategy.type, 'RollingUpdate', 'defaulted strategy');
        assert.equal(yaml.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent', 'pull policy from the tag');
        const json = JSON.parse(await inNs('get', 'configmaps', '-o', 'json'));
        assert.equal(json.kind, 'List');
        assert.ok(json.items.some((i: any) => i.metadata.name === 'settings' && i.data.mode === 'fast'));
        assert.equal(await inNs('get', 'secret', 'creds', '-o', 'name'), 'secret/creds\n');
        assert.equal(await inNs('get', 'secret', 'creds', '-o', 'jsonpath={.data.password}'), Buffer.from('hunter2').toString('base64'));
        assert.equal(await inNs('get', 'pods', '-o', 'jsonpath={.items[*].spec.restartPolicy}'), 'Always');
      });

      it('selects with -l, --field-selector and -A', async () => {
        assert.equal(await inNs('get', 'cm,svc,deploy', '-l', 'app=web', '-o', 'name'), 'configmap/settings\nservice/web\ndeployment.apps/web\n');
        assert.equal(await inNs('get', 'cm', '-l', 'app in (web),replaced', '-o', 'name'), 'configmap/settings\n');
        assert.equal(await inNs('get', 'pods,deployments', '-l', 'app!=web', '-o', 'name'), 'pod/solo\n');
        assert.equal(await inNs('get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name'), 'pod/solo\n');
        assert.equal(await inNs('get', 'pods', '--field-selector', 'metadata.name!=solo', '-o', 'name'), '');
        const all = await k.ok(['get', 'deployments', '-A', '--field-selector', `metadata.namespace=${namespace}`]);
        assert.match(all, /^NAMESPACE\s+NAME\s/);
        assert.match(all, new RegExp(`\\n${namespace}\\s+web\\s`));
        const services = await k.ok(['get', 'services', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}']);
        assert.ok(services.includes('default/kubernetes '), services);
        assert.ok(services.includes(`${namespace}/web `), services);
      });

      it('watches with get -w and sees a new object appear', async () => {
        const watcher = k.spawn(['-n', namespace, 'get', 'configmaps', '-w']);
        let out = '';
        watcher.stdout!.on('data', (c) => (out += c));
        try {
          const seen = (text: string) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`watch never printed ${JSON.stringify(text)}; output:\n${out}`)), 10_000);
              const check = () => {
                if (!out.includes(text)) return;
                clearTimeout(timer);
                watcher.stdout!.off('data', check);
                resolve();
              };
              watcher.stdout!.on('data', check);
              check();
            });
          await seen('settings');
          const file = await writeManifest('watched.yaml', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace } }]);
          await k.ok(['create', '-f', file]);
          await seen('\nwatched ');
        } finally {
          process.kill(watcher.pid!, 'SIGTERM');
        }
        await new Promise((resolve) => watcher.once('close', resolve));
      });

      it('labels and annotates, with --overwrite and key- removal', async () => {
        const labels = () => inNs('get', 'cm', 'settings', '-o', 'jsonpath={.metadata.labels}');
        assert.equal(await inNs('label', 'cm', 'settings', 'tier=db'), 'configmap/settings labeled\n');
        const clash = await k.run(['-n', namespace, 'label', 'cm', 'settings', 'tier=cache']);
        assert.notEqual(clash.code, 0);
        assert.match(clash.stderr, /'tier' already has a value \(db\), and --overwrite is false/);
        await inNs('label', 'cm', 'settings', 'tier=cache', '--overwrite');
        assert.equal(JSON.parse(await labels()).tier, 'cache');
        assert.equal(await inNs('label', 'cm', 'settings', 'tier-'), 'configmap/settings unlabeled\n');
        assert.equal(JSON.parse(await labels()).tier, undefined);

        // kubectl 1.27 prints "annotate", later versions "annotated".
        assert.match(await inNs('annotate', 'cm', 'settings', 'note=first'), /^configmap\/settings annotated?\n$/);
        await inNs('annotate', 'cm', 'settings', 'note=second', '--overwrite');
        assert.equal(await inNs('get', 'cm', 'settings', '-o', 'jsonpath={.metadata.annotations.note}'), 'second');
        await inNs('annotate', 'cm', 'settings', 'note-');
        const meta = JSON.parse(await inNs('get', 'cm', 'settings', '-o', 'json')).metadata;
        assert.equal(meta.annotations, undefined, 'an emptied annotations map is omitted, as upstream');

        const invalid = await k.run(['-n', namespace, 'label', 'cm', 'settings', 'bad key=x']);
        assert.notEqual(invalid.code, 0);
      });

      it('patches with --type=json and --type=merge', async () => {
        assert.equal(
          await inNs('patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"add","path":"/data/extra","value":"x"},{"op":"replace","path":"/data/mode","value":"slow"}]'),
          'configmap/settings patched\n',
        );
        await inNs('patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"extra":null,"added":"y"}}');
        assert.deepEqual(JSON.parse(await inNs('get', 'cm', 'settings', '-o', 'jsonpath={.data}')), { mode: 'slow', added: 'y' });
        await inNs('patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx:1.27"}]}}}}');
        const d = JSON.parse(await inNs('get', 'deployment', 'web', '-o', 'json'));
        assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
        assert.equal(d.metadata.generation, 2, 'a spec change bumps generation');
        const failing = await k.run(['-n', namespace, 'patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"test","path":"/data/mode","value":"fast"}]']);
        assert.notEqual(failing.code, 0);
      });

      it('scales a deployment through the scale subresource', async () => {
        const r = await k.run(['-n', namespace, 'scale', 'deployment', 'web', '--replicas=5', '-v=6']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'deployment.apps/web scaled\n');
        // -v=6 logs each request: `PATCH <url> 200 OK` (1.27) or `verb="PATCH" url="<url>" status="200 OK"` (1.33).
        assert.match(r.stderr, /PATCH"? (url=")?https:\/\/\S+\/apis\/apps\/v1\/namespaces\/e2e-\d+\/deployments\/web\/scale[^\s"]*"? (status=")?200 OK/);
        assert.equal(await inNs('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'), '5');
        await inNs('scale', 'statefulset', 'db', '--replicas=3');
        assert.equal(await inNs('get', 'statefulset', 'db', '-o', 'jsonpath={.spec.replicas}'), '3');
        const stale = await k.run(['-n', namespace, 'scale', 'deployment', 'web', '--replicas=1', '--current-replicas=2']);
        assert.notEqual(stale.code, 0, 'a --current-replicas precondition that does not hold is refused');
        assert.equal(await inNs('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'), '5');
      });

      it('lists api-resources and api-versions', async () => {
        const resources = await k.ok(['api-resources']);
        const rows = resources.split('\n').map((l) => l.trim().split(/\s+/));
        assert.deepEqual(rows[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
        const row = (name: string) => rows.find((r) => r[0] === name);
        assert.deepEqual(row('pods'), ['pods', 'po', 'v1', 'true', 'Pod']);
        assert.deepEqual(row('deployments'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
        assert.deepEqual(row('namespaces'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
        assert.deepEqual(row('cronjobs'), ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob']);
        assert.deepEqual(row('priorityclasses'), ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass']);
        const versions = (await k.ok(['api-versions'])).split('\n').filter(Boolean);
        for (const v of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking.k8s.io/v1', 'policy/v1',
          'rbac.authorization.k8s.io/v1', 'storage.k8s.io/v1', 'scheduling.k8s.io/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1']) {
          assert.ok(versions.includes(v), `api-versions lacks ${v}: ${versions.join(' ')}`);
        }
      });

      it('refuses an unknown field with the strict decoding error', async () => {
        const file = await writeManifest('unknown-field.yaml', [{
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'typo', namespace },
          spec: {
            replicass: 1,
            selector: { matchLabels: { app: 'typo' } },
            template: { metadata: { labels: { app: 'typo' } }, spec: podSpecWith({ imagePullPolicyy: 'Always' }) },
          },
        }]);
        const r = await k.run(['create', '-f', file]);
        assert.notEqual(r.code, 0);
        assert.equal(
          r.stderr.trim(),
          `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass", unknown field "spec.template.spec.containers[0].imagePullPolicyy"`,
        );
        const gone = await k.run(['-n', namespace, 'get', 'deployment', 'typo']);
        assert.match(gone.stderr, /Error from server \(NotFound\): deployments.apps "typo" not found/);
      });

      it('refuses an invalid name with the 422 message', async () => {
        const file = await writeManifest('bad-name.yaml', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name', namespace } }]);
        const r = await k.run(['create', '-f', file]);
        assert.notEqual(r.code, 0);
        assert.equal(
          r.stderr.trim(),
          `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        );
      });

      it('refuses an invalid name given to an imperative create with the 422 message', async () => {
        const r = await k.run(['-n', namespace, 'create', 'configmap', 'Bad_Name']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /^error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
      });

      it('refuses a kind the server does not serve', async () => {
        const file = await writeManifest('unknown-kind.yaml', [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace } }]);
        const r = await k.run(['create', '-f', file]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /no matches for kind "Widget" in version "example.com\/v1"/);
      });

      it('deletes by name, with -l, --all and --grace-period=0 --force', async () => {
        for (const name of ['a', 'b', 'c']) {
          const file = await writeManifest(`del-${name}.yaml`, [{
            apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `del-${name}`, namespace, labels: { batch: name === 'c' ? 'two' : 'one' } },
          }]);
          await k.ok(['create', '-f', file]);
        }
        assert.equal(await inNs('delete', 'cm', '-l', 'batch=one'), 'configmap "del-a" deleted\nconfigmap "del-b" deleted\n');
        assert.equal(await inNs('get', 'cm', '-l', 'batch', '-o', 'name'), 'configmap/del-c\n');
        assert.equal(await inNs('delete', 'cm', 'del-c'), 'configmap "del-c" deleted\n');

        const force = await k.run(['-n', namespace, 'delete', 'pod', 'solo', '--grace-period=0', '--force']);
        assert.equal(force.code, 0, force.stderr);
        assert.equal(force.stdout, 'pod "solo" force deleted\n');
        assert.match(force.stderr, /Immediate deletion does not wait for confirmation/);
        const gone = await k.run(['-n', namespace, 'get', 'pod', 'solo']);
        assert.match(gone.stderr, /pods "solo" not found/);

        const all = await inNs('delete', 'configmaps', '--all');
        assert.ok(all.includes('configmap "settings" deleted\n'), all);
        assert.equal(await inNs('get', 'configmaps', '-o', 'name'), '');

        // With no namespace controller yet, a deleted namespace stays Terminating.
        assert.equal(await k.ok(['delete', 'namespace', `extra-${suffix}`, '--wait=false']), `namespace "extra-${suffix}" deleted\n`);
        assert.equal(await k.ok(['get', 'namespace', `extra-${suffix}`, '-o', 'jsonpath={.status.phase}']), 'Terminating');
      });
    });
  }

  describe('the process', () => {
    it('refuses a second coxswain up on the same data dir while the first runs', async () => {
      const second = await runCoxswainUp(dataDir);
      assert.equal(second.code, 1);
      assert.ok(
        second.stderr.includes(`error: another coxswain (pid ${cluster.pid}) is using ${dataDir}; stop it first or pass a different --data-dir`),
        second.stderr,
      );
      assert.ok(await isListening(cluster.url), 'the first one keeps serving');
    });

    it('stops on SIGTERM and keeps every object across a restart', async () => {
      const url = cluster.url;
      assert.equal(await cluster.stop(), 0);
      assert.equal(processExists(cluster.pid), false);
      assert.equal(await isListening(url), false, 'nothing listens after stop');

      cluster = await startCoxswain(dataDir, API_ONLY);
      const k = kubectl(KUBECTL_VERSIONS[1].binary, cluster.kubeconfigPath, join(tmp, 'kube-cache-restart'));
      for (const { version } of KUBECTL_VERSIONS) {
        const namespace = `e2e-${version.replace('.', '')}`;
        assert.equal(await k.ok(['-n', namespace, 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
        assert.equal(await k.ok(['-n', namespace, 'get', 'secret', 'creds', '-o', 'name']), 'secret/creds\n');
      }
      const namespaces = await k.ok(['get', 'ns', '-o', 'name']);
      for (const ns of DEFAULT_NAMESPACES) assert.ok(namespaces.includes(`namespace/${ns}\n`));
      assert.equal(await cluster.stop(), 0);
      assert.equal(await isListening(cluster.url), false);
    });
  });
});

function podSpecWith(extra: Record<string, unknown>) {
  return { containers: [{ name: 'main', image: 'nginx', ...extra }] };
}
