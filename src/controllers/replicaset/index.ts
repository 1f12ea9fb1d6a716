// The ReplicaSet and ReplicationController controllers, keyed by their kube-controller-manager names.
import type { ControllerFactory } from '../manager.js';
import { ReplicaSetController } from './replica-set-controller.js';
import { replicaSetKind, replicationControllerKind } from './replicated-kind.js';

export { ReplicaSetController, BURST_REPLICAS, CONTROLLER_UID_INDEX } from './replica-set-controller.js';
export { replicaSetKind, replicationControllerKind } from './replicated-kind.js';
export type { ReplicatedKind, ReplicatedObject } from './replicated-kind.js';

export const replicaSetControllers: Record<string, ControllerFactory> = {
  replicaset: (ctx) => new ReplicaSetController(ctx, replicaSetKind),
  replicationcontroller: (ctx) => new ReplicaSetController(ctx, replicationControllerKind),
};
