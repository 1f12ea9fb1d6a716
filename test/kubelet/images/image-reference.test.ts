// Image names as the Docker reference grammar normalises them, and registry credentials
// matched to them as upstream's keyring does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { applyDefaultImageTag, normalizeImage, parseImageReference } from '../../../src/kubelet/images/image-reference.js';
import { DockerKeyring, keyringFromSecrets } from '../../../src/kubelet/images/docker-keyring.js';

describe('image references', () => {
  for (const [image, normalized] of [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app:2', 'docker.io/user/app:2'],
    ['index.docker.io/user/app', 'docker.io/user/app:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost/app', 'localhost/app:latest'],
    ['127.0.0.1:1/none:1', '127.0.0.1:1/none:1'],
    [`app@sha256:${'a'.repeat(64)}`, `docker.io/library/app@sha256:${'a'.repeat(64)}`],
  ] as const) {
    it(`${image} → ${normalized}`, () => assert.equal(normalizeImage(image), normalized));
  }

  it('applies :latest only when neither tag nor digest is given, keeping the short name', () => {
    assert.equal(applyDefaultImageTag('busybox'), 'busybox:latest');
    assert.equal(applyDefaultImageTag('127.0.0.1:5000/app'), '127.0.0.1:5000/app:latest');
    assert.equal(applyDefaultImageTag('busybox:1'), 'busybox:1');
    assert.equal(applyDefaultImageTag(`busybox@sha256:${'b'.repeat(64)}`), `busybox@sha256:${'b'.repeat(64)}`);
  });

  for (const bad of ['', 'Busybox', 'a b', 'app:', ':tag', 'app@sha256']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseImageReference(bad), { name: 'InvalidImageNameError' }));
  }
});

describe('docker keyring', () => {
  const entry = (username: string) => ({ username, password: 'pw' });

  it('matches by host, port, path prefix and one-label wildcards', () => {
    const k = new DockerKeyring();
    k.add({
      'https://registry.example/v2/': entry('host'),
      'registry.example/team': entry('team'),
      '*.example:5000': entry('wild'),
      'https://index.docker.io/v1/': entry('hub'),
    });
    assert.deepEqual(k.lookup('registry.example/team/app:1').map((a) => a.username), ['team', 'host']);
    assert.deepEqual(k.lookup('registry.example/other/app').map((a) => a.username), ['host']);
    assert.deepEqual(k.lookup('eu.example:5000/app').map((a) => a.username), ['wild']);
    assert.deepEqual(k.lookup('a.eu.example:5000/app').map((a) => a.username), []);
    assert.deepEqual(k.lookup('eu.example/app').map((a) => a.username), []);
    // The legacy Docker Hub key serves docker.io images.
    assert.deepEqual(k.lookup('busybox').map((a) => a.username), ['hub']);
  });

  it('reads dockerconfigjson and dockercfg secrets, and ignores other types', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
    const secrets: Secret[] = [
      { metadata: { name: 'json' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64({ auths: { '127.0.0.1:5000': { auth: Buffer.from('alice:pw1').toString('base64') } } }) } },
      { metadata: { name: 'cfg' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64({ '127.0.0.1:5001': { username: 'bob', password: 'pw2' } }) } },
      { metadata: { name: 'opaque' }, type: 'Opaque', data: { '.dockerconfigjson': b64({ auths: { '127.0.0.1:5002': entry('x') } }) } },
    ];
    const k = keyringFromSecrets(secrets);
    assert.equal(k.size, 2);
    const [a] = k.lookup('127.0.0.1:5000/app:1');
    assert.equal(a?.username, 'alice');
    assert.equal(a?.password, 'pw1');
    assert.equal(a?.serverAddress, '127.0.0.1:5000');
    assert.equal(k.lookup('127.0.0.1:5001/app:1')[0]?.username, 'bob');
    assert.deepEqual(k.lookup('127.0.0.1:5002/app:1'), []);
  });
});
