// Storage defaults: PersistentVolume(Claim) after core/v1 SetDefaults_PersistentVolume* and
// StorageClass after storage/v1 SetDefaults_StorageClass.
import type { KubeObject } from '../kinds.js';
import { child, setDefault, type Obj } from './set-default.js';

export function defaultPersistentVolumeClaimSpec(spec: Obj): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}

export function defaultPersistentVolumeClaim(obj: KubeObject): void {
  defaultPersistentVolumeClaimSpec(child(obj, 'spec'));
  setDefault(child(obj, 'status'), 'phase', 'Pending');
}

export function defaultPersistentVolume(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(child(obj, 'status'), 'phase', 'Pending');
}

export function defaultStorageClass(obj: KubeObject): void {
  setDefault(obj, 'reclaimPolicy', 'Delete');
  setDefault(obj, 'volumeBindingMode', 'Immediate');
}

/** storage/v1 SetDefaults_CSIDriver (fields a user sees in `kubectl get csidriver -o yaml`). */
export function defaultCSIDriver(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  setDefault(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  setDefault(spec, 'requiresRepublish', false);
  setDefault(spec, 'seLinuxMount', false);
  if (!spec.volumeLifecycleModes) spec.volumeLifecycleModes = ['Persistent'];
}
