// apiextensions.k8s.io: CustomResourceDefinitions (the API server serves their resources).
import type { KindDef } from '../kinds.js';
import { defaultCustomResourceDefinition } from '../defaults/apiextensions.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from '../validation/apiextensions.js';
import { defineKind } from './define.js';

export const apiextensionsKinds: KindDef[] = [
  defineKind({
    group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'],
    subresources: ['status'], hasStatus: true,
    applyDefaults: defaultCustomResourceDefinition,
    validate: validateCustomResourceDefinition,
    validateUpdate: validateCustomResourceDefinitionUpdate,
  }),
];
