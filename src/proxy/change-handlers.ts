// What both proxy modes watch, as upstream's ServiceChangeTracker and EndpointsChangeTracker
// see it: a Service by its key on every real change, and an EndpointSlice both as it was and
// as it is (a slice can move between Services' ports), never on a resync that changed nothing.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { deletionHandlingKey, DeletedFinalStateUnknown } from '../client/indexer.js';
import type { HandlerRegistration, SharedIndexInformer } from '../client/shared-informer.js';

export interface ServiceChangeHandlers {
  service(key: string): void;
  slice(slice: EndpointSlice): void;
}

export function watchServiceChanges(
  services: SharedIndexInformer<Service>,
  slices: SharedIndexInformer<EndpointSlice>,
  on: ServiceChangeHandlers,
): HandlerRegistration[] {
  return [
    services.addEventHandler({
      onAdd: (svc) => on.service(deletionHandlingKey(svc)),
      onUpdate: (old, svc) => {
        if (old.metadata?.resourceVersion !== svc.metadata?.resourceVersion) on.service(deletionHandlingKey(svc));
      },
      onDelete: (svc) => on.service(deletionHandlingKey(svc)),
    }),
    slices.addEventHandler({
      onAdd: (s) => on.slice(s),
      onUpdate: (old, s) => {
        if (old.metadata?.resourceVersion === s.metadata?.resourceVersion) return;
        on.slice(old);
        on.slice(s);
      },
      onDelete: (s) => on.slice(s instanceof DeletedFinalStateUnknown ? s.obj : s),
    }),
  ];
}
