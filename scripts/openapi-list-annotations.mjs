// Patch and list semantics of well-known list fields of the built-in types.
// Upstream declares these as Go struct tags (`patchStrategy`, `patchMergeKey`) and markers
// (`+listType`, `+listMapKey`) in the types.go files, and kube-openapi turns them into the
// x-kubernetes-patch-strategy / -patch-merge-key / -list-type / -list-map-keys extensions.
// kubernetes-types and @kubernetes/client-node drop them, so this table restates them.
// Client-side `kubectl apply` reads the patch keys from OpenAPI to build strategic merge patches.
//
// Format: '<package> <Type>.<field>': 'patch=<strategy> key=<mergeKey> list=<type> keys=<k1,k2>'
// (every part optional). <package> is the kubernetes-types module path.

export const listAnnotations = {
  // meta/v1
  'meta/v1 ObjectMeta.finalizers': 'patch=merge',
  'meta/v1 ObjectMeta.ownerReferences': 'patch=merge key=uid',

  // core/v1: pods and containers
  'core/v1 PodSpec.volumes': 'patch=merge,retainKeys key=name',
  'core/v1 PodSpec.initContainers': 'patch=merge key=name',
  'core/v1 PodSpec.containers': 'patch=merge key=name',
  'core/v1 PodSpec.ephemeralContainers': 'patch=merge key=name',
  'core/v1 PodSpec.imagePullSecrets': 'patch=merge key=name',
  'core/v1 PodSpec.hostAliases': 'patch=merge key=ip',
  'core/v1 PodSpec.topologySpreadConstraints': 'patch=merge key=topologyKey list=map keys=topologyKey,whenUnsatisfiable',
  'core/v1 PodSpec.schedulingGates': 'patch=merge key=name list=map keys=name',
  'core/v1 PodSpec.resourceClaims': 'patch=merge,retainKeys key=name list=map keys=name',
  'core/v1 PodStatus.conditions': 'patch=merge key=type',
  'core/v1 PodStatus.podIPs': 'patch=merge key=ip',
  'core/v1 PodStatus.hostIPs': 'patch=merge key=ip list=atomic',
  'core/v1 PodStatus.resourceClaimStatuses': 'patch=merge,retainKeys key=name list=map keys=name',
  'core/v1 Container.ports': 'patch=merge key=containerPort list=map keys=containerPort,protocol',
  'core/v1 Container.env': 'patch=merge key=name',
  'core/v1 Container.volumeMounts': 'patch=merge key=mountPath',
  'core/v1 Container.volumeDevices': 'patch=merge key=devicePath',
  'core/v1 Container.resizePolicy': 'list=atomic',
  'core/v1 EphemeralContainer.ports': 'patch=merge key=containerPort list=map keys=containerPort,protocol',
  'core/v1 EphemeralContainer.env': 'patch=merge key=name',
  'core/v1 EphemeralContainer.volumeMounts': 'patch=merge key=mountPath',
  'core/v1 EphemeralContainer.volumeDevices': 'patch=merge key=devicePath',
  'core/v1 EphemeralContainer.resizePolicy': 'list=atomic',
  'core/v1 ResourceRequirements.claims': 'list=map keys=name',
  'core/v1 TopologySpreadConstraint.matchLabelKeys': 'list=atomic',
  'core/v1 PodAffinityTerm.matchLabelKeys': 'list=atomic',
  'core/v1 PodAffinityTerm.mismatchLabelKeys': 'list=atomic',

  // core/v1: services, nodes, namespaces, claims, service accounts, controllers
  'core/v1 ServiceSpec.ports': 'patch=merge key=port list=map keys=port,protocol',
  'core/v1 ServiceSpec.clusterIPs': 'list=atomic',
  'core/v1 ServiceSpec.ipFamilies': 'list=atomic',
  'core/v1 ServiceStatus.conditions': 'patch=merge key=type list=map keys=type',
  'core/v1 LoadBalancerIngress.ports': 'list=atomic',
  'core/v1 NodeSpec.podCIDRs': 'patch=merge',
  'core/v1 NodeStatus.conditions': 'patch=merge key=type',
  'core/v1 NodeStatus.addresses': 'patch=merge key=type',
  'core/v1 NamespaceStatus.conditions': 'patch=merge key=type',
  'core/v1 PersistentVolumeClaimStatus.conditions': 'patch=merge key=type',
  'core/v1 ServiceAccount.secrets': 'patch=merge key=name',
  'core/v1 ComponentStatus.conditions': 'patch=merge key=type',
  'core/v1 ReplicationControllerStatus.conditions': 'patch=merge key=type',

  // apps/v1
  'apps/v1 DeploymentSpec.strategy': 'patch=retainKeys',
  'apps/v1 DeploymentStatus.conditions': 'patch=merge key=type',
  'apps/v1 ReplicaSetStatus.conditions': 'patch=merge key=type',
  'apps/v1 DaemonSetStatus.conditions': 'patch=merge key=type',
  'apps/v1 StatefulSetStatus.conditions': 'patch=merge key=type',

  // batch/v1
  'batch/v1 JobStatus.conditions': 'patch=merge key=type list=atomic',
  'batch/v1 CronJobStatus.active': 'list=atomic',

  // policy/v1
  'policy/v1 PodDisruptionBudgetStatus.conditions': 'patch=merge key=type list=map keys=type',

  // autoscaling/v2
  'autoscaling/v2 HorizontalPodAutoscalerSpec.metrics': 'list=atomic',
  'autoscaling/v2 HorizontalPodAutoscalerStatus.currentMetrics': 'list=atomic',
  'autoscaling/v2 HorizontalPodAutoscalerStatus.conditions': 'patch=merge key=type list=map keys=type',
  'autoscaling/v2 HPAScalingRules.policies': 'list=atomic',

  // discovery/v1
  'discovery/v1 EndpointSlice.endpoints': 'list=atomic',
  'discovery/v1 EndpointSlice.ports': 'list=atomic',

  // admissionregistration/v1, storage/v1
  'admissionregistration/v1 MutatingWebhookConfiguration.webhooks': 'patch=merge key=name',
  'admissionregistration/v1 ValidatingWebhookConfiguration.webhooks': 'patch=merge key=name',
  'storage/v1 CSINodeSpec.drivers': 'patch=merge key=name',

  // apiextensions/v1
  'apiextensions/v1 CustomResourceDefinitionStatus.conditions': 'list=map keys=type',
  'apiextensions/v1 JSONSchemaProps.x-kubernetes-validations': 'patch=merge key=rule list=map keys=rule',
};

/** Parses one table value into the vendor extensions it stands for. */
export function parseListAnnotation(text) {
  const out = {};
  for (const part of text.split(/\s+/).filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k === 'patch') out['x-kubernetes-patch-strategy'] = v;
    else if (k === 'key') out['x-kubernetes-patch-merge-key'] = v;
    else if (k === 'list') out['x-kubernetes-list-type'] = v;
    else if (k === 'keys') out['x-kubernetes-list-map-keys'] = v.split(',');
    else throw new Error(`unknown list annotation part ${part}`);
  }
  return out;
}
