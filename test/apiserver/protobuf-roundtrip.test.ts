// JSON → protobuf → JSON round trips for a representative object of every served group,
// plus the JSON presence rules Go's encoders imply.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProtobufObject,
  decodeProtobufWatchFrames,
  encodeProtobufObject,
  encodeProtobufWatchFrame,
  hasProtobufMessage,
  K8S_PROTOBUF_MAGIC,
  ProtobufCodecError,
} from '../../src/apiserver/protobuf/index.js';
import { BadRequestError } from '../../src/api/errors.js';
import { WireReader, WireWriter } from '../../src/apiserver/protobuf/wire.js';

type Obj = Record<string, any>;

const meta = (name: string, extra: Obj = {}) => ({
  name,
  uid: 'b1946ac9-2492-4c5e-8f3c-4a0d3c2f7e11',
  resourceVersion: '17',
  generation: 3,
  creationTimestamp: '2024-05-06T07:08:09Z',
  labels: { app: 'web', tier: 'front' },
  annotations: { 'example.com/note': 'hello' },
  ...extra,
});

const podSpec = {
  initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'], resources: {} }],
  containers: [
    {
      name: 'web',
      image: 'nginx:1.27',
      args: ['-g', 'daemon off;'],
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [
        { name: 'PLAIN', value: 'x' },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: false } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      ],
      envFrom: [{ prefix: 'S_', secretRef: { name: 'sec' } }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
      volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10 },
      readinessProbe: { tcpSocket: { port: 80 }, failureThreshold: 3 },
      startupProbe: { exec: { command: ['cat', '/tmp/ok'] }, terminationGracePeriodSeconds: 0 },
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
      securityContext: { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    },
  ],
  volumes: [
    { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
    { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 420 }], defaultMode: 420 } },
    { name: 'tok', projected: { sources: [{ serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } }] } },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'default',
  securityContext: { fsGroup: 2000, supplementalGroups: [1, 2] },
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
      },
    },
  },
  tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  schedulerName: 'default-scheduler',
  priority: 0,
  enableServiceLinks: true,
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
};

const template = { metadata: { labels: { app: 'web' } }, spec: podSpec };
const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] };

const OBJECTS: Obj[] = [
  // core/v1
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('web-0', {
      namespace: 'default',
      generateName: 'web-',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
      finalizers: ['example.com/keep'],
      deletionTimestamp: '2024-05-06T08:00:00Z',
      deletionGracePeriodSeconds: 0,
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'v1',
          time: '2024-05-06T07:08:09Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
        },
      ],
    }),
    spec: { ...podSpec, nodeName: 'node-1' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastProbeTime: '2024-05-06T07:09:00Z', lastTransitionTime: '2024-05-06T07:09:00Z' }],
      hostIP: '10.0.0.5',
      podIP: '10.42.0.7',
      podIPs: [{ ip: '10.42.0.7' }],
      startTime: '2024-05-06T07:08:10Z',
      containerStatuses: [
        {
          name: 'web',
          state: { running: { startedAt: '2024-05-06T07:08:12Z' } },
          lastState: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2024-05-06T07:00:00Z', finishedAt: '2024-05-06T07:05:00Z' } },
          ready: true,
          restartCount: 1,
          image: 'nginx:1.27',
          imageID: 'docker.io/library/nginx@sha256:abc',
          containerID: 'containerd://123',
          started: true,
        },
      ],
      qosClass: 'Burstable',
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web', { namespace: 'default' }),
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 },
        { name: 'metrics', protocol: 'TCP', appProtocol: 'http', port: 9090, targetPort: 9090 },
      ],
      selector: { app: 'web' },
      clusterIP: '10.43.0.10',
      clusterIPs: ['10.43.0.10'],
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      externalTrafficPolicy: 'Local',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ports: [{ port: 80, protocol: 'TCP' }] }] } },
  },
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta('node-1'),
    spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'], taints: [{ key: 'k', value: 'v', effect: 'NoSchedule', timeAdded: '2024-05-06T07:08:09Z' }], unschedulable: true },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:00:00Z', reason: 'KubeletReady', message: 'ok' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', containerRuntimeVersion: 'containerd://1.7',
        kubeletVersion: 'v1.33.0', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
      },
      images: [{ names: ['nginx:1.27'], sizeBytes: 67000000 }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta('pv-1'),
    spec: {
      capacity: { storage: '10Gi' },
      hostPath: { path: '/srv/pv-1', type: 'DirectoryOrCreate' },
      accessModes: ['ReadWriteOnce'],
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'u-2' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound', lastPhaseTransitionTime: '2024-05-06T07:08:09Z' },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('data', { namespace: 'default' }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'pv-1', volumeMode: 'Filesystem' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('cfg', { namespace: 'default' }),
    immutable: false,
    data: { 'a.txt': 'hello\n', empty: '' },
    binaryData: { 'blob.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
  },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('sec', { namespace: 'default' }), data: { password: Buffer.from('s3cr3t').toString('base64') }, type: 'Opaque' },
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta('web', { namespace: 'default' }),
    subsets: [{ addresses: [{ ip: '10.42.0.7', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u-3' } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
  },
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta('web-0.17c', { namespace: 'default' }),
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u-4', apiVersion: 'v1', resourceVersion: '12' },
    reason: 'Pulled',
    message: 'Successfully pulled image',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-06T07:08:09Z',
    lastTimestamp: '2024-05-06T07:08:19Z',
    count: 2,
    type: 'Normal',
    eventTime: '2024-05-06T07:08:09.123456Z',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  },
  {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta('limits', { namespace: 'default' }),
    spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, max: { memory: '1Gi' } }] },
  },
  { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('q', { namespace: 'default' }), spec: { hard: { pods: '10' }, scopes: ['NotBestEffort'] }, status: { hard: { pods: '10' }, used: { pods: '0' } } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('builder', { namespace: 'default' }), secrets: [{ name: 'tok' }], imagePullSecrets: [{ name: 'reg' }], automountServiceAccountToken: false },
  { apiVersion: 'v1', kind: 'Namespace', metadata: meta('team'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating', conditions: [{ type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: '2024-05-06T07:08:09Z' }] } },
  { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('rc', { namespace: 'default' }), spec: { replicas: 0, selector: { app: 'web' }, template }, status: { replicas: 0, observedGeneration: 3 } },
  { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('tpl', { namespace: 'default' }), template },
  { apiVersion: 'v1', kind: 'Binding', metadata: meta('web-0', { namespace: 'default' }), target: { kind: 'Node', name: 'node-1' } },
  // apps/v1
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web', { namespace: 'default' }),
    spec: { replicas: 0, selector, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, paused: true },
    status: {
      observedGeneration: 3, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2,
      conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'MinimumReplicasAvailable', message: 'ok' }],
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('db', { namespace: 'default' }),
    spec: {
      replicas: 3, selector, template, serviceName: 'db', podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: {} }],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      ordinals: { start: 0 },
    },
    status: { replicas: 3, currentRevision: 'db-1', updateRevision: 'db-1', collisionCount: 0, availableReplicas: 3 },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta('agent', { namespace: 'kube-system' }),
    spec: { selector, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1 },
  },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-5d4f', { namespace: 'default' }), spec: { replicas: 2, minReadySeconds: 5, selector, template }, status: { replicas: 2, fullyLabeledReplicas: 2 } },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('db-1', { namespace: 'default' }), data: { spec: { template: { metadata: {} } } }, revision: 1 },
  // batch/v1
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('pi', { namespace: 'default' }),
    spec: {
      parallelism: 1, completions: 1, backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 0, completionMode: 'NonIndexed', suspend: false, template,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] },
    },
    status: { startTime: '2024-05-06T07:08:09Z', completionTime: '2024-05-06T07:09:09Z', succeeded: 1, ready: 0, uncountedTerminatedPods: {} },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('nightly', { namespace: 'default' }),
    spec: { schedule: '0 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 0, jobTemplate: { metadata: {}, spec: { template } } },
    status: { active: [{ kind: 'Job', name: 'nightly-1' }], lastScheduleTime: '2024-05-06T03:00:00Z' },
  },
  // autoscaling/v1 and v2
  {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web', { namespace: 'default' }),
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 0 },
  },
  { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta('web', { namespace: 'default' }), spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web', { namespace: 'default' }),
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Pods', pods: { metric: { name: 'qps', selector }, target: { type: 'AverageValue', averageValue: '1k' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
    },
    status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 50 } } }] },
  },
  // networking.k8s.io/v1
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('web', { namespace: 'default' }),
    spec: {
      ingressClassName: 'coxswain',
      defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
      tls: [{ hosts: ['example.com'], secretName: 'tls' }],
      rules: [{ host: 'example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } },
  },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta('coxswain'), spec: { controller: 'coxswain.dev/ingress', parameters: { kind: 'Config', name: 'c', scope: 'Cluster' } } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('deny', { namespace: 'default' }),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ protocol: 'TCP', port: 'http', endPort: 9000 }] }],
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
    },
  },
  // discovery.k8s.io/v1
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta('web-abc', { namespace: 'default' }),
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.7'], conditions: { ready: false, serving: true, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0' }, zone: 'a', hints: { forZones: [{ name: 'a' }] } }],
    ports: [{ name: 'http', protocol: 'TCP', port: 80, appProtocol: 'http' }],
  },
  // coordination.k8s.io/v1
  {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: meta('node-1', { namespace: 'kube-node-lease' }),
    spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, acquireTime: '2024-05-06T07:08:09.000000Z', renewTime: '2024-05-06T07:08:19.654321Z', leaseTransitions: 0 },
  },
  // events.k8s.io/v1
  {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: meta('web-0.17d', { namespace: 'default' }),
    eventTime: '2024-05-06T07:08:09.000001Z',
    series: { count: 3, lastObservedTime: '2024-05-06T07:10:00.500000Z' },
    reportingController: 'coxswain.dev/scheduler',
    reportingInstance: 'scheduler-1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web-0' },
    note: 'Successfully assigned',
    type: 'Normal',
  },
  // policy/v1
  { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u-5' }, propagationPolicy: 'Background', dryRun: ['All'] } },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta('web', { namespace: 'default' }),
    spec: { minAvailable: '50%', selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    status: { observedGeneration: 3, disruptedPods: { 'web-0': '2024-05-06T07:08:09Z' }, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
  },
  // rbac.authorization.k8s.io/v1
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta('view'),
    rules: [{ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], resourceNames: ['x'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-view': 'true' } }] },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta('view-all'),
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }, { kind: 'ServiceAccount', name: 'builder', namespace: 'default' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  },
  // storage.k8s.io/v1
  {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: meta('local'),
    provisioner: 'coxswain.dev/local-path',
    parameters: { path: '/srv' },
    reclaimPolicy: 'Delete',
    allowVolumeExpansion: false,
    volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }],
  },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta('csi.example.com'), spec: { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Persistent'], tokenRequests: [{ audience: 'x', expirationSeconds: 600 }] } },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: meta('node-1'), spec: { drivers: [{ name: 'csi.example.com', nodeID: 'node-1', topologyKeys: ['zone'], allocatable: { count: 0 } }] } },
  {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'VolumeAttachment',
    metadata: meta('va-1'),
    spec: { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' },
    status: { attached: true, attachmentMetadata: { dev: '/dev/sdb' }, attachError: { time: '2024-05-06T07:08:09Z', message: 'retrying', errorCode: 0 } },
  },
  // scheduling.k8s.io/v1
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta('high'), value: -5, globalDefault: true, description: 'negative values travel as ten-byte varints', preemptionPolicy: 'Never' },
  // authorization.k8s.io/v1
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      resourceAttributes: { namespace: 'default', verb: 'list', group: 'apps', resource: 'deployments', labelSelector: { rawSelector: 'app=web' } },
      user: 'alice',
      groups: ['dev'],
      extra: { scopes: ['a', 'b'], empty: [] },
      uid: 'u-6',
    },
    status: { allowed: false, denied: true, reason: 'no' },
  },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } }, status: { allowed: true } },
  { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: 'team' }, spec: { resourceAttributes: { namespace: 'team', verb: 'create', resource: 'pods', subresource: 'exec' }, user: 'bob' }, status: { allowed: true } },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: 'default' },
    status: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }], incomplete: false },
  },
  // authentication.k8s.io/v1
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: meta('builder', { namespace: 'default' }),
    spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'u-7' } },
    status: { token: 'a.b.c', expirationTimestamp: '2024-05-06T08:08:09Z' },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    metadata: {},
    spec: { token: 'a.b.c', audiences: ['api'] },
    status: { authenticated: true, user: { username: 'system:serviceaccount:default:builder', uid: 'u-8', groups: ['system:serviceaccounts'], extra: { 'authentication.kubernetes.io/pod-name': ['web-0'] } }, audiences: ['api'] },
  },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { creationTimestamp: '2024-05-06T07:08:09Z' }, status: { userInfo: { username: 'admin', groups: ['system:masters'] } } },
  // meta/v1 kinds served in every group
  {
    apiVersion: 'v1',
    kind: 'Status',
    metadata: {},
    status: 'Failure',
    message: 'pods "web-0" is forbidden: exceeded quota',
    reason: 'Invalid',
    details: { name: 'web-0', kind: 'pods', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value', field: 'spec.containers[0].image' }], retryAfterSeconds: 1 },
    code: 422,
  },
  { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, orphanDependents: false, propagationPolicy: 'Foreground' },
];

describe('protobuf round trips', () => {
  for (const obj of OBJECTS) {
    it(`${obj.apiVersion} ${obj.kind} survives JSON → protobuf → JSON`, () => {
      const body = encodeProtobufObject(obj);
      assert.deepEqual(body.subarray(0, 4), K8S_PROTOBUF_MAGIC);
      const decoded = decodeProtobufObject(body);
      assert.equal(decoded.apiVersion, obj.apiVersion);
      assert.equal(decoded.kind, obj.kind);
      assert.deepEqual(decoded.object, obj);
    });
  }

  it('round-trips list kinds with their list metadata', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: { resourceVersion: '99', continue: 'eyJ2IjoxfQ', remainingItemCount: 0 },
      items: [OBJECTS[0], { metadata: { name: 'second' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }] }, status: {} }],
    };
    const decoded = decodeProtobufObject(encodeProtobufObject(list)).object;
    // Items inside a list carry no apiVersion or kind of their own, as upstream.
    const { apiVersion: _a, kind: _k, ...firstItem } = OBJECTS[0];
    assert.deepEqual(decoded, { ...list, items: [firstItem, list.items[1]] });
  });
});

describe('JSON presence follows Go', () => {
  const roundTrip = (obj: Obj): Obj => decodeProtobufObject(encodeProtobufObject(obj)).object;

  it('drops zero omitempty scalars but keeps a zero pointer (replicas: 0)', () => {
    const out = roundTrip({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: '' }, spec: { replicas: 0, minReadySeconds: 0, paused: false } });
    assert.deepEqual(out, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 0 } });
  });

  it('fills non-omitempty scalars with their zero value, as Go prints them', () => {
    const out = roundTrip({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'p' }] } });
    assert.deepEqual(out.spec.ports, [{ name: 'p', port: 0 }]);
  });

  it('leaves out a zero time and empty lists and maps', () => {
    const out = roundTrip({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: null, labels: {}, finalizers: [] }, data: {} });
    assert.deepEqual(out, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  });

  it('decodes an empty Time message (what Go writes for a zero time) as absent', () => {
    const body = Buffer.from('6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a002200', 'hex');
    assert.equal('creationTimestamp' in (decodeProtobufObject(body).object as Obj).metadata, false);
  });

  it('keeps int-or-string values as numbers or strings', () => {
    const out = roundTrip({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } } });
    assert.deepEqual(out.spec.strategy.rollingUpdate, { maxSurge: 0, maxUnavailable: '0%' });
  });

  it('carries Time at second precision, as upstream does', () => {
    const out = roundTrip({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', creationTimestamp: '2024-05-06T07:08:09.987Z' } });
    assert.equal(out.metadata.creationTimestamp, '2024-05-06T07:08:09Z');
  });
});

describe('envelope and errors', () => {
  it('writes the runtime.Unknown envelope as kubectl does', () => {
    // kubectl 1.33's body for `create namespace foo`, byte for byte: our encoder writes fewer
    // zero fields, but the envelope (magic, typeMeta, raw, empty contentEncoding/contentType) matches.
    const body = encodeProtobufObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' } });
    assert.equal(body.subarray(0, 21).toString('hex'), '6b3873000a0f0a02763112094e616d657370616365');
    assert.equal(body.subarray(body.length - 4).toString('hex'), '1a002200');
  });

  it('rejects a body without the k8s magic with 400 Bad Request', () => {
    assert.throws(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), (e: unknown) => e instanceof BadRequestError && /k8s/.test(e.message));
  });

  it('rejects a truncated body with 400 Bad Request', () => {
    const body = encodeProtobufObject(OBJECTS[0]);
    assert.throws(() => decodeProtobufObject(body.subarray(0, body.length - 10)), BadRequestError);
  });

  it('rejects kinds it has no message for', () => {
    const typeMeta = new WireWriter().string(1, 'example.com/v1').string(2, 'Widget').finish();
    const body = Buffer.concat([K8S_PROTOBUF_MAGIC, new WireWriter().bytes(1, typeMeta).bytes(2, new Uint8Array(0)).finish()]);
    assert.throws(() => decodeProtobufObject(body), (e: unknown) => e instanceof BadRequestError && /Widget/.test(e.message));
    assert.equal(hasProtobufMessage('example.com/v1', 'Widget'), false);
    assert.equal(hasProtobufMessage('meta.k8s.io/v1', 'Table'), false);
    assert.equal(hasProtobufMessage('policy/v1', 'Eviction'), true);
    assert.equal(hasProtobufMessage('apps/v1', 'Status'), true);
    assert.throws(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' }), ProtobufCodecError);
  });

  it('skips fields it does not know, as upstream decoders do', () => {
    const raw = new WireWriter().bytes(1, new WireWriter().string(1, 'n').finish()).string(999, 'from the future').finish();
    const typeMeta = new WireWriter().string(1, 'v1').string(2, 'Namespace').finish();
    const body = Buffer.concat([K8S_PROTOBUF_MAGIC, new WireWriter().bytes(1, typeMeta).bytes(2, raw).finish()]);
    assert.deepEqual(decodeProtobufObject(body).object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  });
});

describe('protobuf watch frames', () => {
  it('frames WatchEvents with a 4-byte big-endian length and embeds whole protobuf objects', () => {
    const added = OBJECTS.find((o) => o.kind === 'ConfigMap')!;
    const bookmark = { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '120', annotations: { 'k8s.io/initial-events-end': 'true' } } };
    const stream = Buffer.concat([encodeProtobufWatchFrame('ADDED', added), encodeProtobufWatchFrame('BOOKMARK', bookmark)]);
    assert.equal(stream.readUInt32BE(0) + 4, encodeProtobufWatchFrame('ADDED', added).length);
    // The frame body is a bare WatchEvent whose object.raw starts with the k8s magic.
    const fields = [...new WireReader(stream.subarray(4, 4 + stream.readUInt32BE(0))).fields()];
    assert.equal(Buffer.from(fields[0].bytes).toString(), 'ADDED');
    const raw = [...new WireReader(fields[1].bytes).fields()][0].bytes;
    assert.deepEqual(Buffer.from(raw.subarray(0, 4)), K8S_PROTOBUF_MAGIC);

    const partial = decodeProtobufWatchFrames(stream.subarray(0, stream.length - 3));
    assert.deepEqual(partial.events, [{ type: 'ADDED', object: added }]);
    const all = decodeProtobufWatchFrames(Buffer.concat([partial.rest, stream.subarray(stream.length - 3)]));
    assert.deepEqual(all.events, [{ type: 'BOOKMARK', object: bookmark }]);
    assert.equal(all.rest.length, 0);
  });
});
