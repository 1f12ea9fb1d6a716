import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { criProtoPath } from '../../../src/kubelet/runtime/cri/api-proto-path.js';
import {
  connectCri,
  CriCallError,
  CriUnavailableError,
  CriUnsupportedError,
  KUBE_RUNTIME_API_VERSION,
  normalizeCriEndpoint,
  unixSocketPath,
} from '../../../src/kubelet/runtime/cri/client.js';
import { int64ToNumber, nanosToMillis } from '../../../src/kubelet/runtime/cri/int64.js';

/** A gRPC server on a unix socket in a temp dir, serving what `add` registers. */
async function fakeServer(add: (server: grpc.Server) => void): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cri-client-'));
  const socket = join(dir, 'cri.sock');
  const server = new grpc.Server();
  add(server);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    endpoint: `unix://${socket}`,
    stop: async () => {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The runtime.v1 services as a server sees them (raw field names, so the test checks the wire). */
function v1Services(): { RuntimeService: grpc.ServiceDefinition; ImageService: grpc.ServiceDefinition } {
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } };
  };
  return { RuntimeService: pkg.runtime.v1.RuntimeService.service, ImageService: pkg.runtime.v1.ImageService.service };
}

describe('CRI endpoints', () => {
  it('accepts unix:///path, unix:/path and a bare socket path', () => {
    assert.equal(normalizeCriEndpoint('/run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
    assert.equal(normalizeCriEndpoint('unix:/run/x.sock'), 'unix:///run/x.sock');
    assert.equal(normalizeCriEndpoint('unix:///run/x.sock'), 'unix:///run/x.sock');
    assert.equal(unixSocketPath('unix:///run/x.sock'), '/run/x.sock');
    assert.equal(unixSocketPath('tcp://127.0.0.1:1'), undefined);
  });
});

describe('int64 fields', () => {
  it('converts nanosecond timestamps past 2^53 exactly to milliseconds', () => {
    assert.equal(nanosToMillis('1795335101989386013'), 1795335101989);
    assert.equal(nanosToMillis('0'), 0);
    assert.equal(nanosToMillis(''), 0);
    assert.equal(int64ToNumber('1055261'), 1055261);
  });
});

describe('connectCri', () => {
  it('says no runtime is there when the socket is missing', async () => {
    await assert.rejects(connectCri('unix:///nonexistent/coxswain-test.sock', { timeoutMs: 500 }), (err: unknown) => {
      assert.ok(err instanceof CriUnavailableError);
      assert.match(err.message, /^no CRI runtime at unix:\/\/\/nonexistent\/coxswain-test\.sock: .* does not exist\. Is containerd running\?/);
      return true;
    });
  });

  it('says the runtime speaks another API when runtime.v1 is unimplemented (old containerd, cri plugin disabled)', async () => {
    const server = await fakeServer(() => {});
    try {
      await assert.rejects(connectCri(server.endpoint, { timeoutMs: 2_000 }), (err: unknown) => {
        assert.ok(err instanceof CriUnsupportedError, String(err));
        assert.match(err.message, /does not serve the CRI runtime\.v1 API/);
        assert.match(err.message, /disabled_plugins/);
        return true;
      });
    } finally {
      await server.stop();
    }
  });

  it('rejects a runtime whose Version reports an API other than v1', async () => {
    const { RuntimeService } = v1Services();
    const server = await fakeServer((s) =>
      s.addService(RuntimeService, {
        Version: (_call: unknown, cb: grpc.sendUnaryData<object>) =>
          cb(null, { version: '0.1.0', runtime_name: 'old', runtime_version: '1', runtime_api_version: 'v1alpha2' }),
      }),
    );
    try {
      await assert.rejects(connectCri(server.endpoint, { timeoutMs: 2_000 }), (err: unknown) => err instanceof CriUnsupportedError && /v1alpha2/.test(err.message));
    } finally {
      await server.stop();
    }
  });

  it('speaks the runtime.v1 wire format: snake_case fields, enums by name, int64 as exact strings', async () => {
    const { RuntimeService, ImageService } = v1Services();
    const seen: Record<string, unknown> = {};
    const server = await fakeServer((s) => {
      s.addService(RuntimeService, {
        Version: (call: grpc.ServerUnaryCall<{ version: string }, object>, cb: grpc.sendUnaryData<object>) => {
          seen.version = call.request.version;
          cb(null, { version: '0.1.0', runtime_name: 'fake', runtime_version: '9', runtime_api_version: 'v1' });
        },
        CreateContainer: (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, cb: grpc.sendUnaryData<object>) => {
          seen.create = call.request;
          cb(null, { container_id: 'c-1' });
        },
        ContainerStatus: (_call: unknown, cb: grpc.sendUnaryData<object>) =>
          cb(null, { status: { id: 'c-1', state: 'CONTAINER_EXITED', created_at: '1795335101989386013', exit_code: 137, reason: 'OOMKilled' } }),
      });
      s.addService(ImageService, {
        ImageStatus: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, {}),
      });
    });
    try {
      const { client, version } = await connectCri(server.endpoint, { timeoutMs: 2_000 });
      try {
        assert.equal(seen.version, KUBE_RUNTIME_API_VERSION);
        assert.deepEqual(version, { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '9', runtimeApiVersion: 'v1' });

        const id = await client.createContainer(
          'sb-1',
          {
            metadata: { name: 'app', attempt: 2 },
            image: { image: 'busybox' },
            command: ['sh'],
            logPath: 'app/2.log',
            envs: [{ key: 'A', value: 'b' }],
            linux: { resources: { memoryLimitInBytes: 64 * 1024 * 1024, cpuShares: 512 }, securityContext: { namespaceOptions: { pid: 'CONTAINER' } } },
          },
          { metadata: { name: 'p', uid: 'u', namespace: 'default', attempt: 0 } },
        );
        assert.equal(id, 'c-1');
        const req = seen.create as { pod_sandbox_id: string; config: Record<string, any>; sandbox_config: Record<string, any> };
        assert.equal(req.pod_sandbox_id, 'sb-1');
        assert.equal(req.config.log_path, 'app/2.log');
        assert.equal(req.config.metadata.attempt, 2);
        assert.deepEqual(req.config.envs, [{ key: 'A', value: 'b' }]);
        assert.equal(req.config.linux.resources.memory_limit_in_bytes, String(64 * 1024 * 1024));
        assert.equal(req.config.linux.security_context.namespace_options.pid, 'CONTAINER');
        assert.equal(req.sandbox_config.metadata.namespace, 'default');

        const st = await client.containerStatus('c-1');
        assert.equal(st.status?.state, 'CONTAINER_EXITED');
        assert.equal(st.status?.createdAt, '1795335101989386013');
        assert.equal(st.status?.startedAt, '0');
        assert.equal(st.status?.exitCode, 137);
        assert.equal(st.status?.reason, 'OOMKilled');

        // An image the runtime lacks comes back as null, not as an empty object.
        assert.equal((await client.imageStatus({ image: 'nope' })).image, null);

        await assert.rejects(client.listImages(), (err: unknown) => err instanceof CriCallError && err.code === grpc.status.UNIMPLEMENTED && err.rpc === 'ListImages');
      } finally {
        client.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('gives up at the call deadline', async () => {
    const { RuntimeService } = v1Services();
    const server = await fakeServer((s) =>
      s.addService(RuntimeService, {
        Version: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { runtime_api_version: 'v1' }),
        // Never answers.
        ListContainers: () => {},
      }),
    );
    try {
      const { client } = await connectCri(server.endpoint, { timeoutMs: 2_000 });
      try {
        const t0 = Date.now();
        await assert.rejects(client.listContainers(undefined, { timeoutMs: 200 }), (err: unknown) => err instanceof CriCallError && err.code === grpc.status.DEADLINE_EXCEEDED);
        assert.ok(Date.now() - t0 < 2_000);
      } finally {
        client.close();
      }
    } finally {
      await server.stop();
    }
  });
});
