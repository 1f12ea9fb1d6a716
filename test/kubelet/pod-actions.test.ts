// computePodActions, row by row: what the kubelet decides to do for a pod given what runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { PodActions, ProbeVerdicts } from '../../src/kubelet/pod-actions.js';
import { computePodActions } from '../../src/kubelet/pod-actions.js';
import { container, pod, sandbox, state } from './fixtures.js';

const c: Container = { name: 'c', image: 'busybox' };
const d: Container = { name: 'd', image: 'busybox' };
const init1: Container = { name: 'init1', image: 'busybox' };
const init2: Container = { name: 'init2', image: 'busybox' };

type Expect = Partial<Pick<PodActions, 'killPod' | 'createSandbox' | 'attempt' | 'nextInitContainer' | 'initFailed' | 'containersToStart'>> & { kill?: string[] };

interface Row {
  name: string;
  pod: ReturnType<typeof pod>;
  state: ReturnType<typeof state>;
  probes?: ProbeVerdicts;
  want: Expect;
}

const liveFailed = (id: string): ProbeVerdicts => ({ livenessFailed: (x) => x === id, startupFailed: () => false });

const rows: Row[] = [
  {
    name: 'a new pod gets a sandbox and all its containers',
    pod: pod({ containers: [c, d] }),
    state: state([], []),
    want: { createSandbox: true, killPod: true, attempt: 0, containersToStart: ['c', 'd'] },
  },
  {
    name: 'a new pod with init containers starts the first init container only',
    pod: pod({ initContainers: [init1, init2] }),
    state: state([], []),
    want: { createSandbox: true, nextInitContainer: 'init1', containersToStart: [] },
  },
  {
    name: 'a running pod needs nothing',
    pod: pod(),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING' })]),
    want: { createSandbox: false, killPod: false, containersToStart: [], kill: [] },
  },
  {
    name: 'a dead sandbox is recreated with the next attempt',
    pod: pod(),
    state: state([sandbox('sb1', 'SANDBOX_NOTREADY', 2)], []),
    want: { createSandbox: true, killPod: true, attempt: 3, containersToStart: ['c'] },
  },
  {
    name: 'a Never pod whose sandbox died after running is not run again',
    pod: pod({ restartPolicy: 'Never' }),
    state: state([sandbox('sb1', 'SANDBOX_NOTREADY')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { createSandbox: false, killPod: true, containersToStart: [] },
  },
  {
    name: 'OnFailure with every container succeeded creates no sandbox',
    pod: pod({ restartPolicy: 'OnFailure' }),
    state: state([sandbox('sb1', 'SANDBOX_NOTREADY')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { createSandbox: false, containersToStart: [] },
  },
  {
    name: 'the second init container follows the first one succeeding',
    pod: pod({ initContainers: [init1, init2] }),
    state: state([sandbox('sb1')], [container({ id: 'i1', spec: init1, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { nextInitContainer: 'init2', containersToStart: [], killPod: false },
  },
  {
    name: 'a running init container is waited for',
    pod: pod({ initContainers: [init1] }),
    state: state([sandbox('sb1')], [container({ id: 'i1', spec: init1, state: 'CONTAINER_RUNNING' })]),
    want: { nextInitContainer: undefined, containersToStart: [], killPod: false },
  },
  {
    name: 'a failed init container is retried under Always',
    pod: pod({ initContainers: [init1] }),
    state: state([sandbox('sb1')], [container({ id: 'i1', spec: init1, state: 'CONTAINER_EXITED', exitCode: 1 })]),
    want: { nextInitContainer: 'init1', initFailed: false },
  },
  {
    name: 'a failed init container fails the pod under Never',
    pod: pod({ initContainers: [init1], restartPolicy: 'Never' }),
    state: state([sandbox('sb1')], [container({ id: 'i1', spec: init1, state: 'CONTAINER_EXITED', exitCode: 1 })]),
    want: { initFailed: true, killPod: true, containersToStart: [] },
  },
  {
    name: 'init containers done: the app containers start',
    pod: pod({ initContainers: [init1], containers: [c, d] }),
    state: state([sandbox('sb1')], [container({ id: 'i1', spec: init1, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { nextInitContainer: undefined, containersToStart: ['c', 'd'] },
  },
  {
    name: 'Always restarts a container that exited 0',
    pod: pod(),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { containersToStart: ['c'], killPod: false },
  },
  {
    name: 'OnFailure restarts a failed container',
    pod: pod({ restartPolicy: 'OnFailure' }),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 2 })]),
    want: { containersToStart: ['c'] },
  },
  {
    name: 'OnFailure leaves a succeeded container and, nothing running, kills the sandbox',
    pod: pod({ restartPolicy: 'OnFailure' }),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 0 })]),
    want: { containersToStart: [], killPod: true },
  },
  {
    name: 'Never leaves a failed container while another runs',
    pod: pod({ restartPolicy: 'Never', containers: [c, d] }),
    state: state([sandbox('sb1')], [
      container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 1 }),
      container({ id: 'd1', spec: d, state: 'CONTAINER_RUNNING' }),
    ]),
    want: { containersToStart: [], killPod: false },
  },
  {
    name: 'a changed spec kills and restarts the container',
    pod: pod(),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING', hash: 'stale' })]),
    want: { containersToStart: ['c'], kill: ['c1:SpecChanged:Container c definition changed, will be restarted'], killPod: false },
  },
  {
    name: 'a failed liveness probe kills and restarts the container',
    pod: pod(),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING' })]),
    probes: liveFailed('c1'),
    want: { containersToStart: ['c'], kill: ['c1:LivenessFailed:Container c failed liveness probe, will be restarted'] },
  },
  {
    name: 'under Never a failed liveness probe kills without restart, and the pod ends',
    pod: pod({ restartPolicy: 'Never' }),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING' })]),
    probes: liveFailed('c1'),
    want: { containersToStart: [], kill: ['c1:LivenessFailed:Container c failed liveness probe'], killPod: true },
  },
  {
    name: 'a container created but never started is started afresh',
    pod: pod(),
    state: state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_CREATED' })]),
    want: { containersToStart: ['c'] },
  },
];

for (const row of rows) {
  test(`computePodActions: ${row.name}`, () => {
    const got = computePodActions(row.pod, row.state, row.probes);
    const { kill, ...rest } = row.want;
    for (const [k, v] of Object.entries(rest)) assert.deepEqual(got[k as keyof PodActions], v, `${k}`);
    if (kill) assert.deepEqual(got.containersToKill.map((x) => `${x.id}:${x.reason}:${x.message}`), kill);
  });
}
