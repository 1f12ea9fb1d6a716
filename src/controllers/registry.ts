// Every controller this build knows, by upstream's kube-controller-manager names.
import type { ControllerFactory } from './manager.js';
import { replicaSetControllers } from './replicaset/index.js';
import { deploymentControllers } from './deployment/index.js';
import { daemonSetControllers } from './daemonset/index.js';
import { statefulSetControllers } from './statefulset/index.js';
import { batchControllers } from './job/index.js';
import { lifecycleControllers } from './gc/index.js';
import { endpointsControllers } from './endpoints/index.js';
import { nodeLifecycleControllers } from './node-lifecycle/index.js';
import { nodeIpamControllers } from './nodeipam/index.js';

export const allControllers: Record<string, ControllerFactory> = {
  ...replicaSetControllers,
  ...deploymentControllers,
  ...daemonSetControllers,
  ...statefulSetControllers,
  ...batchControllers,
  ...lifecycleControllers,
  ...endpointsControllers,
  ...nodeLifecycleControllers,
  ...nodeIpamControllers,
};
