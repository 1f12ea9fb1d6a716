// events.k8s.io/v1 Events, stored as core/v1 Events.
import type { KindDef, KubeObject } from '../kinds.js';
import { coreToEventsV1, eventsV1ToCore } from '../conversion/events.js';
import { validateEventsV1Event } from '../validation/core.js';
import { coreEventFieldSelectors } from './core.js';
import { defineKind } from './define.js';

/** The getters read the core shape; an events.k8s.io object is converted first. */
const eventsFieldSelectors = Object.fromEntries(
  Object.entries(coreEventFieldSelectors).map(([field, get]) => [
    field,
    (obj: KubeObject) => get(obj.apiVersion === 'events.k8s.io/v1' ? eventsV1ToCore(obj) : obj),
  ]),
);

export const eventsKinds: KindDef[] = [
  defineKind({
    group: 'events.k8s.io', version: 'v1', kind: 'Event', resource: 'events', singular: 'event', namespaced: true,
    shortNames: ['ev'], storage: { group: '', resource: 'events', version: 'v1' },
    toStorage: eventsV1ToCore, fromStorage: coreToEventsV1,
    fieldSelectors: eventsFieldSelectors, validate: validateEventsV1Event,
  }),
];
