// How the cri runtime maps the kubelet's configs and the pod's spec to CRI messages, after
// upstream's kuberuntime: resources, QoS cgroups, security contexts, namespaces, DNS, hosts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { milliCPUToQuota, milliCPUToShares, oomScoreAdj } from '../../../src/kubelet/runtime/cri/container-resources.js';
import { criContainerConfig, DEFAULT_MASKED_PATHS } from '../../../src/kubelet/runtime/cri/container-config.js';
import { criSandboxConfig } from '../../../src/kubelet/runtime/cri/sandbox-config.js';
import { managedHostsContent } from '../../../src/kubelet/runtime/cri/sandbox-hosts-file.js';
import { exitCodeFromStatus } from '../../../src/kubelet/runtime/cri/container-streams.js';
import { containerFromCriStatus } from '../../../src/kubelet/runtime/cri/container-status.js';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/kubelet/runtime/types.js';

const GiB = 1024 ** 3;

const sandbox = (over: Partial<PodSandboxConfig> = {}): PodSandboxConfig => ({
  metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 0 },
  hostname: 'web',
  logDirectory: '/logs/default_web_u1',
  labels: { 'io.kubernetes.pod.uid': 'u1' },
  annotations: {},
  ...over,
});

const container = (over: Partial<ContainerConfig> = {}): ContainerConfig => ({
  metadata: { name: 'app', attempt: 2 },
  image: 'busybox',
  command: ['sh'],
  args: ['-c', 'true'],
  envs: [{ key: 'A', value: '1' }],
  mounts: [{ containerPath: '/data', hostPath: '/var/x/data', readonly: true }],
  logPath: 'app/2.log',
  labels: { 'io.kubernetes.container.name': 'app' },
  annotations: {},
  ...over,
});

describe('cri resources (upstream helpers)', () => {
  for (const [milli, shares] of [[0, 2], [1, 2], [100, 102], [250, 256], [1000, 1024], [1_000_000, 262_144]] as const) {
    it(`milliCPUToShares(${milli}) = ${shares}`, () => assert.equal(milliCPUToShares(milli), shares));
  }
  for (const [milli, quota] of [[0, 0], [5, 1000], [100, 10_000], [1500, 150_000]] as const) {
    it(`milliCPUToQuota(${milli}) = ${quota}`, () => assert.equal(milliCPUToQuota(milli), quota));
  }
  it('OOM score by QoS class', () => {
    assert.equal(oomScoreAdj('Guaranteed', GiB, 8 * GiB), -997);
    assert.equal(oomScoreAdj('BestEffort', 0, 8 * GiB), 1000);
    assert.equal(oomScoreAdj('Burstable', 4 * GiB, 8 * GiB), 500);
    assert.equal(oomScoreAdj('Burstable', 8 * GiB, 8 * GiB), 2);
    assert.equal(oomScoreAdj('Burstable', 0, 8 * GiB), 999);
  });
});

describe('cri container config', () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      securityContext: { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000] },
      containers: [{
        name: 'app', image: 'busybox',
        resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        securityContext: { runAsGroup: 10, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
        volumeMounts: [{ name: 'd', mountPath: '/data', mountPropagation: 'HostToContainer' }],
      }],
    },
    status: { qosClass: 'Burstable' },
  };

  it('maps command, env, mounts with propagation, the hosts file and the log path', () => {
    const c = criContainerConfig(container(), pod, { etcHostsPath: '/cri/pods/u1/etc-hosts', memoryCapacityBytes: 8 * GiB });
    assert.deepEqual(c.command, ['sh']);
    assert.deepEqual(c.args, ['-c', 'true']);
    assert.equal(c.logPath, 'app/2.log');
    assert.deepEqual(c.mounts, [
      { containerPath: '/data', hostPath: '/var/x/data', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' },
      { containerPath: '/etc/hosts', hostPath: '/cri/pods/u1/etc-hosts', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
    ]);
  });

  it('sets cgroup resources from requests and limits', () => {
    const r = criContainerConfig(container(), pod, { memoryCapacityBytes: 8 * GiB }).linux!.resources!;
    assert.equal(r.cpuShares, 256);
    assert.equal(r.cpuQuota, 50_000);
    assert.equal(r.cpuPeriod, 100_000);
    assert.equal(r.memoryLimitInBytes, 128 * 1024 * 1024);
    assert.equal(r.oomScoreAdj, 1000 - Math.floor((1000 * 64 * 1024 * 1024) / (8 * GiB)));
  });

  it('merges the container security context over the pod one', () => {
    const sc = criContainerConfig(container(), pod, { memoryCapacityBytes: 8 * GiB }).linux!.securityContext!;
    assert.deepEqual(sc.runAsUser, { value: 1000 });
    assert.deepEqual(sc.runAsGroup, { value: 10 });
    assert.deepEqual(sc.supplementalGroups, [3000, 2000]);
    assert.equal(sc.readonlyRootfs, true);
    assert.equal(sc.noNewPrivs, true);
    assert.deepEqual(sc.capabilities, { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] });
    assert.deepEqual(sc.maskedPaths, DEFAULT_MASKED_PATHS);
    assert.deepEqual(sc.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  });

  it('a privileged container gets no masked paths and no no_new_privs', () => {
    const priv: Pod = { ...pod, spec: { containers: [{ name: 'app', securityContext: { privileged: true, allowPrivilegeEscalation: false } }] } };
    const sc = criContainerConfig(container(), priv, { memoryCapacityBytes: 8 * GiB }).linux!.securityContext!;
    assert.equal(sc.privileged, true);
    assert.equal(sc.noNewPrivs, false);
    assert.deepEqual(sc.maskedPaths, []);
  });

  it('without the pod spec, falls back to the limits the kubelet passed', () => {
    const r = criContainerConfig(container({ limits: { memoryBytes: 1 << 20, milliCpu: 200 } }), undefined, { memoryCapacityBytes: 8 * GiB }).linux!.resources!;
    assert.equal(r.memoryLimitInBytes, 1 << 20);
    assert.equal(r.cpuQuota, 20_000);
  });
});

describe('cri sandbox config', () => {
  it('puts the pod in its QoS cgroup with namespaces, sysctls and DNS', () => {
    const pod: Pod = {
      metadata: { uid: 'u1' },
      spec: {
        containers: [], shareProcessNamespace: true,
        securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65000' }] },
        dnsConfig: { nameservers: ['1.2.3.4'], options: [{ name: 'ndots', value: '2' }] },
      },
      status: { qosClass: 'BestEffort' },
    };
    const c = criSandboxConfig(sandbox({ dnsConfig: { servers: ['10.43.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] } }), pod, { cgroupRoot: '/coxswain' });
    assert.equal(c.linux!.cgroupParent, '/coxswain/kubepods/besteffort/podu1');
    assert.deepEqual(c.linux!.securityContext!.namespaceOptions, { network: 'POD', pid: 'POD', ipc: 'POD' });
    assert.deepEqual(c.linux!.sysctls, { 'net.ipv4.ip_local_port_range': '1024 65000' });
    assert.deepEqual(c.dnsConfig, { servers: ['10.43.0.10', '1.2.3.4'], searches: ['default.svc.cluster.local'], options: ['ndots:2'] });
    assert.equal(c.hostname, 'web');
  });

  it('host-network pods use the node network and hostname', () => {
    const c = criSandboxConfig(sandbox({ hostNetwork: true }), { spec: { containers: [], hostNetwork: true }, status: { qosClass: 'Guaranteed' } }, { cgroupRoot: '/coxswain' });
    assert.equal(c.hostname, undefined);
    assert.equal(c.linux!.securityContext!.namespaceOptions!.network, 'NODE');
    assert.equal(c.linux!.cgroupParent, '/coxswain/kubepods/podu1');
  });
});

describe('cri statuses, hosts file and exec status', () => {
  it('keeps containerd\'s OOMKilled and names other exits', () => {
    const base = {
      id: 'c1', metadata: { name: 'app', attempt: 0 }, createdAt: '1700000000000000000', startedAt: '1700000001000000000',
      finishedAt: '1700000002000000000', image: { image: 'busybox' }, imageRef: 'sha256:x', message: '', labels: {}, annotations: {}, mounts: [], logPath: '/l/app/0.log',
    };
    const oom = containerFromCriStatus({ ...base, state: 'CONTAINER_EXITED', exitCode: 137, reason: 'OOMKilled' }, 's1');
    assert.equal(oom.reason, 'OOMKilled');
    assert.equal(oom.exitCode, 137);
    assert.equal(oom.startedAt, 1_700_000_001_000);
    assert.equal(containerFromCriStatus({ ...base, state: 'CONTAINER_EXITED', exitCode: 0, reason: '' }, 's1').reason, 'Completed');
    assert.equal(containerFromCriStatus({ ...base, state: 'CONTAINER_EXITED', exitCode: 2, reason: '' }, 's1').reason, 'Error');
    const running = containerFromCriStatus({ ...base, state: 'CONTAINER_RUNNING', exitCode: 0, reason: '', finishedAt: '0' }, 's1');
    assert.equal(running.finishedAt, undefined);
    assert.equal(running.exitCode, undefined);
  });

  it('writes the managed hosts file with hostAliases', () => {
    const text = managedHostsContent({ podIPs: ['10.42.0.5'], hostname: 'web', domain: 'sub.default.svc.cluster.local', hostNetwork: false, hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] });
    assert.match(text, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.match(text, /\n10\.42\.0\.5\tweb\.sub\.default\.svc\.cluster\.local\tweb\n/);
    assert.match(text, /# Entries added by HostAliases\.\n1\.2\.3\.4\ta\tb\n$/);
  });

  it('reads exit codes from the error channel Status', () => {
    assert.equal(exitCodeFromStatus('{"status":"Success"}'), 0);
    assert.equal(exitCodeFromStatus('{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}'), 3);
    assert.equal(exitCodeFromStatus('{"status":"Failure","message":"oops"}'), 1);
  });
});
