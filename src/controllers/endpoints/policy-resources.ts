// Resource descriptors the client package does not define yet (src/client/resources.ts).
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ResourceDescriptor } from '../../client/resources.js';

export const podDisruptionBudgets: ResourceDescriptor<PodDisruptionBudget> = {
  group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true,
};
