// What differs between a ReplicaSet and a ReplicationController for the controller that runs
// both (upstream runs one implementation for both, converting RCs): the resource, the event
// source, and how the selector is written.
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from '../../api/labels.js';
import { selectorFromLabelSelector, selectorFromSet } from '../../api/labels.js';
import type { ResourceDescriptor } from '../../client/resources.js';
import { replicaSets, replicationControllers } from '../../client/resources.js';

export type ReplicatedObject = ReplicaSet | ReplicationController;

export interface ReplicatedKind {
  /** The controller's name in --controllers. */
  controllerName: string;
  /** Event source component, as upstream. */
  component: string;
  desc: ResourceDescriptor<ReplicatedObject>;
  apiVersion: string;
  kind: string;
  /** The selector of the object; selects nothing when it cannot be parsed. */
  selector(obj: ReplicatedObject): LabelSelector;
}

export const replicaSetKind: ReplicatedKind = {
  controllerName: 'replicaset',
  component: 'replicaset-controller',
  desc: replicaSets as ResourceDescriptor<ReplicatedObject>,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (obj) => safeSelector(() => selectorFromLabelSelector((obj as ReplicaSet).spec?.selector)),
};

export const replicationControllerKind: ReplicatedKind = {
  controllerName: 'replicationcontroller',
  component: 'replication-controller',
  desc: replicationControllers as ResourceDescriptor<ReplicatedObject>,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  // An RC's selector is a plain map; an empty one would select everything, so it selects nothing.
  selector: (obj) => {
    const set = (obj as ReplicationController).spec?.selector;
    return set && Object.keys(set).length ? selectorFromSet(set) : selectorFromLabelSelector(undefined);
  },
};

function safeSelector(build: () => LabelSelector): LabelSelector {
  try {
    return build();
  } catch {
    return selectorFromLabelSelector(undefined);
  }
}
