import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/kinds.js';
import { container, create, pod, template, update } from './helpers.js';

const ns = 'default';
const meta = (name = 'x') => ({ name, namespace: ns });
const deployment = (spec: Record<string, any>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'), spec });
const service = (spec: Record<string, any>, name = 'web'): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec });
const job = (spec: Record<string, any>): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { ...meta('pi'), uid: 'u1' }, spec });
const cronjob = (spec: Record<string, any>, name = 'tick'): KubeObject => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(name), spec });
const selector = { matchLabels: { app: 'web' } };
const jobTemplate = { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } };

/** `errors` lists the exact "field: message" lines expected (all of them when `exact`). */
const rows: { name: string; obj: KubeObject; errors: string[]; exact?: boolean }[] = [
  // Pods
  { name: 'valid pod', obj: pod({ containers: [{ ...container, ports: [{ containerPort: 80, name: 'http' }] }] }), errors: [], exact: true },
  { name: 'pod without containers', obj: pod({}), errors: ['spec.containers: Required value'], exact: true },
  { name: 'pod container without image', obj: pod({ containers: [{ name: 'a' }] }), errors: ['spec.containers[0].image: Required value'], exact: true },
  { name: 'pod container bad name', obj: pod({ containers: [{ name: 'A_b', image: 'x' }] }),
    errors: ["spec.containers[0].name: Invalid value: \"A_b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"], exact: true },
  { name: 'pod duplicate container names', obj: pod({ containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] }), errors: ['spec.containers[1].name: Duplicate value: "a"'], exact: true },
  { name: 'init container name clashes with container', obj: pod({ containers: [{ name: 'a', image: 'x' }], initContainers: [{ name: 'a', image: 'y' }] }), errors: ['spec.initContainers[0].name: Duplicate value: "a"'], exact: true },
  { name: 'pod port out of range', obj: pod({ containers: [{ ...container, ports: [{ containerPort: 70000 }] }] }),
    errors: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'], exact: true },
  { name: 'pod port protocol', obj: pod({ containers: [{ ...container, ports: [{ containerPort: 80, protocol: 'HTTP' }] }] }),
    errors: ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'], exact: true },
  { name: 'pod restart policy', obj: pod({ containers: [container], restartPolicy: 'Sometimes' }),
    errors: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'], exact: true },
  { name: 'pod dns policy', obj: pod({ containers: [container], dnsPolicy: 'Google' }),
    errors: ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'], exact: true },
  { name: 'pod duplicate volumes and unknown mount', obj: pod({ containers: [{ ...container, volumeMounts: [{ name: 'nope', mountPath: '/x' }] }], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }),
    errors: ['spec.volumes[1].name: Duplicate value: "v"', 'spec.containers[0].volumeMounts[0].name: Not found: "nope"'], exact: true },
  { name: 'pod volume with two sources', obj: pod({ containers: [container], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }] }),
    errors: ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'], exact: true },
  { name: 'pod requests above limits', obj: pod({ containers: [{ ...container, resources: { requests: { cpu: '600m' }, limits: { cpu: '500m' } } }] }),
    errors: ['spec.containers[0].resources.requests: Invalid value: "600m": must be less than or equal to cpu limit of 500m'], exact: true },
  { name: 'pod bad quantity', obj: pod({ containers: [{ ...container, resources: { limits: { memory: '1GB' } } }] }),
    errors: ["spec.containers[0].resources.limits[memory]: Invalid value: \"1GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"] },
  { name: 'pod bad env name', obj: pod({ containers: [{ ...container, env: [{ name: '1X', value: 'v' }] }] }),
    errors: ["spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"], exact: true },
  // Workloads
  { name: 'valid deployment', obj: deployment({ selector, template: template() }), errors: [], exact: true },
  { name: 'deployment without selector', obj: deployment({ template: template() }), errors: ['spec.selector: Required value'], exact: true },
  { name: 'deployment with empty selector', obj: deployment({ selector: {}, template: template() }), errors: ['spec.selector: Invalid value: {}: empty selector is invalid for deployment'] },
  { name: 'deployment selector does not match', obj: deployment({ selector: { matchLabels: { app: 'other' } }, template: template() }),
    errors: ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'], exact: true },
  { name: 'deployment negative replicas', obj: deployment({ replicas: -1, selector, template: template() }),
    errors: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'], exact: true },
  { name: 'deployment pod restart policy', obj: deployment({ selector, template: template({ app: 'web' }, { restartPolicy: 'Never' }) }),
    errors: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'], exact: true },
  { name: 'deployment zero rollout', obj: deployment({ selector, template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }),
    errors: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'], exact: true },
  { name: 'deployment bad selector operator', obj: deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] }, template: template() }),
    errors: ['spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator'], exact: true },
  { name: 'statefulset policy', obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(), spec: { selector, template: template(), podManagementPolicy: 'Random' } },
    errors: ['spec.podManagementPolicy: Unsupported value: "Random": supported values: "OrderedReady", "Parallel"'], exact: true },
  { name: 'replicaset selector mismatch', obj: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(), spec: { selector: { matchLabels: { a: 'b' } }, template: template() } },
    errors: ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'], exact: true },
  // Batch
  { name: 'valid job', obj: job({ template: template({}, { restartPolicy: 'Never' }) }), errors: [], exact: true },
  { name: 'job restartPolicy Always', obj: job({ template: template({}) }),
    errors: ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'], exact: true },
  { name: 'job negative backoff', obj: job({ backoffLimit: -1, template: template({}, { restartPolicy: 'Never' }) }),
    errors: ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'], exact: true },
  { name: 'valid cronjob', obj: cronjob({ schedule: '*/5 * * * *', jobTemplate }), errors: [], exact: true },
  { name: 'cronjob bad schedule', obj: cronjob({ schedule: '* * *', jobTemplate }),
    errors: ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'], exact: true },
  { name: 'cronjob minute out of range', obj: cronjob({ schedule: '61 * * * *', jobTemplate }),
    errors: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'], exact: true },
  { name: 'cronjob TZ in schedule', obj: cronjob({ schedule: 'TZ=UTC 0 * * * *', jobTemplate }),
    errors: ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'], exact: true },
  { name: 'cronjob descriptor and names', obj: cronjob({ schedule: '@hourly', jobTemplate }), errors: [], exact: true },
  { name: 'cronjob name too long', obj: cronjob({ schedule: '0 0 * * mon-fri', jobTemplate }, 'a'.repeat(53)),
    errors: [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`], exact: true },
  { name: 'cronjob concurrency policy', obj: cronjob({ schedule: '0 0 1 jan *', concurrencyPolicy: 'Sometimes', jobTemplate }),
    errors: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'], exact: true },
  // Services
  { name: 'valid service', obj: service({ selector: { app: 'web' }, ports: [{ port: 80 }] }), errors: [], exact: true },
  { name: 'service without ports', obj: service({ selector: { app: 'web' } }), errors: ['spec.ports: Required value'], exact: true },
  { name: 'headless service without ports', obj: service({ clusterIP: 'None', selector: { app: 'web' } }), errors: [], exact: true },
  { name: 'external name service', obj: service({ type: 'ExternalName', externalName: 'example.com' }), errors: [], exact: true },
  { name: 'service port zero', obj: service({ ports: [{ port: 0 }] }), errors: ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive'], exact: true },
  { name: 'service unnamed ports', obj: service({ ports: [{ port: 80 }, { port: 443 }] }), errors: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'], exact: true },
  { name: 'service duplicate port names', obj: service({ ports: [{ port: 80, name: 'http' }, { port: 81, name: 'http' }] }), errors: ['spec.ports[1].name: Duplicate value: "http"'], exact: true },
  { name: 'service type', obj: service({ type: 'Magic', ports: [{ port: 80 }] }),
    errors: ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'] },
  { name: 'service name is a DNS-1035 label', obj: service({ ports: [{ port: 80 }] }, '1web'),
    errors: ["metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"], exact: true },
  // Config
  { name: 'configmap bad key', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { 'a b': 'x' } },
    errors: ["data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"], exact: true },
  { name: 'configmap over 1 MiB', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { a: 'x'.repeat(1024 * 1024 + 1) } },
    errors: ['[]: Too long: may not be more than 1048576 bytes'], exact: true },
  { name: 'tls secret without key', obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta(), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } },
    errors: ['data[tls.key]: Required value'], exact: true },
  // Cluster kinds
  { name: 'namespace name is a DNS label', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } },
    errors: ["metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"], exact: true },
  { name: 'node taint effect', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'Never' }] } },
    errors: ['spec.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'], exact: true },
  { name: 'lease duration', obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta(), spec: { leaseDurationSeconds: 0 } },
    errors: ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'], exact: true },
  { name: 'ingress path type required', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta(), spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
    errors: ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'], exact: true },
  { name: 'ingress backend required', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta(), spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix' }] } }] } },
    errors: ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'], exact: true },
  { name: 'user priority class too high', obj: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'huge' }, value: 2_000_000_000 },
    errors: ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'], exact: true },
  { name: 'role rule without verbs', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(), rules: [{ apiGroups: [''], resources: ['pods'] }] },
    errors: ['rules[0].verbs: Required value: verbs must contain at least one value'], exact: true },
  { name: 'role with non-resource URLs', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(), rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
    errors: ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs'], exact: true },
  { name: 'valid cluster role binding', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }] },
    errors: [], exact: true },
  { name: 'hpa max below min', obj: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(), spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 3, maxReplicas: 2 } },
    errors: ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'], exact: true },
  { name: 'pdb with both limits', obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(), spec: { minAvailable: 1, maxUnavailable: 1 } },
    errors: ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set'], exact: true },
];

for (const row of rows) {
  test(`validate: ${row.name}`, () => {
    const { errors } = create(row.obj);
    if (row.exact) assert.deepEqual(errors, row.errors);
    else for (const e of row.errors) assert.ok(errors.includes(e), `missing ${e}\n got ${errors.join('\n')}`);
  });
}

const created = (obj: KubeObject) => create(obj).obj;

test('pod update: only images, deadline and new tolerations may change', () => {
  const old = created(pod({ containers: [{ ...container }] }));
  const image = structuredClone(old);
  image.spec.containers[0].image = 'nginx:1.26';
  image.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
  image.spec.activeDeadlineSeconds = 60;
  assert.deepEqual(update(image, old), []);
  const nodeSelector = structuredClone(old);
  nodeSelector.spec.nodeSelector = { disk: 'ssd' };
  assert.deepEqual(update(nodeSelector, old), [
    'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
  ]);
});

test('apps/v1 selectors are immutable; replicas are not', () => {
  const old = created(deployment({ selector, template: template() }));
  const scaled = structuredClone(old);
  scaled.spec.replicas = 5;
  assert.deepEqual(update(scaled, old), []);
  const moved = structuredClone(old);
  moved.spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
  moved.spec.template.metadata.labels.tier = 'x';
  assert.deepEqual(update(moved, old), ['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable']);
});

test('statefulset update forbids other spec fields', () => {
  const old = created({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(), spec: { selector, template: template(), serviceName: 'a' } });
  const next = structuredClone(old);
  next.spec.serviceName = 'b';
  assert.match(update(next, old).join('\n'), /spec: Forbidden: updates to statefulset spec for fields other than 'replicas'/);
});

test('service clusterIP may not change once set', () => {
  const old = created(service({ ports: [{ port: 80 }] }));
  old.spec.clusterIP = '10.43.0.10';
  old.spec.clusterIPs = ['10.43.0.10'];
  const next = structuredClone(old);
  next.spec.clusterIP = '10.43.0.11';
  next.spec.clusterIPs = ['10.43.0.11'];
  assert.deepEqual(update(next, old), ['spec.clusterIPs[0]: Invalid value: ["10.43.0.11"]: may not change once set']);
});

test('immutable configmaps and secret types', () => {
  const old = created({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { a: '1' }, immutable: true });
  const next = structuredClone(old);
  next.data.a = '2';
  assert.deepEqual(update(next, old), ['data: Forbidden: field is immutable when `immutable` is set']);
  const secret = created({ apiVersion: 'v1', kind: 'Secret', metadata: meta(), data: {} });
  const retyped = structuredClone(secret);
  retyped.type = 'example.com/thing';
  assert.deepEqual(update(retyped, secret), ['type: Invalid value: "example.com/thing": field is immutable']);
});

test('job template is immutable and rolebinding roleRef cannot change', () => {
  const old = created(job({ template: template({}, { restartPolicy: 'Never' }) }));
  const next = structuredClone(old);
  next.spec.template.spec.containers[0].image = 'other';
  assert.match(update(next, old).join('\n'), /^spec.template: Invalid value: .*: field is immutable$/);
  const rb = created({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' } });
  const rb2 = structuredClone(rb);
  rb2.roleRef.name = 'b';
  assert.deepEqual(update(rb2, rb), ['roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"b"}: cannot change roleRef']);
});
