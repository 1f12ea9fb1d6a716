import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ContainerStartError } from '../../../src/kubelet/runtime/errors.js';
import { containerArgv, isBusyboxImage, resolveOnHost } from '../../../src/kubelet/runtime/process/command.js';

describe('process runtime command resolution', () => {
  it('knows busybox images by name, tag, registry and digest', () => {
    for (const i of ['busybox', 'busybox:1.36', 'docker.io/library/busybox:latest', 'busybox@sha256:abc']) assert.ok(isBusyboxImage(i), i);
    for (const i of ['alpine', 'my/busyboxy', 'busybox-extra:1']) assert.ok(!isBusyboxImage(i), i);
  });

  it('builds the argv as Docker does: command then args; args alone; busybox runs sh', () => {
    assert.deepEqual(containerArgv('x', ['sleep'], ['10']), ['sleep', '10']);
    assert.deepEqual(containerArgv('busybox', [], ['sh', '-c', 'echo hi']), ['sh', '-c', 'echo hi']);
    assert.deepEqual(containerArgv('busybox:1.36', [], []), ['sh']);
    assert.throws(() => containerArgv('nginx', [], []), ContainerStartError);
  });

  it('runs a busybox applet through a host busybox when there is one', () => {
    const busybox = { binary: '/opt/busybox', applets: new Set(['sh', 'wget']) };
    const opts = { image: 'busybox', searchPath: '/usr/bin:/bin', busybox };
    assert.deepEqual(resolveOnHost(['wget', '-q', 'x'], opts), ['/opt/busybox', 'wget', '-q', 'x']);
    assert.deepEqual(resolveOnHost(['/bin/sh', '-c', 'true'], opts), ['/opt/busybox', 'sh', '-c', 'true']);
    // Not an applet, or not a busybox image: the host's binary.
    assert.deepEqual(resolveOnHost(['sh', '-c', 'true'], { ...opts, image: 'alpine' }), ['sh', '-c', 'true']);
  });

  it('fails as runc does when the executable is missing', () => {
    assert.throws(() => resolveOnHost(['nope-nope'], { image: 'busybox', searchPath: '/usr/bin:/bin' }),
      { message: 'exec: "nope-nope": executable file not found in $PATH' });
    assert.throws(() => resolveOnHost(['/nope/x'], { image: 'busybox', searchPath: '/usr/bin' }),
      { message: 'exec: "/nope/x": stat /nope/x: no such file or directory' });
  });
});
