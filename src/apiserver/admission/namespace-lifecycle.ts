// As upstream's NamespaceLifecycle: no new objects in a missing or terminating namespace,
// and the system namespaces cannot be deleted.
import { ForbiddenError, NotFoundError } from '../../api/errors.js';
import type { ResourceRegistry } from '../resources.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(private readonly resources: ResourceRegistry) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.def.resource === 'namespaces' && a.def.group === '') {
      if (a.operation === 'DELETE' && IMMORTAL_NAMESPACES.includes(a.name)) {
        throw new ForbiddenError(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`, {
          name: a.name, kind: 'namespaces',
        });
      }
      return;
    }
    if (!a.def.namespaced || a.operation !== 'CREATE' || !a.namespace) return;
    // Events and token reviews are still allowed while a namespace terminates, as upstream.
    const ns = await this.resources.core('namespaces').get('', a.namespace).catch((e) => {
      if (e instanceof NotFoundError) throw new NotFoundError('namespaces', '', a.namespace);
      throw e;
    });
    if (ns.obj.status?.phase === 'Terminating' && a.def.resource !== 'events') {
      throw new ForbiddenError(
        `${a.def.resource} "${a.name}" is forbidden: unable to create new content in namespace ${a.namespace} because it is being terminated`,
        { name: a.name, kind: a.def.resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }] },
      );
    }
  }
}
