// networking.k8s.io/v1 and discovery.k8s.io/v1 kinds.
import type { KindDef } from '../kinds.js';
import { defaultEndpointSlice, defaultNetworkPolicy } from '../defaults/networking.js';
import {
  validateEndpointSlice, validateEndpointSliceUpdate, validateIngress, validateIngressClass,
  validateIngressClassUpdate, validateNetworkPolicy,
} from '../validation/networking.js';
import { defineKind } from './define.js';

const networking = { group: 'networking.k8s.io', version: 'v1' } as const;

export const networkingKinds: KindDef[] = [
  defineKind({
    ...networking, kind: 'Ingress', resource: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'],
    subresources: ['status'], hasStatus: true, validate: validateIngress,
  }),
  defineKind({
    ...networking, kind: 'IngressClass', resource: 'ingressclasses', singular: 'ingressclass', namespaced: false,
    validate: validateIngressClass, validateUpdate: validateIngressClassUpdate,
  }),
  defineKind({
    ...networking, kind: 'NetworkPolicy', resource: 'networkpolicies', singular: 'networkpolicy', namespaced: true,
    shortNames: ['netpol'], applyDefaults: defaultNetworkPolicy, validate: validateNetworkPolicy,
  }),
  defineKind({
    group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice',
    namespaced: true, applyDefaults: defaultEndpointSlice, validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
  }),
];
