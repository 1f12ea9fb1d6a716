// Nodes: STATUS (Ready / NotReady / Unknown, SchedulingDisabled), ROLES from the
// node-role.kubernetes.io/<role> and kubernetes.io/role labels, VERSION, and the wide
// INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME (upstream printNode).
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { sortedUnique } from './format.js';
import { age } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/** findNodeRoles: sorted, de-duplicated. */
export function nodeRoles(node: KubeObject): string[] {
  const roles: string[] = [];
  for (const [k, v] of Object.entries<string>(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.push(role);
    } else if (k === ROLE_LABEL && v !== '') {
      roles.push(v);
    }
  }
  return sortedUnique(roles);
}

export function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  // Upstream keeps the last condition of each type; only Ready is shown.
  const conds: { type?: string; status?: string }[] = node.status?.conditions ?? [];
  const ready = conds.filter((c) => c.type === 'Ready').at(-1);
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(node: KubeObject, type: string): string {
  const found = (node.status?.addresses ?? []).find((a: { type?: string }) => a.type === type);
  return found?.address ?? '<none>';
}

export const nodePrinter = definePrinter(
  [
    nameCol,
    str('Status', 'The status of the node'),
    str('Roles', 'The roles of the node'),
    ageCol,
    str('Version', ['core.v1.NodeSystemInfo', 'kubeletVersion']),
    str('Internal-IP', ['core.v1.NodeStatus', 'addresses'], 1),
    str('External-IP', ['core.v1.NodeStatus', 'addresses'], 1),
    str('OS-Image', ['core.v1.NodeSystemInfo', 'osImage'], 1),
    str('Kernel-Version', ['core.v1.NodeSystemInfo', 'kernelVersion'], 1),
    str('Container-Runtime', ['core.v1.NodeSystemInfo', 'containerRuntimeVersion'], 1),
  ],
  (o, now) => {
    const info = o.status?.nodeInfo ?? {};
    const roles = nodeRoles(o).join(',');
    return [
      o.metadata?.name,
      nodeStatus(o),
      roles || '<none>',
      age(o, now),
      info.kubeletVersion ?? '',
      address(o, 'InternalIP'),
      address(o, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
);

export const nodePrinters: PrinterRegistration[] = [{ group: '', resource: 'nodes', printer: nodePrinter }];
