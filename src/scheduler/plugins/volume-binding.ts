// VolumeBinding, simplified for local volumes (upstream plugins/volumebinding): a pod's PVCs must
// exist; a PVC bound to a PV with nodeAffinity restricts the pod to matching nodes; an unbound PVC
// whose StorageClass binds WaitForFirstConsumer is provisioned after scheduling, so any node will
// do; an unbound PVC binding Immediate must wait for the PV controller.
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { CycleState, StateData } from '../framework/cycle-state.js';
import type { FilterPlugin, PreFilterPlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { Snapshot } from '../framework/snapshot.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { nodeSelectorTermsMatch } from '../helpers/node-affinity.js';
import { Names } from './names.js';

export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

class VolumeState implements StateData {
  constructor(readonly boundPVs: PersistentVolume[]) {}
  clone(): StateData { return this; }
}

const key = 'PreFilter' + Names.VolumeBinding;

export class VolumeBinding implements PreFilterPlugin, FilterPlugin {
  readonly name = Names.VolumeBinding;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): MaybeStatus {
    const ns = pod.pod.metadata?.namespace ?? 'default';
    const claims: { name: string; ephemeral: boolean }[] = [];
    for (const v of pod.pod.spec?.volumes ?? []) {
      if (v.persistentVolumeClaim) claims.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
      else if (v.ephemeral) claims.push({ name: `${pod.pod.metadata?.name}-${v.name}`, ephemeral: true });
    }
    if (claims.length === 0) return Status.skip();
    const bound: PersistentVolume[] = [];
    let unboundImmediate = false;
    for (const c of claims) {
      const pvc = snapshot.pvcs.get(`${ns}/${c.name}`);
      if (!pvc) {
        return Status.unresolvable(c.ephemeral
          ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${c.name}"`
          : `persistentvolumeclaim "${c.name}" not found`);
      }
      if (pvc.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${c.name}" is being deleted`);
      const pvName = pvc.spec?.volumeName;
      if (pvName) {
        const pv = snapshot.pvs.get(pvName);
        if (pv) bound.push(pv);
        continue;
      }
      const sc = snapshot.storageClasses.get(pvc.spec?.storageClassName ?? '');
      if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') unboundImmediate = true;
    }
    if (unboundImmediate) return Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE);
    state.write(key, new VolumeState(bound));
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<VolumeState>(key);
    if (!s) return null;
    for (const pv of s.boundPVs) {
      const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
      if (terms && !nodeSelectorTermsMatch(terms, node.node)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    return null;
  }
}
