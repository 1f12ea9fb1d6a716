// apps/v1: deployments, replica sets, daemon sets, stateful sets and controller revisions
// (upstream printDeployment, printReplicaSet, printDaemonSet, printStatefulSet,
// printControllerRevision).
import { ageCol, containersCol, definePrinter, imagesCol, int, nameCol, str } from './columns.js';
import { containerCells, formatLabelSelector, formatLabels, int64, labelSelectorString } from './format.js';
import { age } from './time.js';
import type { KindPrinter, KubeObject, PrinterRegistration } from './types.js';

// spec.replicas of these kinds is defaulted to 1 on create.
const desired = (o: KubeObject): number => int64(o.spec?.replicas ?? 1);
const templateContainers = (o: KubeObject) => containerCells(o.spec?.template?.spec?.containers);

export const deploymentPrinter = definePrinter(
  [
    nameCol,
    str('Ready', 'Number of the pod with ready state'),
    str('Up-to-date', ['apps.v1.DeploymentStatus', 'updatedReplicas']),
    str('Available', ['apps.v1.DeploymentStatus', 'availableReplicas']),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['apps.v1.DeploymentSpec', 'selector'], 1),
  ],
  (o, now) => [
    o.metadata?.name,
    `${int64(o.status?.readyReplicas)}/${desired(o)}`,
    int64(o.status?.updatedReplicas),
    int64(o.status?.availableReplicas),
    age(o, now),
    ...templateContainers(o),
    // Deployments print the selector's String() as is, "<invalid>" when it does not parse.
    labelSelectorString(o.spec?.selector) ?? '<invalid>',
  ],
);

export const replicaSetPrinter = definePrinter(
  [
    nameCol,
    int('Desired', ['apps.v1.ReplicaSetSpec', 'replicas']),
    int('Current', ['apps.v1.ReplicaSetStatus', 'replicas']),
    int('Ready', ['apps.v1.ReplicaSetStatus', 'readyReplicas']),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['apps.v1.ReplicaSetSpec', 'selector'], 1),
  ],
  (o, now) => [
    o.metadata?.name,
    desired(o),
    int64(o.status?.replicas),
    int64(o.status?.readyReplicas),
    age(o, now),
    ...templateContainers(o),
    formatLabelSelector(o.spec?.selector),
  ],
);

export const daemonSetPrinter = definePrinter(
  [
    nameCol,
    int('Desired', ['apps.v1.DaemonSetStatus', 'desiredNumberScheduled']),
    int('Current', ['apps.v1.DaemonSetStatus', 'currentNumberScheduled']),
    int('Ready', ['apps.v1.DaemonSetStatus', 'numberReady']),
    int('Up-to-date', ['apps.v1.DaemonSetStatus', 'updatedNumberScheduled']),
    int('Available', ['apps.v1.DaemonSetStatus', 'numberAvailable']),
    str('Node Selector', ['core.v1.PodSpec', 'nodeSelector']),
    ageCol,
    containersCol,
    imagesCol,
    str('Selector', ['apps.v1.DaemonSetSpec', 'selector'], 1),
  ],
  (o, now) => {
    const s = o.status ?? {};
    return [
      o.metadata?.name,
      int64(s.desiredNumberScheduled),
      int64(s.currentNumberScheduled),
      int64(s.numberReady),
      int64(s.updatedNumberScheduled),
      int64(s.numberAvailable),
      formatLabels(o.spec?.template?.spec?.nodeSelector),
      age(o, now),
      ...templateContainers(o),
      formatLabelSelector(o.spec?.selector),
    ];
  },
);

export const statefulSetPrinter = definePrinter(
  [nameCol, str('Ready', 'Number of the pod with ready state'), ageCol, containersCol, imagesCol],
  (o, now) => [o.metadata?.name, `${int64(o.status?.readyReplicas)}/${desired(o)}`, age(o, now), ...templateContainers(o)],
);

/** The controller owner reference as "kind.group/name" (formatResourceName), or "<none>". */
function controllerName(o: KubeObject): string {
  const ref = (o.metadata?.ownerReferences ?? []).find((r: { controller?: boolean }) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = String(ref.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = String(ref.kind ?? '');
  if (!kind && !group) return ref.name ?? '';
  const groupKind = group ? `${kind}.${group}` : kind;
  return `${groupKind.toLowerCase()}/${ref.name ?? ''}`;
}

export const controllerRevisionPrinter = definePrinter(
  [
    nameCol,
    str('Controller', 'Controller of the object'),
    str('Revision', ['apps.v1.ControllerRevision', 'revision']),
    ageCol,
  ],
  (o, now) => [o.metadata?.name, controllerName(o), int64(o.revision), age(o, now)],
);

const apps = (resource: string, printer: KindPrinter): PrinterRegistration => ({ group: 'apps', resource, printer });

export const appsPrinters: PrinterRegistration[] = [
  apps('deployments', deploymentPrinter),
  apps('replicasets', replicaSetPrinter),
  apps('daemonsets', daemonSetPrinter),
  apps('statefulsets', statefulSetPrinter),
  apps('controllerrevisions', controllerRevisionPrinter),
];
