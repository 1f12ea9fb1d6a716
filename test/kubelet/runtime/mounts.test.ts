import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MountMapper, mountEnvName } from '../../../src/kubelet/runtime/process/mounts.js';

describe('process runtime mount scheme', () => {
  const mapper = new MountMapper([
    { containerPath: '/etc/config', hostPath: '/data/pods/u/volumes/config' },
    { containerPath: '/etc/config/extra/', hostPath: '/data/extra' },
    { containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', hostPath: '/data/sa' },
    { containerPath: '/', hostPath: '/nope' },
  ]);

  it('names one variable per mount after its container path', () => {
    assert.equal(mountEnvName('/etc/config'), 'COXSWAIN_MOUNT_ETC_CONFIG');
    assert.equal(mountEnvName('/var/run/secrets/kubernetes.io/serviceaccount'), 'COXSWAIN_MOUNT_VAR_RUN_SECRETS_KUBERNETES_IO_SERVICEACCOUNT');
    assert.deepEqual(mapper.env(), {
      COXSWAIN_MOUNT_ETC_CONFIG_EXTRA: '/data/extra',
      COXSWAIN_MOUNT_ETC_CONFIG: '/data/pods/u/volumes/config',
      COXSWAIN_MOUNT_VAR_RUN_SECRETS_KUBERNETES_IO_SERVICEACCOUNT: '/data/sa',
    });
  });

  const rows: [string, string, string][] = [
    ['a bare path', '/etc/config', '/data/pods/u/volumes/config'],
    ['a file below a mount', 'cat /etc/config/key', 'cat /data/pods/u/volumes/config/key'],
    ['the longest mount wins', '/etc/config/extra/x', '/data/extra/x'],
    ['in quotes and after =', `--config="/etc/config/a" --b=/etc/config`, `--config="/data/pods/u/volumes/config/a" --b=/data/pods/u/volumes/config`],
    ['several in one string', '/etc/config:/etc/config/extra', '/data/pods/u/volumes/config:/data/extra'],
    ['not inside another path', '/x/etc/config', '/x/etc/config'],
    ['not a longer name', '/etc/configs /etc/config.d', '/etc/configs /etc/config.d'],
    ['a root mount is never a prefix', '/usr/bin/env', '/usr/bin/env'],
  ];
  for (const [name, input, want] of rows) {
    it(`rewrites paths: ${name}`, () => assert.equal(mapper.rewrite(input), want));
  }

  it('maps a working directory inside a mount to the host', () => {
    assert.equal(mapper.hostDirFor('/etc/config'), '/data/pods/u/volumes/config');
    assert.equal(mapper.hostDirFor('/etc/config/sub/'), '/data/pods/u/volumes/config/sub');
    assert.equal(mapper.hostDirFor('/app'), undefined);
  });
});
