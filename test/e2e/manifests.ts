// Everyday manifests, one per kind a user would write by hand, for the kubectl e2e table.
// Cluster-scoped objects carry a suffix so that several sessions can share one cluster.

export interface Manifest {
  /** kubectl's "<resource>.<group>/<name>" as printed by create/replace (e.g. deployment.apps/web). */
  ref: string;
  doc: Record<string, any>;
  /**
   * Whether `kubectl replace -f` of this manifest succeeds upstream. Jobs and Pods do not:
   * upstream generates a Job's selector and adds a Pod's service-account volume at creation,
   * and both are immutable, so replacing them with the original manifest is refused.
   */
  replaceable: boolean;
}

const podSpec = (image: string, extra: Record<string, any> = {}) => ({
  containers: [{ name: 'main', image, ...extra }],
});

export function everydayManifests(namespace: string, suffix: string): Manifest[] {
  const ns = { namespace };
  const web = { app: 'web' };
  return [
    {
      ref: `namespace/extra-${suffix}`,
      replaceable: true,
      doc: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `extra-${suffix}` } },
    },
    {
      ref: 'deployment.apps/web',
      replaceable: true,
      doc: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', ...ns, labels: web },
        spec: {
          replicas: 2,
          selector: { matchLabels: web },
          template: { metadata: { labels: web }, spec: podSpec('nginx:1.25', { ports: [{ containerPort: 80 }] }) },
        },
      },
    },
    {
      ref: 'service/web',
      replaceable: true,
      doc: {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', ...ns, labels: web },
        spec: { selector: web, ports: [{ port: 80, targetPort: 8080 }] },
      },
    },
    {
      ref: 'configmap/settings',
      replaceable: true,
      doc: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', ...ns, labels: web }, data: { mode: 'fast' } },
    },
    {
      ref: 'secret/creds',
      replaceable: true,
      doc: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', ...ns }, type: 'Opaque', stringData: { password: 'hunter2' } },
    },
    {
      ref: 'pod/solo',
      replaceable: false,
      doc: {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', ...ns, labels: { app: 'solo' } },
        spec: podSpec('busybox', { command: ['sleep', '3600'] }),
      },
    },
    {
      ref: 'job.batch/once',
      replaceable: false,
      doc: {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', ...ns },
        spec: { template: { spec: { restartPolicy: 'Never', ...podSpec('busybox', { command: ['true'] }) } } },
      },
    },
    {
      ref: 'cronjob.batch/nightly',
      replaceable: true,
      doc: {
        apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', ...ns },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', ...podSpec('busybox') } } } },
        },
      },
    },
    {
      ref: 'ingress.networking.k8s.io/web',
      replaceable: true,
      doc: {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', ...ns },
        spec: {
          rules: [{
            host: 'web.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
          }],
        },
      },
    },
    {
      ref: 'statefulset.apps/db',
      replaceable: true,
      doc: {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', ...ns },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: podSpec('postgres:16') },
          volumeClaimTemplates: [{
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          }],
        },
      },
    },
    {
      ref: 'daemonset.apps/agent',
      replaceable: true,
      doc: {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', ...ns },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: podSpec('busybox:latest') },
        },
      },
    },
    {
      ref: 'horizontalpodautoscaler.autoscaling/web',
      replaceable: true,
      doc: {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', ...ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
        },
      },
    },
    {
      ref: 'poddisruptionbudget.policy/web',
      replaceable: true,
      doc: {
        apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', ...ns },
        spec: { minAvailable: 1, selector: { matchLabels: web } },
      },
    },
    {
      ref: 'role.rbac.authorization.k8s.io/reader',
      replaceable: true,
      doc: {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', ...ns },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
    },
    {
      ref: 'rolebinding.rbac.authorization.k8s.io/read-pods',
      replaceable: true,
      doc: {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'read-pods', ...ns },
        subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'Role', name: 'reader', apiGroup: 'rbac.authorization.k8s.io' },
      },
    },
    {
      ref: `priorityclass.scheduling.k8s.io/high-${suffix}`,
      replaceable: true,
      doc: {
        apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: `high-${suffix}` },
        value: 1000, globalDefault: false, description: 'important work',
      },
    },
    {
      ref: `storageclass.storage.k8s.io/local-${suffix}`,
      replaceable: true,
      doc: {
        apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: `local-${suffix}` },
        provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
      },
    },
    {
      ref: 'lease.coordination.k8s.io/leader',
      replaceable: true,
      doc: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', ...ns },
        spec: { holderIdentity: 'me', leaseDurationSeconds: 15 },
      },
    },
    {
      ref: 'networkpolicy.networking.k8s.io/deny-all',
      replaceable: true,
      doc: {
        apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', ...ns },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    },
    {
      ref: 'persistentvolumeclaim/data',
      replaceable: true,
      doc: {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', ...ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    },
  ];
}
