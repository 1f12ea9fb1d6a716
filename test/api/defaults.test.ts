import { test } from 'node:test';
import assert from 'node:assert/strict';
import { container, create, pod, template } from './helpers.js';

test('pod defaults: spec, containers, probes, volumes, service account, status', () => {
  const { obj } = create(pod({
    containers: [{
      name: 'app', image: 'nginx',
      ports: [{ containerPort: 80 }],
      livenessProbe: { httpGet: { port: 80 } },
      resources: { limits: { cpu: '1' } },
      env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    }],
    volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'tmp' }, { name: 's', secret: { secretName: 's' } }],
  }));
  const spec = obj.spec;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.serviceAccountName, 'default');
  assert.equal(spec.serviceAccount, 'default');
  const c = spec.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  assert.deepEqual(c.resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(spec.volumes, [
    { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
    { name: 'tmp', emptyDir: {} },
    { name: 's', secret: { secretName: 's', defaultMode: 420 } },
  ]);
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'Burstable' });
});

const pullPolicies: [string, string][] = [
  ['nginx', 'Always'],
  ['nginx:latest', 'Always'],
  ['nginx:1.25', 'IfNotPresent'],
  ['registry:5000/team/nginx', 'Always'],
  ['registry:5000/team/nginx:1.0', 'IfNotPresent'],
  ['nginx@sha256:abc', 'IfNotPresent'],
];
for (const [image, policy] of pullPolicies) {
  test(`imagePullPolicy for ${image} is ${policy}`, () => {
    assert.equal(create(pod({ containers: [{ name: 'a', image }] })).obj.spec.containers[0].imagePullPolicy, policy);
  });
}

test('QoS class: BestEffort and Guaranteed', () => {
  assert.equal(create(pod({ containers: [{ ...container }] })).obj.status.qosClass, 'BestEffort');
  const guaranteed = create(pod({ containers: [{ ...container, resources: { limits: { cpu: '500m', memory: '1Gi' } } }] }));
  assert.equal(guaranteed.obj.status.qosClass, 'Guaranteed');
});

test('deployment defaults, including its pod template (without pod-only defaults)', () => {
  const { obj } = create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(obj.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(obj.spec.revisionHistoryLimit, 10);
  assert.equal(obj.spec.progressDeadlineSeconds, 600);
  const tpl = obj.spec.template.spec;
  assert.equal(tpl.restartPolicy, 'Always');
  assert.equal(tpl.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(tpl.enableServiceLinks, undefined);
  assert.equal(tpl.serviceAccountName, undefined);
});

test('statefulset and daemonset defaults', () => {
  const sts = create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] } }).obj.spec;
  assert.equal(sts.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sts.replicas, 1);
  assert.equal(sts.revisionHistoryLimit, 10);
  assert.deepEqual(sts.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  const ds = create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } }).obj.spec;
  assert.deepEqual(ds.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.revisionHistoryLimit, 10);
});

test('replication controller selector and labels default to the template labels', () => {
  const { obj, errors } = create({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { template: template({ app: 'x' }) } });
  assert.deepEqual(obj.spec.selector, { app: 'x' });
  assert.deepEqual(obj.metadata!.labels, { app: 'x' });
  assert.equal(obj.spec.replicas, 1);
  assert.deepEqual(errors, []);
});

test('job defaults generate the controller-uid selector from metadata.uid', () => {
  const { obj, errors } = create({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
    spec: { template: template({ app: 'pi' }, { restartPolicy: 'Never' }) },
  });
  assert.deepEqual(errors, []);
  const spec = obj.spec;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(spec.template.metadata.labels, {
    app: 'pi', 'controller-uid': 'u-1', 'batch.kubernetes.io/controller-uid': 'u-1', 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi',
  });
  assert.deepEqual(obj.metadata!.labels, spec.template.metadata.labels);
});

test('job with parallelism only keeps completions unset', () => {
  const spec = create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'w', namespace: 'default', uid: 'u' }, spec: { parallelism: 3, template: template({}, { restartPolicy: 'Never' }) } }).obj.spec;
  assert.equal(spec.parallelism, 3);
  assert.equal(spec.completions, undefined);
});

test('cronjob defaults', () => {
  const spec = create({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } } } }).obj.spec;
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.equal(spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('service defaults', () => {
  const spec = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }).obj.spec;
  assert.deepEqual(spec, {
    selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
  });
  const np = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 'http' }], sessionAffinity: 'ClientIP' } }).obj.spec;
  assert.equal(np.externalTrafficPolicy, 'Cluster');
  assert.equal(np.allocateLoadBalancerNodePorts, true);
  assert.equal(np.ports[0].targetPort, 'http');
  assert.deepEqual(np.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const ext = create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } }).obj.spec;
  assert.equal(ext.ipFamilies, undefined);
  assert.equal(ext.internalTrafficPolicy, undefined);
});

const simpleDefaults: { name: string; obj: Record<string, any>; check: (o: Record<string, any>) => void }[] = [
  { name: 'secret type Opaque and stringData merged', obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { a: 'hi' } },
    check: (o) => { assert.equal(o.type, 'Opaque'); assert.deepEqual(o.data, { a: 'aGk=' }); assert.equal(o.stringData, undefined); } },
  { name: 'namespace finalizer, phase and name label', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
    check: (o) => { assert.deepEqual(o.spec.finalizers, ['kubernetes']); assert.equal(o.status.phase, 'Active'); assert.equal(o.metadata.labels['kubernetes.io/metadata.name'], 'team'); } },
  { name: 'pvc volumeMode', obj: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    check: (o) => { assert.equal(o.spec.volumeMode, 'Filesystem'); assert.equal(o.status.phase, 'Pending'); } },
  { name: 'pv reclaim policy', obj: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp' } } },
    check: (o) => assert.equal(o.spec.persistentVolumeReclaimPolicy, 'Retain') },
  { name: 'network policy types', obj: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'default' }, spec: { podSelector: {}, egress: [{}] } },
    check: (o) => assert.deepEqual(o.spec.policyTypes, ['Ingress', 'Egress']) },
  { name: 'endpointslice port protocol', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] },
    check: (o) => assert.equal(o.ports[0].protocol, 'TCP') },
  { name: 'priority class preemption policy', obj: { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 },
    check: (o) => assert.equal(o.preemptionPolicy, 'PreemptLowerPriority') },
  { name: 'storage class policies', obj: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'x' },
    check: (o) => { assert.equal(o.reclaimPolicy, 'Delete'); assert.equal(o.volumeBindingMode, 'Immediate'); } },
  { name: 'hpa v2 minReplicas and 80% cpu', obj: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 } },
    check: (o) => { assert.equal(o.spec.minReplicas, 1); assert.equal(o.spec.metrics[0].resource.target.averageUtilization, 80); } },
  { name: 'hpa v2 behavior filled when given', obj: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
    check: (o) => { assert.equal(o.spec.behavior.scaleDown.stabilizationWindowSeconds, 60); assert.equal(o.spec.behavior.scaleUp.policies.length, 2); assert.equal(o.spec.behavior.scaleDown.selectPolicy, 'Max'); } },
];

for (const row of simpleDefaults) {
  test(`defaults: ${row.name}`, () => {
    const { obj, errors } = create(row.obj);
    assert.deepEqual(errors, []);
    row.check(obj);
  });
}

test('defaulting is idempotent', () => {
  const once = create(pod({ containers: [{ ...container }] })).obj;
  const twice = create(once).obj;
  assert.deepEqual(twice, once);
});
