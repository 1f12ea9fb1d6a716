// apps/v1 and ReplicationController defaults, after upstream apps/v1 SetDefaults_Deployment,
// SetDefaults_ReplicaSet, SetDefaults_StatefulSet, SetDefaults_DaemonSet and core/v1
// SetDefaults_ReplicationController. Pod templates get pod spec defaults.
import type { KubeObject } from '../kinds.js';
import { defaultPodTemplateSpec } from './pod.js';
import { child, items, setDefault } from './set-default.js';
import { defaultPersistentVolumeClaimSpec } from './storage.js';

export function defaultDeployment(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(spec.template);
}

export function defaultReplicaSet(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec.template);
}

export function defaultStatefulSet(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') setDefault(child(strategy, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  for (const pvc of items(spec, 'volumeClaimTemplates')) {
    defaultPersistentVolumeClaimSpec(child(pvc, 'spec'));
    // The template is a full PVC: upstream SetDefaults_PersistentVolumeClaim also sets its phase.
    setDefault(child(pvc, 'status'), 'phase', 'Pending');
  }
  defaultPodTemplateSpec(spec.template);
}

export function defaultDaemonSet(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  const strategy = child(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(spec.template);
}

/** RC: the selector and the object's labels default to the template's labels. */
export function defaultReplicationController(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  const templateLabels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  if (templateLabels && Object.keys(templateLabels).length) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
    const meta = child(obj, 'metadata');
    if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = { ...templateLabels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(spec.template);
}
