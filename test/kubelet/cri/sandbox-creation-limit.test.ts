// CriRuntime starts at most `maxParallelSandboxCreations` RunPodSandbox calls at once, first
// come first served, so that of 100 pods created together the first ones start first instead
// of all sharing the CPU and finishing late (bench/cri-runtime-floor.ts measures why).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CriClient } from '../../../src/kubelet/runtime/cri/client.js';
import type * as api from '../../../src/kubelet/runtime/cri/api-types.js';
import { CriRuntime } from '../../../src/kubelet/runtime/cri/runtime.js';
import type { PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';
import { eventually } from '../../helpers/eventually.js';

/** A CRI client whose RunPodSandbox calls wait until the test lets each one finish. */
function gatedClient() {
  const started: string[] = [];
  const finish = new Map<string, (fail?: Error) => void>();
  const client = {
    runPodSandbox: (config: api.PodSandboxConfig) => {
      const name = config.metadata?.name ?? '';
      started.push(name);
      return new Promise<string>((resolve, reject) => finish.set(name, (fail) => (fail ? reject(fail) : resolve(`sb-${name}`))));
    },
  } as unknown as CriClient;
  return { client, started, finish: (name: string, fail?: Error) => finish.get(name)!(fail) };
}

function sandbox(name: string): PodSandboxConfig {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, logDirectory: `/var/log/pods/${name}`, labels: {}, annotations: {} };
}

describe('CriRuntime sandbox creation limit', () => {
  it('runs at most the limit at once and the waiting ones in arrival order', async () => {
    const fake = gatedClient();
    const rt = new CriRuntime({ client: fake.client, rootDir: '/nonexistent', maxParallelSandboxCreations: 2 });
    const names = ['a', 'b', 'c', 'd'];
    const results = names.map((n) => rt.runPodSandbox(sandbox(n)));
    await eventually(() => fake.started.length === 2, 'two creations under way');
    assert.deepEqual(fake.started, ['a', 'b']);

    fake.finish('b');
    assert.equal(await results[1], 'sb-b');
    await eventually(() => fake.started.length === 3, 'the next creation');
    assert.deepEqual(fake.started, ['a', 'b', 'c']);

    // A failed creation frees its slot too, and the caller sees the error.
    fake.finish('a', new Error('CNI failed'));
    await assert.rejects(results[0]!, /CNI failed/);
    await eventually(() => fake.started.length === 4, 'the last creation');
    fake.finish('c');
    fake.finish('d');
    assert.deepEqual(await Promise.all(results.slice(2)), ['sb-c', 'sb-d']);
  });

  it('does not limit when the limit is 0', async () => {
    const fake = gatedClient();
    const rt = new CriRuntime({ client: fake.client, rootDir: '/nonexistent', maxParallelSandboxCreations: 0 });
    const results = ['a', 'b', 'c'].map((n) => rt.runPodSandbox(sandbox(n)));
    await eventually(() => fake.started.length === 3, 'all three at once');
    for (const n of ['a', 'b', 'c']) fake.finish(n);
    assert.deepEqual(await Promise.all(results), ['sb-a', 'sb-b', 'sb-c']);
  });
});
