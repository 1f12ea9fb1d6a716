// One object of every built-in kind the API server serves, each with the columns upstream's
// printers (pkg/printers/internalversion) give it: plain `kubectl get` and the extra
// priority-1 columns of `-o wide`. Kinds upstream has no printer for get NAME / CREATED AT.

export interface TableFixture {
  /** kubectl's resource argument, fully qualified so no other group's kind is meant. */
  resource: string;
  name: string;
  namespaced: boolean;
  doc: Record<string, any>;
  columns: string[];
  /** The header of `-o wide`: priority-1 columns sit where upstream declares them. */
  wide: string[];
}

/** The label every fixture carries, for `--show-labels`. */
export const FIXTURE_LABEL = { fixture: 'tables' };

const CREATED = ['NAME', 'CREATED AT'];
const WORKLOAD_WIDE = ['CONTAINERS', 'IMAGES', 'SELECTOR'];
const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
});

export function tableFixtures(namespace: string, suffix: string): TableFixture[] {
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace } : {}), labels: FIXTURE_LABEL });
  /** `wide` lists the extra columns of -o wide, appended, or (events) the whole wide header. */
  const fixture = (resource: string, namespaced: boolean, doc: Record<string, any>, columns: string[], wide: string[] = []): TableFixture => {
    const whole = wide.length > 0 && wide[0] === columns[0];
    return { resource, name: doc.metadata.name, namespaced, doc, columns, wide: whole ? wide : [...columns, ...wide] };
  };
  const eventsWide = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'];
  const ns = true;
  const cluster = false;
  return [
    fixture('configmaps', ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('t-cm'), data: { a: 'b' } }, ['NAME', 'DATA', 'AGE']),
    fixture('endpoints', ns, {
      apiVersion: 'v1', kind: 'Endpoints', metadata: meta('t-ep'),
      subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 8080 }] }],
    }, ['NAME', 'ENDPOINTS', 'AGE']),
    fixture('events', ns, {
      apiVersion: 'v1', kind: 'Event', metadata: meta('t-ev'),
      involvedObject: { kind: 'Pod', name: 't-pod', namespace }, reason: 'Testing', message: 'a table row', type: 'Normal',
      firstTimestamp: '2024-01-01T00:00:00Z', lastTimestamp: '2024-01-01T00:00:00Z', count: 1, source: { component: 'e2e' },
    }, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], eventsWide),
    fixture('limitranges', ns, {
      apiVersion: 'v1', kind: 'LimitRange', metadata: meta('t-limits'),
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] },
    }, CREATED),
    fixture('namespaces', cluster, { apiVersion: 'v1', kind: 'Namespace', metadata: meta(`t-ns-${suffix}`, false) }, ['NAME', 'STATUS', 'AGE']),
    fixture('nodes', cluster, {
      apiVersion: 'v1', kind: 'Node', metadata: meta(`t-node-${suffix}`, false), spec: { unschedulable: true },
    }, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'], ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']),
    fixture('persistentvolumeclaims', ns, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('t-pvc'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }, ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'], ['VOLUMEMODE']),
    fixture('persistentvolumes', cluster, {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta(`t-pv-${suffix}`, false),
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/t-pv' } },
    }, ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'], ['VOLUMEMODE']),
    fixture('pods', ns, {
      apiVersion: 'v1', kind: 'Pod', metadata: meta('t-pod'),
      spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
    }, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']),
    fixture('podtemplates', ns, {
      apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('t-podtemplate'), template: podTemplate('tpl'),
    }, ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS']),
    fixture('replicationcontrollers', ns, {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('t-rc'),
      spec: { replicas: 0, selector: { app: 'rc' }, template: podTemplate('rc') },
    }, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], WORKLOAD_WIDE),
    fixture('resourcequotas', ns, {
      apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta('t-quota'), spec: { hard: { pods: '10' } },
    }, ['NAME', 'REQUEST', 'LIMIT', 'AGE']),
    fixture('secrets', ns, { apiVersion: 'v1', kind: 'Secret', metadata: meta('t-secret'), stringData: { k: 'v' } }, ['NAME', 'TYPE', 'DATA', 'AGE']),
    fixture('serviceaccounts', ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('t-sa') }, ['NAME', 'SECRETS', 'AGE']),
    fixture('services', ns, {
      apiVersion: 'v1', kind: 'Service', metadata: meta('t-svc'), spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
    }, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], ['SELECTOR']),
    fixture('controllerrevisions.apps', ns, {
      apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('t-rev'), revision: 1, data: {},
    }, ['NAME', 'CONTROLLER', 'REVISION', 'AGE']),
    fixture('daemonsets.apps', ns, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('t-ds'),
      spec: { selector: { matchLabels: { app: 'ds' } }, template: podTemplate('ds') },
    }, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], WORKLOAD_WIDE),
    fixture('deployments.apps', ns, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('t-deploy'),
      spec: { replicas: 0, selector: { matchLabels: { app: 'deploy' } }, template: podTemplate('deploy') },
    }, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], WORKLOAD_WIDE),
    fixture('replicasets.apps', ns, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('t-rs'),
      spec: { replicas: 0, selector: { matchLabels: { app: 'rs' } }, template: podTemplate('rs') },
    }, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], WORKLOAD_WIDE),
    fixture('statefulsets.apps', ns, {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('t-sts'),
      spec: { replicas: 0, serviceName: 't-sts', selector: { matchLabels: { app: 'sts' } }, template: podTemplate('sts') },
    }, ['NAME', 'READY', 'AGE'], ['CONTAINERS', 'IMAGES']),
    fixture('horizontalpodautoscalers.autoscaling', ns, {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('t-hpa'),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 't-deploy' }, minReplicas: 1, maxReplicas: 3 },
    }, ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']),
    fixture('cronjobs.batch', ns, {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('t-cj'),
      spec: { schedule: '0 3 * * *', suspend: true, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } } },
    }, ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'], WORKLOAD_WIDE),
    fixture('jobs.batch', ns, {
      apiVersion: 'batch/v1', kind: 'Job', metadata: meta('t-job'),
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    }, ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], WORKLOAD_WIDE),
    fixture('leases.coordination.k8s.io', ns, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('t-lease'), spec: { holderIdentity: 'someone' },
    }, ['NAME', 'HOLDER', 'AGE']),
    fixture('endpointslices.discovery.k8s.io', ns, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('t-slice'), addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.2.3'] }], ports: [{ port: 8080, protocol: 'TCP' }],
    }, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']),
    fixture('events.events.k8s.io', ns, {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta('t-ev2'), eventTime: '2024-01-01T00:00:00.000000Z',
      reportingController: 'e2e', reportingInstance: 'e2e-1', action: 'Testing', reason: 'Testing', type: 'Normal',
      regarding: { kind: 'Pod', name: 't-pod', namespace }, note: 'a table row',
    }, ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], eventsWide),
    fixture('ingressclasses.networking.k8s.io', cluster, {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta(`t-ingclass-${suffix}`, false), spec: { controller: 'example.com/ingress' },
    }, ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']),
    fixture('ingresses.networking.k8s.io', ns, {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('t-ing'),
      spec: { defaultBackend: { service: { name: 't-svc', port: { number: 80 } } } },
    }, ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']),
    fixture('networkpolicies.networking.k8s.io', ns, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('t-netpol'), spec: { podSelector: {} },
    }, ['NAME', 'POD-SELECTOR', 'AGE']),
    fixture('poddisruptionbudgets.policy', ns, {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('t-pdb'), spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } },
    }, ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']),
    fixture('clusterrolebindings.rbac.authorization.k8s.io', cluster, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`t-crb-${suffix}`, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `t-cr-${suffix}` },
      subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }],
    }, ['NAME', 'ROLE', 'AGE'], ['USERS', 'GROUPS', 'SERVICEACCOUNTS']),
    fixture('clusterroles.rbac.authorization.k8s.io', cluster, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(`t-cr-${suffix}`, false),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    }, CREATED),
    fixture('rolebindings.rbac.authorization.k8s.io', ns, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('t-rb'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 't-role' },
      subjects: [{ kind: 'ServiceAccount', name: 't-sa', namespace }],
    }, ['NAME', 'ROLE', 'AGE'], ['USERS', 'GROUPS', 'SERVICEACCOUNTS']),
    fixture('roles.rbac.authorization.k8s.io', ns, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('t-role'),
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
    }, CREATED),
    fixture('priorityclasses.scheduling.k8s.io', cluster, {
      apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: meta(`t-pc-${suffix}`, false), value: 10,
    }, ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']),
    fixture('csidrivers.storage.k8s.io', cluster, {
      apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta(`t-csi-${suffix}.example.com`, false), spec: {},
    }, ['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE']),
    fixture('csinodes.storage.k8s.io', cluster, {
      apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: meta(`t-node-${suffix}`, false), spec: { drivers: [] },
    }, ['NAME', 'DRIVERS', 'AGE']),
    fixture('storageclasses.storage.k8s.io', cluster, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta(`t-sc-${suffix}`, false), provisioner: 'example.com/local',
    }, ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']),
    fixture('volumeattachments.storage.k8s.io', cluster, {
      apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: meta(`t-va-${suffix}`, false),
      spec: { attacher: 'example.com/csi', nodeName: `t-node-${suffix}`, source: { persistentVolumeName: `t-pv-${suffix}` } },
    }, ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE']),
    fixture('customresourcedefinitions.apiextensions.k8s.io', cluster, {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: meta(`things.t${suffix}.example.com`, false),
      spec: {
        group: `t${suffix}.example.com`, scope: 'Namespaced',
        names: { plural: 'things', singular: 'thing', kind: 'Thing' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    }, CREATED),
  ];
}
