// The built-in table printers, object → cells, against upstream printers.go (Kubernetes 1.30).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podSummary, podPrinter } from '../../src/apiserver/printers/pod.js';
import { builtinPrinters } from '../../src/apiserver/printers/index.js';
import { humanDuration } from '../../src/apiserver/printers/time.js';
import type { KindPrinter } from '../../src/apiserver/printers/types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
/** An RFC 3339 time `seconds` before NOW. */
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace('.000', '');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: ago(600), ...extra });

function printer(group: string, resource: string): KindPrinter {
  const found = builtinPrinters.find((p) => p.group === group && p.resource === resource);
  assert.ok(found, `no printer for ${group}/${resource}`);
  return found.printer;
}

const headers = (p: KindPrinter) => p.columns.map((c) => c.name);
const wide = (p: KindPrinter) => p.columns.filter((c) => c.priority === 1).map((c) => c.name);
const cells = (group: string, resource: string, obj: Record<string, any>) => printer(group, resource).row(obj, NOW);

const running = { running: { startedAt: ago(500) } };
const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, ready: true, started: true, restartCount: 0, state: running, ...extra });
const pod = (status: Record<string, any>, spec: Record<string, any> = {}, metaExtra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: meta('web', metaExtra),
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  status,
});
const readyCond = { type: 'Ready', status: 'True' };

describe('humanDuration', () => {
  const cases: [string, number, string][] = [
    ['seconds below two minutes', 119, '119s'],
    ['minutes with seconds below ten minutes', 5 * 60 + 3, '5m3s'],
    ['whole minutes', 4 * 60, '4m'],
    ['minutes below three hours', 150 * 60, '150m'],
    ['hours with minutes below eight hours', 3 * 3600 + 10 * 60, '3h10m'],
    ['hours below two days', 30 * 3600, '30h'],
    ['days with hours below eight days', 4 * 86400 + 5 * 3600, '4d5h'],
    ['days below two years', 400 * 86400, '400d'],
    ['years with days', (2 * 365 + 3) * 86400, '2y3d'],
    ['whole years past eight', 9 * 365 * 86400, '9y'],
    ['up to two seconds in the future (clock skew)', -1.5, '0s'],
    ['further in the future', -2.5, '<invalid>'],
  ];
  for (const [name, seconds, want] of cases) it(name, () => assert.equal(humanDuration(seconds * 1000), want));
});

describe('pod printer', () => {
  it('has upstream columns, the last four only with -o wide', () => {
    assert.deepEqual(headers(podPrinter), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(wide(podPrinter), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.equal(podPrinter.columns[0]!.format, 'name');
    assert.equal(podPrinter.columns.find((c) => c.name === 'Restarts')!.type, 'string');
  });

  const cases: { name: string; pod: Record<string, any>; ready: string; status: string; restarts: string }[] = [
    { name: 'pending with no statuses', pod: pod({ phase: 'Pending' }), ready: '0/1', status: 'Pending', restarts: '0' },
    {
      name: 'scheduling gated',
      pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      ready: '0/1', status: 'SchedulingGated', restarts: '0',
    },
    {
      name: 'container creating',
      pod: pod({ phase: 'Pending', containerStatuses: [container('app', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } })] }),
      ready: '0/1', status: 'ContainerCreating', restarts: '0',
    },
    { name: 'running and ready', pod: pod({ phase: 'Running', conditions: [readyCond], containerStatuses: [container('app')] }), ready: '1/1', status: 'Running', restarts: '0' },
    {
      name: 'running with one of two ready',
      pod: pod({ phase: 'Running', containerStatuses: [container('a'), container('b', { ready: false })] }, { containers: [{ name: 'a' }, { name: 'b' }] }),
      ready: '1/2', status: 'Running', restarts: '0',
    },
    {
      name: 'crash loop with the last restart age',
      pod: pod({
        phase: 'Running',
        containerStatuses: [container('app', {
          ready: false, restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
        })],
      }),
      ready: '0/1', status: 'CrashLoopBackOff', restarts: '5 (5m ago)',
    },
    {
      name: 'completed',
      pod: pod({ phase: 'Succeeded', containerStatuses: [container('app', { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } })] }),
      ready: '0/1', status: 'Completed', restarts: '0',
    },
    {
      name: 'error exit',
      pod: pod({ phase: 'Failed', containerStatuses: [container('app', { ready: false, state: { terminated: { exitCode: 2, reason: 'Error' } } })] }),
      ready: '0/1', status: 'Error', restarts: '0',
    },
    {
      name: 'terminated without a reason by a signal',
      pod: pod({ phase: 'Failed', containerStatuses: [container('app', { ready: false, state: { terminated: { exitCode: 137, signal: 9 } } })] }),
      ready: '0/1', status: 'Signal:9', restarts: '0',
    },
    {
      name: 'terminated without a reason with an exit code',
      pod: pod({ phase: 'Failed', containerStatuses: [container('app', { ready: false, state: { terminated: { exitCode: 3 } } })] }),
      ready: '0/1', status: 'ExitCode:3', restarts: '0',
    },
    {
      name: 'one container completed, another running and the pod ready',
      pod: pod(
        { phase: 'Running', conditions: [readyCond], containerStatuses: [container('a'), container('b', { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } })] },
        { containers: [{ name: 'a' }, { name: 'b' }] },
      ),
      ready: '1/2', status: 'Running', restarts: '0',
    },
    {
      name: 'one container completed, another running but the pod not ready',
      pod: pod(
        { phase: 'Running', containerStatuses: [container('a'), container('b', { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } })] },
        { containers: [{ name: 'a' }, { name: 'b' }] },
      ),
      ready: '1/2', status: 'NotReady', restarts: '0',
    },
    {
      name: 'first of one init container running',
      pod: pod({ phase: 'Pending', initContainerStatuses: [container('init', { ready: false })] }, { initContainers: [{ name: 'init' }] }),
      ready: '0/1', status: 'Init:0/1', restarts: '0',
    },
    {
      name: 'second of two init containers running',
      pod: pod(
        { phase: 'Pending', initContainerStatuses: [container('i1', { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }), container('i2', { ready: false })] },
        { initContainers: [{ name: 'i1' }, { name: 'i2' }] },
      ),
      ready: '0/1', status: 'Init:1/2', restarts: '0',
    },
    {
      name: 'init container failed',
      pod: pod({ phase: 'Pending', initContainerStatuses: [container('init', { ready: false, state: { terminated: { exitCode: 1, reason: 'Error' } } })] }, { initContainers: [{ name: 'init' }] }),
      ready: '0/1', status: 'Init:Error', restarts: '0',
    },
    {
      name: 'init container failed without a reason',
      pod: pod({ phase: 'Pending', initContainerStatuses: [container('init', { ready: false, state: { terminated: { exitCode: 4 } } })] }, { initContainers: [{ name: 'init' }] }),
      ready: '0/1', status: 'Init:ExitCode:4', restarts: '0',
    },
    {
      name: 'init container in a crash loop counts its restarts',
      pod: pod(
        {
          phase: 'Pending',
          initContainerStatuses: [container('init', {
            ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } },
          })],
        },
        { initContainers: [{ name: 'init' }] },
      ),
      ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '3 (90s ago)',
    },
    {
      name: 'init container waiting for PodInitializing shows the init progress',
      pod: pod({ phase: 'Pending', initContainerStatuses: [container('init', { ready: false, state: { waiting: { reason: 'PodInitializing' } } })] }, { initContainers: [{ name: 'init' }] }),
      ready: '0/1', status: 'Init:0/1', restarts: '0',
    },
    {
      name: 'a started sidecar counts as a ready container',
      pod: pod(
        { phase: 'Running', conditions: [readyCond, { type: 'Initialized', status: 'True' }], initContainerStatuses: [container('proxy')], containerStatuses: [container('app')] },
        { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
      ),
      ready: '2/2', status: 'Running', restarts: '0',
    },
    {
      name: 'terminating',
      pod: pod({ phase: 'Running', containerStatuses: [container('app')] }, {}, { deletionTimestamp: ago(5) }),
      ready: '1/1', status: 'Terminating', restarts: '0',
    },
    {
      name: 'terminating after it succeeded (1.30 still says Terminating)',
      pod: pod({ phase: 'Succeeded', containerStatuses: [container('app', { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } })] }, {}, { deletionTimestamp: ago(5) }),
      ready: '0/1', status: 'Terminating', restarts: '0',
    },
    {
      name: 'on a lost node while being deleted',
      pod: pod({ phase: 'Running', reason: 'NodeLost', containerStatuses: [container('app')] }, {}, { deletionTimestamp: ago(5) }),
      ready: '1/1', status: 'Unknown', restarts: '0',
    },
    { name: 'evicted', pod: pod({ phase: 'Failed', reason: 'Evicted' }), ready: '0/1', status: 'Evicted', restarts: '0' },
  ];
  for (const c of cases) {
    it(`STATUS: ${c.name}`, () => {
      assert.deepEqual(podSummary(c.pod, NOW), { ready: c.ready, status: c.status, restarts: c.restarts });
    });
  }

  it('prints wide cells with <none> for what is unset', () => {
    assert.deepEqual(podPrinter.row(pod({ phase: 'Pending' }), NOW), ['web', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('prints IP, node, nominated node and readiness gates', () => {
    const p = pod(
      { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }], nominatedNodeName: 'n2', conditions: [{ type: 'example.com/gate', status: 'True' }], containerStatuses: [container('app')] },
      { nodeName: 'n1', readinessGates: [{ conditionType: 'example.com/gate' }, { conditionType: 'example.com/other' }] },
    );
    assert.deepEqual(podPrinter.row(p, NOW).slice(5), ['10.42.0.5', 'n1', 'n2', '1/2']);
  });

  it('marks finished pods with a Completed row condition', () => {
    assert.deepEqual(podPrinter.conditions!(pod({ phase: 'Succeeded' })), [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    assert.equal(podPrinter.conditions!(pod({ phase: 'Running' })), undefined);
  });
});

describe('workload printers', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }] } };

  it('deployments: READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR', () => {
    const p = printer('apps', 'deployments');
    assert.deepEqual(headers(p), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
    const d = { metadata: meta('web'), spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    assert.deepEqual(p.row(d, NOW), ['web', '2/3', 3, 2, '10m', 'a,b', 'nginx:1,busybox', 'app=web,tier in (a,b)']);
  });

  it('replica sets and replication controllers: DESIRED CURRENT READY', () => {
    const rs = { metadata: meta('web-1'), spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(headers(printer('apps', 'replicasets')), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(cells('apps', 'replicasets', rs), ['web-1', 2, 2, 1, '10m', 'a,b', 'nginx:1,busybox', 'app=web']);
    const rc = { metadata: meta('old'), spec: { replicas: 1, selector: { app: 'old' }, template }, status: { replicas: 1 } };
    assert.deepEqual(cells('', 'replicationcontrollers', rc), ['old', 1, 1, 0, '10m', 'a,b', 'nginx:1,busybox', 'app=old']);
  });

  it('daemon sets: DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE', () => {
    const ds = {
      metadata: meta('agent'),
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'x' }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    assert.deepEqual(headers(printer('apps', 'daemonsets')).slice(0, 8), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age']);
    assert.deepEqual(cells('apps', 'daemonsets', ds), ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '10m', 'a', 'x', 'app=agent']);
    assert.equal(cells('apps', 'daemonsets', { ...ds, spec: { ...ds.spec, template: { spec: { containers: [] } } } })[6], '<none>');
  });

  it('stateful sets: READY AGE | CONTAINERS IMAGES', () => {
    assert.deepEqual(headers(printer('apps', 'statefulsets')), ['Name', 'Ready', 'Age', 'Containers', 'Images']);
    assert.deepEqual(cells('apps', 'statefulsets', { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 1 } }), ['db', '1/3', '10m', 'a,b', 'nginx:1,busybox']);
  });

  it('controller revisions name their controller as kind.group/name', () => {
    const cr = { metadata: meta('db-5d8f', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true }] }), revision: 2 };
    assert.deepEqual(cells('apps', 'controllerrevisions', cr), ['db-5d8f', 'statefulset.apps/db', 2, '10m']);
    assert.equal(cells('apps', 'controllerrevisions', { metadata: meta('x'), revision: 1 })[1], '<none>');
  });

  const jobCases: { name: string; job: Record<string, any>; want: unknown[] }[] = [
    {
      name: 'running, no completions set',
      job: { spec: {}, status: { startTime: ago(90) } },
      want: ['Running', '0/1', '90s'],
    },
    {
      name: 'complete with its duration',
      job: { spec: { completions: 3 }, status: { succeeded: 3, startTime: ago(400), completionTime: ago(100), conditions: [{ type: 'Complete', status: 'True' }] } },
      want: ['Complete', '3/3', '5m'],
    },
    {
      name: 'parallel without completions',
      job: { spec: { parallelism: 4 }, status: { succeeded: 1, startTime: ago(30) } },
      want: ['Running', '1/1 of 4', '30s'],
    },
    {
      name: 'indexed with completions',
      job: { spec: { completions: 5, completionMode: 'Indexed' }, status: { succeeded: 2, startTime: ago(30) } },
      want: ['Running', '2/5', '30s'],
    },
    { name: 'failed', job: { spec: { completions: 1 }, status: { conditions: [{ type: 'Failed', status: 'True' }] } }, want: ['Failed', '0/1', ''] },
    { name: 'suspended', job: { spec: { completions: 1, suspend: true }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } }, want: ['Suspended', '0/1', ''] },
    { name: 'failure target', job: { spec: { completions: 1 }, status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }, want: ['FailureTarget', '0/1', ''] },
    { name: 'terminating', job: { metadata: meta('j', { deletionTimestamp: ago(1) }), spec: { completions: 1 }, status: {} }, want: ['Terminating', '0/1', ''] },
  ];
  for (const c of jobCases) {
    it(`jobs: ${c.name}`, () => {
      const row = cells('batch', 'jobs', { metadata: meta('j'), ...c.job });
      assert.deepEqual(row.slice(1, 4), c.want);
    });
  }

  it('jobs: STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR', () => {
    assert.deepEqual(headers(printer('batch', 'jobs')), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
  });

  it('cron jobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', () => {
    const p = printer('batch', 'cronjobs');
    assert.deepEqual(headers(p), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    const cj = { metadata: meta('tick'), spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } }, status: { active: [{ name: 'tick-1' }], lastScheduleTime: ago(120) } };
    assert.deepEqual(p.row(cj, NOW), ['tick', '*/5 * * * *', '<none>', 'False', 1, '2m', '10m', 'c', 'busybox', '<none>']);
    assert.deepEqual(p.row({ metadata: meta('t'), spec: { schedule: '@daily', timeZone: 'Etc/UTC' } }, NOW).slice(2, 6), ['Etc/UTC', '<unset>', 0, '<none>']);
  });
});

describe('service and endpoint printers', () => {
  const svc = (spec: Record<string, any>, status: Record<string, any> = {}) => ({ metadata: meta('web'), spec, status });
  const cases: { name: string; svc: Record<string, any>; want: unknown[] }[] = [
    {
      name: 'cluster IP',
      svc: svc({ type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } }),
      want: ['web', 'ClusterIP', '10.43.0.10', '<none>', '80/TCP,53/UDP', '10m', 'app=web'],
    },
    {
      name: 'node port',
      svc: svc({ type: 'NodePort', clusterIPs: ['10.43.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }),
      want: ['web', 'NodePort', '10.43.0.11', '<none>', '80:30080/TCP', '10m', '<none>'],
    },
    {
      name: 'load balancer waiting for an address',
      svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.43.0.12'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }),
      want: ['web', 'LoadBalancer', '10.43.0.12', '<pending>', '443:31443/TCP', '10m', '<none>'],
    },
    {
      name: 'load balancer with addresses, sorted, and external IPs after them',
      svc: svc({ type: 'LoadBalancer', clusterIPs: ['10.43.0.12'], externalIPs: ['1.1.1.1'], ports: [] }, { loadBalancer: { ingress: [{ ip: '192.168.1.9' }, { hostname: 'lb.example.com' }] } }),
      want: ['web', 'LoadBalancer', '10.43.0.12', '192.168.1.9,lb.example.com,1.1.1.1', '<none>', '10m', '<none>'],
    },
    {
      name: 'headless',
      svc: svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, protocol: 'TCP' }] }),
      want: ['web', 'ClusterIP', 'None', '<none>', '5432/TCP', '10m', '<none>'],
    },
    {
      name: 'external name',
      svc: svc({ type: 'ExternalName', externalName: 'db.example.com' }),
      want: ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '10m', '<none>'],
    },
  ];
  it('services: TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR', () => {
    assert.deepEqual(headers(printer('', 'services')), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  });
  for (const c of cases) it(`services: ${c.name}`, () => assert.deepEqual(cells('', 'services', c.svc), c.want));

  it('endpoints list three addresses then "+ N more..."', () => {
    const ep = {
      metadata: meta('web'),
      subsets: [{ addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: 'fd00::3' }, { ip: '10.42.0.4' }], ports: [{ port: 8080 }] }],
    };
    assert.deepEqual(cells('', 'endpoints', ep), ['web', '10.42.0.1:8080,10.42.0.2:8080,[fd00::3]:8080 + 1 more...', '10m']);
    assert.equal(cells('', 'endpoints', { metadata: meta('e') })[1], '<none>');
    assert.equal(cells('', 'endpoints', { metadata: meta('e'), subsets: [{ addresses: [{ ip: '10.42.0.9' }] }] })[1], '10.42.0.9');
  });

  it('endpoint slices: ADDRESSTYPE PORTS ENDPOINTS AGE', () => {
    const s = { metadata: meta('web-abc'), addressType: 'IPv4', ports: [{ port: 80 }, { name: 'metrics' }], endpoints: [{ addresses: ['10.42.0.1'] }, { addresses: ['10.42.0.2'] }] };
    assert.deepEqual(cells('discovery.k8s.io', 'endpointslices', s), ['web-abc', 'IPv4', '80,metrics', '10.42.0.1,10.42.0.2', '10m']);
    assert.deepEqual(cells('discovery.k8s.io', 'endpointslices', { metadata: meta('e'), addressType: 'IPv4' }).slice(2, 4), ['<unset>', '<unset>']);
  });
});

describe('node printer', () => {
  const node = (extra: Record<string, any> = {}) => ({
    metadata: meta('n1', { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': 'true', 'kubernetes.io/role': 'etcd' } }),
    spec: {},
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'n1' }],
      nodeInfo: { kubeletVersion: 'v1.30.0+coxswain', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'coxswain://0.1.0' },
    },
    ...extra,
  });

  it('NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME', () => {
    const p = printer('', 'nodes');
    assert.deepEqual(headers(p), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
    assert.deepEqual(p.row(node(), NOW), ['n1', 'Ready', 'control-plane,etcd,master', '10m', 'v1.30.0+coxswain', '192.168.1.10', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'coxswain://0.1.0']);
  });

  it('shows NotReady, Unknown and SchedulingDisabled', () => {
    const notReady = node();
    notReady.status.conditions = [{ type: 'Ready', status: 'Unknown' }];
    assert.equal(cells('', 'nodes', notReady)[1], 'NotReady');
    const cordoned = node({ spec: { unschedulable: true } });
    assert.equal(cells('', 'nodes', cordoned)[1], 'Ready,SchedulingDisabled');
    assert.deepEqual(cells('', 'nodes', { metadata: meta('bare'), spec: { unschedulable: true } }).slice(1, 3), ['Unknown,SchedulingDisabled', '<none>']);
    assert.deepEqual(cells('', 'nodes', { metadata: meta('bare') }).slice(7), ['<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('event printer', () => {
  it('LAST SEEN TYPE REASON OBJECT MESSAGE, with the wide columns after', () => {
    const p = printer('', 'events');
    assert.deepEqual(headers(p), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']);
    assert.deepEqual(wide(p), ['Subobject', 'Source', 'First Seen', 'Count', 'Name']);
    const ev = {
      apiVersion: 'v1', kind: 'Event', metadata: meta('web.17a'),
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled', type: 'Normal', message: 'Successfully pulled image\n', count: 3,
      firstTimestamp: ago(600), lastTimestamp: ago(60), source: { component: 'kubelet', host: 'n1' },
    };
    assert.deepEqual(p.row(ev, NOW), ['60s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, n1', 'Successfully pulled image', '10m', 3, 'web.17a']);
  });

  it('uses eventTime and series for new-style events, and prints events.k8s.io ones alike', () => {
    const core = {
      apiVersion: 'v1', kind: 'Event', metadata: meta('e1'), involvedObject: { kind: 'Node' }, reason: 'Starting', type: 'Normal', message: 'x',
      eventTime: ago(300), series: { count: 4, lastObservedTime: ago(30) }, reportingComponent: 'kubelet', reportingInstance: 'n1',
    };
    assert.deepEqual(cells('', 'events', core), ['30s', 'Normal', 'Starting', 'node', '', 'kubelet, n1', 'x', '5m', 4, 'e1']);
    const v1 = {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta('e2'), regarding: { kind: 'Pod', name: 'p' }, reason: 'Scheduled', type: 'Normal',
      note: 'assigned', eventTime: ago(120), reportingController: 'default-scheduler', reportingInstance: 'sched-1',
    };
    assert.deepEqual(cells('events.k8s.io', 'events', v1), ['2m', 'Normal', 'Scheduled', 'pod/p', '', 'default-scheduler, sched-1', 'assigned', '2m', 1, 'e2']);
  });
});

describe('config and storage printers', () => {
  it('namespaces, secrets, service accounts and config maps', () => {
    assert.deepEqual(cells('', 'namespaces', { metadata: meta('dev'), status: { phase: 'Active' } }), ['dev', 'Active', '10m']);
    assert.deepEqual(headers(printer('', 'secrets')), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(cells('', 'secrets', { metadata: meta('s'), type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } }), ['s', 'Opaque', 2, '10m']);
    assert.deepEqual(cells('', 'serviceaccounts', { metadata: meta('default') }), ['default', 0, '10m']);
    assert.deepEqual(cells('', 'configmaps', { metadata: meta('c'), data: { a: '1' }, binaryData: { b: 'AA==' } }), ['c', 2, '10m']);
  });

  it('pod templates list containers, images and pod labels', () => {
    const pt = { metadata: meta('t'), template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } };
    assert.deepEqual(cells('', 'podtemplates', pt), ['t', 'c', 'i', 'a=1,b=2']);
  });

  it('resource quotas split requests and limits, sorted', () => {
    const q = { metadata: meta('q'), status: { hard: { 'requests.cpu': '2', pods: '10', 'limits.memory': '2048Mi' }, used: { 'requests.cpu': '500m', pods: '3' } } };
    assert.deepEqual(cells('', 'resourcequotas', q), ['q', 'pods: 3/10, requests.cpu: 500m/2', 'limits.memory: 0/2Gi', '10m']);
  });

  it('persistent volumes: CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS …', () => {
    const p = printer('', 'persistentvolumes');
    assert.deepEqual(headers(p), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']);
    const pv = {
      metadata: meta('pv1'),
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'local', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    assert.deepEqual(p.row(pv, NOW), ['pv1', '10Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '10m', 'Filesystem']);
  });

  it('persistent volume claims show capacity once bound', () => {
    const p = printer('', 'persistentvolumeclaims');
    assert.deepEqual(headers(p), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    const pending = { metadata: meta('data'), spec: { resources: { requests: { storage: '1Gi' } }, storageClassName: 'local', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } };
    assert.deepEqual(p.row(pending, NOW), ['data', 'Pending', '', '', '', 'local', '<unset>', '10m', 'Filesystem']);
    const bound = { ...pending, spec: { ...pending.spec, volumeName: 'pv1' }, status: { phase: 'Bound', capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'] } };
    assert.deepEqual(p.row(bound, NOW).slice(1, 5), ['Bound', 'pv1', '1Gi', 'RWO']);
    assert.equal(p.row({ ...bound, metadata: meta('data', { deletionTimestamp: ago(1) }) }, NOW)[1], 'Terminating');
  });

  it('storage classes mark the default', () => {
    const sc = { metadata: meta('local', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'coxswain.dev/local-path' };
    assert.deepEqual(cells('storage.k8s.io', 'storageclasses', sc), ['local (default)', 'coxswain.dev/local-path', 'Delete', 'Immediate', false, '10m']);
  });

  it('CSI drivers, CSI nodes and volume attachments', () => {
    assert.deepEqual(cells('storage.k8s.io', 'csidrivers', { metadata: meta('d'), spec: { volumeLifecycleModes: ['Persistent'] } }), ['d', true, false, false, '<unset>', false, 'Persistent', '10m']);
    assert.deepEqual(cells('storage.k8s.io', 'csinodes', { metadata: meta('n1'), spec: { drivers: [{ name: 'd' }] } }), ['n1', 1, '10m']);
    const va = { metadata: meta('va'), spec: { attacher: 'd', nodeName: 'n1', source: { persistentVolumeName: 'pv1' } }, status: { attached: true } };
    assert.deepEqual(cells('storage.k8s.io', 'volumeattachments', va), ['va', 'd', 'pv1', 'n1', true, '10m']);
  });
});

describe('other printers', () => {
  it('ingresses: CLASS HOSTS ADDRESS PORTS AGE', () => {
    assert.deepEqual(headers(printer('networking.k8s.io', 'ingresses')), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    const ing = {
      metadata: meta('web'),
      spec: { ingressClassName: 'traefik', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }, {}, { host: 'd.example.com' }, { host: 'e.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.1.10' }] } },
    };
    assert.deepEqual(cells('networking.k8s.io', 'ingresses', ing), ['web', 'traefik', 'a.example.com,b.example.com,d.example.com + 2 more...', '192.168.1.10', '80, 443', '10m']);
    assert.deepEqual(cells('networking.k8s.io', 'ingresses', { metadata: meta('x'), spec: {} }), ['x', '<none>', '*', '', '80', '10m']);
  });

  it('ingress classes and network policies', () => {
    const ic = { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } };
    assert.deepEqual(cells('networking.k8s.io', 'ingressclasses', ic), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p', '10m']);
    assert.deepEqual(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('deny'), spec: { podSelector: {} } }), ['deny', '<none>', '10m']);
    assert.deepEqual(cells('networking.k8s.io', 'networkpolicies', { metadata: meta('web'), spec: { podSelector: { matchLabels: { app: 'web' } } } })[1], 'app=web');
  });

  it('horizontal pod autoscalers: REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', () => {
    const p = printer('autoscaling', 'horizontalpodautoscalers');
    assert.deepEqual(headers(p), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    const v2 = {
      apiVersion: 'autoscaling/v2', metadata: meta('web'),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
      },
      status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }] },
    };
    assert.deepEqual(p.row(v2, NOW), ['web', 'Deployment/web', 'cpu: 35%/80%, memory: <unknown>/500Mi + 1 more...', '1', 10, 2, '10m']);
    const v1 = { apiVersion: 'autoscaling/v1', metadata: meta('old'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'old' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 2 } };
    assert.deepEqual(p.row(v1, NOW), ['old', 'Deployment/old', 'cpu: <unknown>/50%', '2', 4, 2, '10m']);
  });

  it('pod disruption budgets print N/A for the unset bound', () => {
    const pdb = { metadata: meta('web'), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
    assert.deepEqual(cells('policy', 'poddisruptionbudgets', pdb), ['web', '50%', 'N/A', 1, '10m']);
  });

  it('role bindings list users, groups and namespace/name service accounts', () => {
    const rb = {
      metadata: meta('edit'), roleRef: { kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'alice' }, { kind: 'User', name: 'bob' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', namespace: 'ci', name: 'runner' }],
    };
    assert.deepEqual(headers(printer('rbac.authorization.k8s.io', 'rolebindings')), ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    assert.deepEqual(cells('rbac.authorization.k8s.io', 'clusterrolebindings', rb), ['edit', 'ClusterRole/edit', '10m', 'alice, bob', 'devs', 'ci/runner']);
  });

  it('leases and priority classes', () => {
    assert.deepEqual(cells('coordination.k8s.io', 'leases', { metadata: meta('n1'), spec: { holderIdentity: 'n1' } }), ['n1', 'n1', '10m']);
    assert.deepEqual(headers(printer('scheduling.k8s.io', 'priorityclasses')), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
    assert.deepEqual(cells('scheduling.k8s.io', 'priorityclasses', { metadata: meta('high'), value: 1000, preemptionPolicy: 'PreemptLowerPriority' }), ['high', 1000, false, '10m', 'PreemptLowerPriority']);
  });

  it('every column of every printer has a name, a type and a priority of 0 or 1', () => {
    for (const { group, resource, printer: p } of builtinPrinters) {
      for (const c of p.columns) {
        assert.ok(c.name && c.type, `${group}/${resource}`);
        assert.ok(c.priority === 0 || c.priority === 1, `${group}/${resource} ${c.name}`);
      }
    }
  });
});
