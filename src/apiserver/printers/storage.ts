// Volumes and storage: persistent volumes and claims (core) and the storage.k8s.io kinds
// (upstream printPersistentVolume, printPersistentVolumeClaim, printStorageClass, printCSIDriver,
// printCSINode, printVolumeAttachment, printCSIStorageCapacity).
import { ageCol, bool, definePrinter, int, nameCol, str } from './columns.js';
import { quantityText } from './format.js';
import { age } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** helper.GetAccessModesAsString: abbreviations in a fixed order. */
export function accessModesText(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter(([mode]) => set.has(mode)).map(([, short]) => short).join(',');
}

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the beta annotation wins. */
function storageClassOf(o: KubeObject): string {
  const annotated = o.metadata?.annotations?.[BETA_CLASS_ANNOTATION];
  if (annotated !== undefined) return annotated;
  return o.spec?.storageClassName ?? '';
}

export const persistentVolumePrinter = definePrinter(
  [
    nameCol,
    str('Capacity', ['core.v1.PersistentVolumeSpec', 'capacity']),
    str('Access Modes', ['core.v1.PersistentVolumeSpec', 'accessModes']),
    str('Reclaim Policy', ['core.v1.PersistentVolumeSpec', 'persistentVolumeReclaimPolicy']),
    str('Status', ['core.v1.PersistentVolumeStatus', 'phase']),
    str('Claim', ['core.v1.PersistentVolumeSpec', 'claimRef']),
    str('StorageClass', 'StorageClass of the pv'),
    str('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    str('Reason', ['core.v1.PersistentVolumeStatus', 'reason']),
    ageCol,
    str('VolumeMode', ['core.v1.PersistentVolumeSpec', 'volumeMode'], 1),
  ],
  (o, now) => {
    const spec = o.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? '');
    return [
      o.metadata?.name,
      quantityText(spec.capacity?.storage),
      accessModesText(spec.accessModes),
      spec.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      storageClassOf(o),
      spec.volumeAttributesClassName ?? '<unset>',
      o.status?.reason ?? '',
      age(o, now),
      spec.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentVolumeClaimPrinter = definePrinter(
  [
    nameCol,
    str('Status', ['core.v1.PersistentVolumeClaimStatus', 'phase']),
    str('Volume', ['core.v1.PersistentVolumeClaimSpec', 'volumeName']),
    str('Capacity', ['core.v1.PersistentVolumeClaimStatus', 'capacity']),
    str('Access Modes', ['core.v1.PersistentVolumeClaimStatus', 'accessModes']),
    str('StorageClass', 'StorageClass of the pvc'),
    str('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageCol,
    str('VolumeMode', ['core.v1.PersistentVolumeClaimSpec', 'volumeMode'], 1),
  ],
  (o, now) => {
    const spec = o.spec ?? {};
    const phase = o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? '');
    // Capacity and access modes are shown once the claim is bound to a volume.
    const bound = Boolean(spec.volumeName);
    return [
      o.metadata?.name,
      phase,
      spec.volumeName ?? '',
      bound ? quantityText(o.status?.capacity?.storage) : '',
      bound ? accessModesText(o.status?.accessModes) : '',
      storageClassOf(o),
      spec.volumeAttributesClassName ?? '<unset>',
      age(o, now),
      spec.volumeMode ?? '<unset>',
    ];
  },
);

/** storageutil.IsDefaultAnnotation: the GA or beta is-default-class annotation is "true". */
function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export const storageClassPrinter = definePrinter(
  [
    nameCol,
    str('Provisioner', ['storage.v1.StorageClass', 'provisioner']),
    str('ReclaimPolicy', ['storage.v1.StorageClass', 'reclaimPolicy']),
    str('VolumeBindingMode', ['storage.v1.StorageClass', 'volumeBindingMode']),
    str('AllowVolumeExpansion', ['storage.v1.StorageClass', 'allowVolumeExpansion']),
    ageCol,
  ],
  (o, now) => [
    isDefaultClass(o) ? `${o.metadata?.name} (default)` : o.metadata?.name,
    o.provisioner ?? '',
    o.reclaimPolicy ?? 'Delete',
    o.volumeBindingMode ?? 'Immediate',
    o.allowVolumeExpansion ?? false,
    age(o, now),
  ],
);

export const csiDriverPrinter = definePrinter(
  [
    nameCol,
    bool('AttachRequired', ['storage.v1.CSIDriverSpec', 'attachRequired']),
    bool('PodInfoOnMount', ['storage.v1.CSIDriverSpec', 'podInfoOnMount']),
    bool('StorageCapacity', ['storage.v1.CSIDriverSpec', 'storageCapacity']),
    str('TokenRequests', ['storage.v1.CSIDriverSpec', 'tokenRequests']),
    bool('RequiresRepublish', ['storage.v1.CSIDriverSpec', 'requiresRepublish']),
    str('Modes', ['storage.v1.CSIDriverSpec', 'volumeLifecycleModes']),
    ageCol,
  ],
  (o, now) => {
    const spec = o.spec ?? {};
    const tokenRequests = Array.isArray(spec.tokenRequests)
      ? spec.tokenRequests.map((t: { audience?: string }) => t.audience ?? '').join(',')
      : '<unset>';
    const modes = (spec.volumeLifecycleModes ?? []).join(',');
    return [
      o.metadata?.name,
      spec.attachRequired ?? true,
      spec.podInfoOnMount ?? false,
      spec.storageCapacity ?? false,
      tokenRequests,
      spec.requiresRepublish ?? false,
      modes || '<none>',
      age(o, now),
    ];
  },
);

export const csiNodePrinter = definePrinter(
  [nameCol, int('Drivers', 'Drivers indicates the number of CSI drivers registered on the node'), ageCol],
  (o, now) => [o.metadata?.name, (o.spec?.drivers ?? []).length, age(o, now)],
);

export const volumeAttachmentPrinter = definePrinter(
  [
    nameCol,
    { ...str('Attacher', ['storage.v1.VolumeAttachmentSpec', 'attacher']), format: 'name' },
    str('PV', ['storage.v1.VolumeAttachmentSource', 'persistentVolumeName']),
    str('Node', ['storage.v1.VolumeAttachmentSpec', 'nodeName']),
    bool('Attached', ['storage.v1.VolumeAttachmentStatus', 'attached']),
    ageCol,
  ],
  (o, now) => [
    o.metadata?.name,
    o.spec?.attacher ?? '',
    o.spec?.source?.persistentVolumeName ?? '',
    o.spec?.nodeName ?? '',
    o.status?.attached ?? false,
    age(o, now),
  ],
);

export const csiStorageCapacityPrinter = definePrinter(
  [
    nameCol,
    str('StorageClassName', ['storage.v1.CSIStorageCapacity', 'storageClassName']),
    str('Capacity', ['storage.v1.CSIStorageCapacity', 'capacity']),
  ],
  (o) => [o.metadata?.name, o.storageClassName ?? '', o.capacity === undefined || o.capacity === null ? '<unset>' : quantityText(o.capacity)],
);

export const storagePrinters: PrinterRegistration[] = [
  { group: '', resource: 'persistentvolumes', printer: persistentVolumePrinter },
  { group: '', resource: 'persistentvolumeclaims', printer: persistentVolumeClaimPrinter },
  { group: 'storage.k8s.io', resource: 'storageclasses', printer: storageClassPrinter },
  { group: 'storage.k8s.io', resource: 'csidrivers', printer: csiDriverPrinter },
  { group: 'storage.k8s.io', resource: 'csinodes', printer: csiNodePrinter },
  { group: 'storage.k8s.io', resource: 'volumeattachments', printer: volumeAttachmentPrinter },
  { group: 'storage.k8s.io', resource: 'csistoragecapacities', printer: csiStorageCapacityPrinter },
];
