// rbac.authorization.k8s.io role bindings: ROLE AGE | USERS GROUPS SERVICEACCOUNTS (upstream
// printRoleBinding / printClusterRoleBinding). Roles and cluster roles have no printer upstream
// and keep the default NAME CREATED AT table.
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { age } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
export function subjectsCells(o: KubeObject): [users: string, groups: string, serviceAccounts: string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of o.subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: string) {
  return definePrinter(
    [
      nameCol,
      str('Role', ['rbac.v1.RoleBinding', 'roleRef']),
      ageCol,
      str('Users', `Users in the ${what}`, 1),
      str('Groups', `Groups in the ${what}`, 1),
      str('ServiceAccounts', `ServiceAccounts in the ${what}`, 1),
    ],
    (o, now) => [o.metadata?.name, `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`, age(o, now), ...subjectsCells(o)],
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

export const rbacPrinters: PrinterRegistration[] = [
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', printer: roleBindingPrinter },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', printer: clusterRoleBindingPrinter },
];
