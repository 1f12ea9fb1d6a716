// The lifecycle controllers of the controller manager, keyed by their upstream names in
// kube-controller-manager's --controllers.
import type { ControllerFactory } from '../manager.js';
import { GarbageCollector } from './garbage-collector.js';
import { NamespaceController } from './namespace.js';
import { PodGCController } from './podgc.js';
import { ServiceAccountController } from './serviceaccount.js';
import { TTLAfterFinishedController } from './ttl-after-finished.js';

export const lifecycleControllers: Record<string, ControllerFactory> = {
  garbagecollector: (ctx) => new GarbageCollector(ctx),
  namespace: (ctx) => new NamespaceController(ctx),
  serviceaccount: (ctx) => new ServiceAccountController(ctx),
  podgc: (ctx) => new PodGCController(ctx),
  'ttl-after-finished': (ctx) => new TTLAfterFinishedController(ctx),
};

export { GarbageCollector, NamespaceController, PodGCController, ServiceAccountController, TTLAfterFinishedController };
export type { GarbageCollectorOptions } from './garbage-collector.js';
export type { NamespaceControllerOptions } from './namespace.js';
export type { PodGCOptions } from './podgc.js';
export type { TTLAfterFinishedOptions } from './ttl-after-finished.js';
