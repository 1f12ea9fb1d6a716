// The volume manager on a real directory: emptyDir, hostPath types, configMap and secret
// (items, modes, optional, atomic updates through ..data), downwardAPI, projected (with the
// service-account token placeholder) and persistentVolumeClaim, and the mounts a container gets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../src/client/api-client.js';
import type { Transport } from '../../src/client/transport.js';
import { containerMounts } from '../../src/kubelet/container-config.js';
import type { PodSources } from '../../src/kubelet/container-env.js';
import { VolumeManager, VolumeMountError } from '../../src/kubelet/volumes/volume-manager.js';
import { removeMemoryDirsUnder } from '../../src/kubelet/volumes/empty-dir.js';
import { pod } from './fixtures.js';

let root: string;
const configMaps = new Map<string, ConfigMap>();
const secrets = new Map<string, Secret>();
const apiObjects = new Map<string, unknown>();

/** Answers GETs from `apiObjects` by path, 404 otherwise. */
const transport: Transport = {
  async request(req) {
    const obj = apiObjects.get(req.path.split('?')[0]!);
    if (obj) return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(obj)) };
    return { status: 404, headers: {}, body: Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' })) };
  },
  async stream() {
    throw new Error('no streams');
  },
};

const sources: PodSources = {
  configMap: (ns, n) => configMaps.get(`${ns}/${n}`),
  secret: (ns, n) => secrets.get(`${ns}/${n}`),
  services: () => [],
};

let vm: VolumeManager;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-volumes-'));
  vm = new VolumeManager({ rootDir: root, client: new ApiClient(transport), sources, nodeAllocatable: () => ({ cpu: '2', memory: '4Gi' }), caCertPem: 'CA PEM' });
});

after(async () => {
  // Secret and projected volumes of the pods left mounted live in /dev/shm.
  await removeMemoryDirsUnder(path.join(root, 'pods'));
  await fs.rm(root, { recursive: true, force: true });
});

const read = (p: string) => fs.readFile(p, 'utf8');
const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;

function withVolumes(uid: string, volumes: NonNullable<Pod['spec']>['volumes']): Pod {
  return pod({ volumes }, { uid });
}

test('emptyDir: a writable directory under pods/<uid>/volumes/kubernetes.io~empty-dir', async () => {
  const mounted = await vm.mountPod(withVolumes('u-empty', [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }]));
  const v = mounted.get('scratch')!;
  assert.equal(v.hostPath, path.join(root, 'pods/u-empty/volumes/kubernetes.io~empty-dir/scratch'));
  assert.equal(v.sizeLimit, '1Gi');
  assert.equal(v.readOnly, false);
  assert.equal(await mode(v.hostPath), 0o777);
});

test('emptyDir with medium Memory lives in /dev/shm when it is writable, and goes with the pod', async (t) => {
  try {
    await fs.access('/dev/shm', fs.constants.W_OK);
  } catch {
    t.diagnostic('no writable /dev/shm: the volume falls back to disk');
  }
  const mounted = await vm.mountPod(withVolumes('u-mem', [{ name: 'm', emptyDir: { medium: 'Memory' } }]));
  const p = mounted.get('m')!.hostPath;
  await fs.writeFile(path.join(p, 'f'), 'x');
  const real = await fs.realpath(p);
  const shm = await fs.access('/dev/shm', fs.constants.W_OK).then(() => true, () => false);
  if (shm) assert.ok(real.startsWith('/dev/shm/'), real);
  await vm.cleanUp('u-mem');
  await assert.rejects(fs.stat(real));
});

test('hostPath: DirectoryOrCreate and FileOrCreate create; Directory and File check', async () => {
  const dir = path.join(root, 'host', 'made');
  const file = path.join(root, 'host-file');
  await fs.mkdir(path.join(root, 'host'), { recursive: true });
  const mounted = await vm.mountPod(withVolumes('u-host', [
    { name: 'd', hostPath: { path: dir, type: 'DirectoryOrCreate' } },
    { name: 'f', hostPath: { path: file, type: 'FileOrCreate' } },
  ]));
  assert.equal(mounted.get('d')!.hostPath, dir);
  assert.ok((await fs.stat(dir)).isDirectory());
  assert.ok((await fs.stat(file)).isFile());
  await assert.rejects(vm.mountPod(withVolumes('u-host2', [{ name: 'x', hostPath: { path: file, type: 'Directory' } }])),
    (e: unknown) => e instanceof VolumeMountError && e.message === `MountVolume.SetUp failed for volume "x" : hostPath type check failed: ${file} is not a directory`);
  await assert.rejects(vm.mountPod(withVolumes('u-host3', [{ name: 'y', hostPath: { path: path.join(root, 'absent'), type: 'File' } }])), VolumeMountError);
});

test('configMap: every key, or the listed items with their modes; updates swap ..data atomically', async () => {
  configMaps.set('ns/cfg', { metadata: { name: 'cfg', namespace: 'ns' }, data: { 'a.txt': 'one', 'b.txt': 'two' } });
  const p = withVolumes('u-cm', [
    { name: 'all', configMap: { name: 'cfg', defaultMode: 0o600 } },
    { name: 'some', configMap: { name: 'cfg', items: [{ key: 'b.txt', path: 'sub/b', mode: 0o400 }] } },
  ]);
  const mounted = await vm.mountPod(p);
  const all = mounted.get('all')!.hostPath;
  assert.equal(mounted.get('all')!.readOnly, true);
  assert.equal(await read(path.join(all, 'a.txt')), 'one');
  assert.equal(await mode(path.join(all, 'a.txt')), 0o600);
  assert.equal(await fs.readlink(path.join(all, 'a.txt')), '..data/a.txt');
  const some = mounted.get('some')!.hostPath;
  assert.equal(await read(path.join(some, 'sub/b')), 'two');
  assert.equal(await mode(path.join(some, 'sub/b')), 0o400);
  assert.deepEqual((await fs.readdir(some)).filter((n) => !n.startsWith('..')), ['sub']);

  const before = await fs.readlink(path.join(all, '..data'));
  await vm.mountPod(p);
  assert.equal(await fs.readlink(path.join(all, '..data')), before, 'an unchanged payload writes nothing');

  configMaps.set('ns/cfg', { metadata: { name: 'cfg', namespace: 'ns' }, data: { 'a.txt': 'ONE', 'c.txt': 'three' } });
  await vm.mountPod(withVolumes('u-cm', [{ name: 'all', configMap: { name: 'cfg', defaultMode: 0o600 } }]));
  assert.notEqual(await fs.readlink(path.join(all, '..data')), before);
  assert.equal(await read(path.join(all, 'a.txt')), 'ONE');
  assert.equal(await read(path.join(all, 'c.txt')), 'three');
  assert.deepEqual((await fs.readdir(all)).filter((n) => !n.startsWith('..')).sort(), ['a.txt', 'c.txt']);
  assert.equal((await fs.readdir(all)).filter((n) => n.startsWith('..') && n !== '..data').length, 1, 'the old timestamped directory is gone');
});

test('configMap: missing is a FailedMount unless optional; a missing item key too', async () => {
  await assert.rejects(vm.mountPod(withVolumes('u-cm2', [{ name: 'v', configMap: { name: 'nope' } }])),
    (e: unknown) => e instanceof VolumeMountError && e.message === 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found');
  const m = await vm.mountPod(withVolumes('u-cm3', [{ name: 'v', configMap: { name: 'nope', optional: true } }]));
  assert.deepEqual((await fs.readdir(m.get('v')!.hostPath)).filter((n) => !n.startsWith('..')), []);
  configMaps.set('ns/cfg2', { metadata: { name: 'cfg2', namespace: 'ns' }, data: { k: 'v' } });
  await assert.rejects(vm.mountPod(withVolumes('u-cm4', [{ name: 'v', configMap: { name: 'cfg2', items: [{ key: 'zz', path: 'zz' }] } }])),
    /configmap references non-existent config key: zz/);
});

test('secret: decoded data, default mode 0644', async () => {
  secrets.set('ns/s', { metadata: { name: 's', namespace: 'ns' }, data: { password: Buffer.from('hunter2').toString('base64') } });
  const m = await vm.mountPod(withVolumes('u-sec', [{ name: 'creds', secret: { secretName: 's' } }]));
  const p = path.join(m.get('creds')!.hostPath, 'password');
  assert.equal(m.get('creds')!.hostPath, path.join(root, 'pods/u-sec/volumes/kubernetes.io~secret/creds'));
  assert.equal(await read(p), 'hunter2');
  assert.equal(await mode(p), 0o644);
});

test('secret: kept in memory under a private directory, as upstream\'s tmpfs; gone with the pod', async (t) => {
  const shm = await fs.access('/dev/shm', fs.constants.W_OK).then(() => true, () => false);
  if (!shm) t.diagnostic('no writable /dev/shm: the volume falls back to disk');
  secrets.set('ns/mem', { metadata: { name: 'mem', namespace: 'ns' }, data: { key: Buffer.from('v1').toString('base64') } });
  const m = await vm.mountPod(withVolumes('u-secmem', [{ name: 'creds', secret: { secretName: 'mem' } }]));
  const real = await fs.realpath(m.get('creds')!.hostPath);
  if (shm) {
    assert.ok(real.startsWith('/dev/shm/'), real);
    const parent = await fs.stat(path.dirname(real));
    assert.equal(parent.mode & 0o777, 0o700, 'only this user may enter the parent of every memory-backed volume');
  }
  assert.equal(await read(path.join(m.get('creds')!.hostPath, 'key')), 'v1');
  // An update is written atomically into the same memory-backed directory.
  secrets.set('ns/mem', { metadata: { name: 'mem', namespace: 'ns' }, data: { key: Buffer.from('v2').toString('base64') } });
  await vm.mountPod(withVolumes('u-secmem', [{ name: 'creds', secret: { secretName: 'mem' } }]));
  assert.equal(await read(path.join(m.get('creds')!.hostPath, 'key')), 'v2');
  assert.equal(await fs.realpath(m.get('creds')!.hostPath), real);
  await vm.cleanUp('u-secmem');
  await assert.rejects(fs.stat(real));
});

test('downwardAPI: labels as sorted key="value" lines, name, and a container limit', async () => {
  const p = pod({
    containers: [{ name: 'c', image: 'busybox', resources: { limits: { memory: '32Mi' } } }],
    volumes: [{ name: 'info', downwardAPI: { items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
    ] } }],
  }, { uid: 'u-dapi', labels: { zone: 'a', app: 'web "x"' } });
  const dir = (await vm.mountPod(p)).get('info')!.hostPath;
  assert.equal(await read(path.join(dir, 'labels')), 'app="web \\"x\\""\nzone="a"');
  assert.equal(await read(path.join(dir, 'name')), 'p');
  assert.equal(await read(path.join(dir, 'mem')), '32');
});

test('projected: the service-account token (from TokenRequest), ca.crt and namespace at one path', async () => {
  apiObjects.set('/api/v1/namespaces/ns/serviceaccounts/builder/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', status: { token: 'header.claims.sig', expirationTimestamp: new Date(Date.now() + 3607_000).toISOString() } });
  const p = pod({
    serviceAccountName: 'builder',
    containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
    volumes: [{ name: 'kube-api-access', projected: { defaultMode: 0o644, sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
    ] } }],
  }, { uid: 'u-proj' });
  const mounted = await vm.mountPod(p);
  const dir = mounted.get('kube-api-access')!.hostPath;
  assert.equal(await read(path.join(dir, 'token')), 'header.claims.sig');
  assert.equal(await read(path.join(dir, 'ca.crt')), 'CA PEM');
  assert.equal(await read(path.join(dir, 'namespace')), 'ns');
  assert.deepEqual(containerMounts(p.spec!.containers[0]!, mounted, []), [{ containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', hostPath: dir, readonly: true }]);
});

test('persistentVolumeClaim: the bound PV\'s hostPath (created) or local path; unbound claims fail', async () => {
  const pvDir = path.join(root, 'local-path', 'pvc-1');
  apiObjects.set('/api/v1/namespaces/ns/persistentvolumeclaims/data', { metadata: { name: 'data', namespace: 'ns' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } } satisfies PersistentVolumeClaim);
  apiObjects.set('/api/v1/persistentvolumes/pv-1', { metadata: { name: 'pv-1' }, spec: { hostPath: { path: pvDir } } } satisfies PersistentVolume);
  apiObjects.set('/api/v1/namespaces/ns/persistentvolumeclaims/waiting', { metadata: { name: 'waiting', namespace: 'ns' }, spec: {}, status: { phase: 'Pending' } } satisfies PersistentVolumeClaim);
  const m = await vm.mountPod(withVolumes('u-pvc', [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }]));
  assert.equal(m.get('d')!.hostPath, pvDir);
  assert.ok((await fs.stat(pvDir)).isDirectory());
  await assert.rejects(vm.mountPod(withVolumes('u-pvc2', [{ name: 'd', persistentVolumeClaim: { claimName: 'waiting' } }])), /PersistentVolumeClaim "waiting" is not bound/);
  await assert.rejects(vm.mountPod(withVolumes('u-pvc3', [{ name: 'd', persistentVolumeClaim: { claimName: 'absent' } }])), /persistentvolumeclaim "absent" not found/);
});

test('container mounts: subPath and subPathExpr join the volume path; readOnly honoured', async () => {
  const mounted = await vm.mountPod(withVolumes('u-sub', [{ name: 'scratch', emptyDir: {} }]));
  const base = mounted.get('scratch')!.hostPath;
  const mounts = containerMounts({
    name: 'c',
    volumeMounts: [
      { name: 'scratch', mountPath: '/data' },
      { name: 'scratch', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)', readOnly: true },
    ],
  }, mounted, [{ key: 'POD_NAME', value: 'p' }]);
  assert.deepEqual(mounts, [
    { containerPath: '/data', hostPath: base, readonly: false },
    { containerPath: '/logs', hostPath: path.join(base, 'logs/p'), readonly: true },
  ]);
});

test('reset: the memory-backed directories of the pods under a kubelet root are removed with their links', async (t) => {
  const shm = await fs.access('/dev/shm', fs.constants.W_OK).then(() => true, () => false);
  if (!shm) t.diagnostic('no writable /dev/shm: nothing is memory-backed, so nothing to remove');
  secrets.set('ns/left', { metadata: { name: 'left', namespace: 'ns' }, data: { key: Buffer.from('v').toString('base64') } });
  // A kubelet root of its own, holding only this pod.
  const ownRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-reset-'));
  t.after(() => fs.rm(ownRoot, { recursive: true, force: true }));
  const own = new VolumeManager({ rootDir: ownRoot, client: new ApiClient(transport), sources, nodeAllocatable: () => ({ cpu: '2', memory: '4Gi' }) });
  const m = await own.mountPod(withVolumes('u-left', [{ name: 'creds', secret: { secretName: 'left' } }, { name: 'm', emptyDir: { medium: 'Memory' } }]));
  const reals = await Promise.all(['creds', 'm'].map((n) => fs.realpath(m.get(n)!.hostPath)));
  const removed = await removeMemoryDirsUnder(path.join(ownRoot, 'pods'));
  if (shm) {
    assert.deepEqual(removed.sort(), [...reals].sort());
    for (const r of reals) await assert.rejects(fs.stat(r));
    await assert.rejects(fs.lstat(m.get('creds')!.hostPath), 'the link goes too');
  } else {
    assert.deepEqual(removed, []);
  }
});
